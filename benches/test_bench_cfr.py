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
CALL = {"leduc_poker": 10, "liars_dice": 1}


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
def test_cfr_plus_openspiel_cpp(benchmark, name: str) -> None:
    benchmark.group = f"{name}: {CALL[name]} CFR+ iteration(s)"
    solver = pyspiel.CFRPlusSolver(SPIEL[name])

    def step() -> None:
        for _ in range(CALL[name]):
            solver.evaluate_and_update_policy()

    step()
    benchmark.pedantic(step, rounds=5 if name == "leduc_poker" else 3, iterations=1)
    benchmark.extra_info["ms_per_iteration"] = benchmark.stats.stats.median / CALL[name] * 1e3


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_exploitability_equilibria(benchmark, name: str) -> None:
    benchmark.group = f"{name}: one exploitability"
    solver = eq.CFR(OURS[name], "cfr+", threads=1).run(10)
    strategy = solver.average_strategy()
    value = benchmark.pedantic(eq.exploitability, args=(OURS[name], strategy), rounds=30, iterations=1)
    assert value > 0


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_exploitability_openspiel(benchmark, name: str) -> None:
    benchmark.group = f"{name}: one exploitability"
    solver = pyspiel.CFRPlusSolver(SPIEL[name])
    solver.evaluate_and_update_policy()
    policy = solver.average_policy()
    value = benchmark.pedantic(pyspiel.exploitability, args=(SPIEL[name], policy), rounds=3, iterations=1)
    assert value > 0


@pytest.mark.parametrize("name", ["leduc_poker", "liars_dice"])
def test_cfr_plus_liteefg(benchmark, name: str) -> None:
    leg = pytest.importorskip("LiteEFG")
    benchmark.group = f"{name}: {CALL[name]} CFR+ iteration(s)"
    from LiteEFG.baselines.CFRplus import graph as cfr_plus_graph

    env = leg.OpenSpielEnv(SPIEL[name], traverse_type="Enumerate")
    graph = cfr_plus_graph()
    env.set_graph(graph)

    def step() -> None:
        for _ in range(CALL[name]):
            graph.update_graph(env)
            env.update_strategy(graph.current_strategy(), update_best=False)

    step()
    benchmark.pedantic(step, rounds=10 if name == "leduc_poker" else 3, iterations=1)
