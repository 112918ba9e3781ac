"""Speed of CFR and exploitability against OpenSpiel (and LiteEFG when it is installed).

Run: python -m pytest benches/test_bench_cfr.py --benchmark-only --benchmark-group-by=group
Each group holds equilibria and its peers doing the same work (one call = the number of CFR+
iterations in the group's name, alternating updates, single thread unless marked); compare
ratios within one run.
"""

from __future__ import annotations

import pytest

import equilibria as eq

pyspiel = pytest.importorskip("pyspiel")

SPIEL = {name: pyspiel.load_game(name) for name in ("leduc_poker", "liars_dice")}
OURS = {"leduc_poker": eq.games.leduc_poker(), "liars_dice": eq.games.liars_dice()}
CALL = {"leduc_poker": 100, "liars_dice": 1}


def _ours_cfr(benchmark, name: str, threads: int) -> None:
    benchmark.group = f"{name}: {CALL[name]} CFR+ iteration(s)"
    solver = eq.CFR(OURS[name], "cfr+", threads=threads).run(5)
    benchmark.pedantic(solver.run, args=(CALL[name],), rounds=30, iterations=1, warmup_rounds=2)
    benchmark.extra_info["ms_per_iteration"] = benchmark.stats.stats.median / CALL[name] * 1e3


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
@pytest.mark.parametrize("threads", [1, 2])
def test_cfr_plus_equilibria(benchmark, name: str, threads: int) -> None:
    _ours_cfr(benchmark, name, threads)


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_cfr_plus_equilibria_exploitability_every_iteration(benchmark, name: str) -> None:
    """The same iterations with the exploitability recorded after each one, inside the run:
    the time minus the plain run's is what the checkpoints cost (goal: <= one iteration each)."""
    benchmark.group = f"{name}: {CALL[name]} CFR+ iteration(s)"
    solver = eq.CFR(OURS[name], "cfr+", threads=1).run(5)
    benchmark.pedantic(solver.run, args=(CALL[name],), kwargs={"checkpoint_every": 1}, rounds=30, iterations=1)
    benchmark.extra_info["ms_per_iteration_and_exploitability"] = benchmark.stats.stats.median / CALL[name] * 1e3


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_cfr_plus_openspiel_cpp(benchmark, name: str) -> None:
    benchmark.group = f"{name}: {CALL[name]} CFR+ iteration(s)"
    solver = pyspiel.CFRPlusSolver(SPIEL[name])

    def step() -> None:
        for _ in range(CALL[name]):
            solver.evaluate_and_update_policy()

    step()
    benchmark.pedantic(step, rounds=3, iterations=1)
    benchmark.extra_info["ms_per_iteration"] = benchmark.stats.stats.median / CALL[name] * 1e3


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
@pytest.mark.parametrize("threads", [1, 2])
def test_exploitability_equilibria(benchmark, name: str, threads: int) -> None:
    benchmark.group = f"{name}: one exploitability"
    solver = eq.CFR(OURS[name], "cfr+", threads=1).run(10)
    strategy = solver.average_strategy()
    kwargs = {"threads": threads}
    value = benchmark.pedantic(eq.exploitability, args=(OURS[name], strategy), kwargs=kwargs, rounds=30, iterations=1)
    assert value > 0


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_exploitability_openspiel(benchmark, name: str) -> None:
    benchmark.group = f"{name}: one exploitability"
    solver = pyspiel.CFRPlusSolver(SPIEL[name])
    solver.evaluate_and_update_policy()
    policy = solver.average_policy()
    value = benchmark.pedantic(pyspiel.exploitability, args=(SPIEL[name], policy), rounds=3, iterations=1)
    assert value > 0


@pytest.fixture(scope="module")
def liteefg():
    leg = pytest.importorskip("LiteEFG")
    leg.set_threads(1)
    return leg


def _liteefg_cfr_plus(leg, name: str):
    """A fresh env (it holds the averages, so no sharing between tests) with LiteEFG's CFR+ graph.

    The first OpenSpielEnv of a game converts it into ~/game_instances (liars_dice: ~12 s), later
    ones read that file (~4 s); both happen here, outside the timed region.
    """
    from LiteEFG.baselines.CFRplus import graph as cfr_plus_graph

    env = leg.OpenSpielEnv(SPIEL[name], traverse_type="Enumerate")
    graph = cfr_plus_graph()
    env.set_graph(graph)

    def step() -> None:  # the loop of LiteEFG.baselines.utils.train
        for _ in range(CALL[name]):
            graph.update_graph(env)  # RM+ for player 1, then player 2: alternating updates
            env.update_strategy(graph.current_strategy(), update_best=False)

    return env, graph, step


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_cfr_plus_liteefg(benchmark, liteefg, name: str) -> None:
    benchmark.group = f"{name}: {CALL[name]} CFR+ iteration(s)"
    _, _, step = _liteefg_cfr_plus(liteefg, name)
    step()
    benchmark.pedantic(step, rounds=3, iterations=1)
    benchmark.extra_info["ms_per_iteration"] = benchmark.stats.stats.median / CALL[name] * 1e3


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_exploitability_liteefg(benchmark, liteefg, name: str) -> None:
    benchmark.group = f"{name}: one exploitability"
    env, graph, step = _liteefg_cfr_plus(liteefg, name)
    step()
    # CFR+'s linear average, as LiteEFG's CFR+ baseline reports it; per player, sum / 2 = OpenSpiel's
    per_player = benchmark.pedantic(
        env.exploitability, args=(graph.current_strategy(), "linear-avg-iterate"), rounds=30, iterations=1
    )
    assert sum(per_player) / 2 > 0
