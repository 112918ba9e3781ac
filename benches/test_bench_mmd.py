"""Dilated-entropy MMD on Kuhn and Leduc against OpenSpiel's `mmd_dilated` (Python/numpy).

Run: python -m pytest benches/test_bench_mmd.py --benchmark-only --benchmark-group-by=group
One call = the iterations in the group's name (alpha = 0.1, default step), or one gap.
"""

from __future__ import annotations

import pytest

import equilibria as eq

pyspiel = pytest.importorskip("pyspiel")
from open_spiel.python.algorithms import mmd_dilated  # noqa: E402

CALL = {"kuhn_poker": 100, "leduc_poker": 10}


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_mmd_equilibria(benchmark, name: str) -> None:
    benchmark.group = f"{name}: {CALL[name]} MMD iterations"
    solver = eq.MMD(eq.games.load(name), 0.1, threads=1)
    benchmark.pedantic(solver.run, args=(CALL[name],), rounds=20, iterations=1)


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_mmd_openspiel(benchmark, name: str) -> None:
    benchmark.group = f"{name}: {CALL[name]} MMD iterations"
    solver = mmd_dilated.MMDDilatedEnt(pyspiel.load_game(name), alpha=0.1)

    def step() -> None:
        for _ in range(CALL[name]):
            solver.update_sequences()

    benchmark.pedantic(step, rounds=3, iterations=1)


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_gap_equilibria(benchmark, name: str) -> None:
    benchmark.group = f"{name}: one regularized gap"
    solver = eq.MMD(eq.games.load(name), 0.1, threads=1).run(5)
    benchmark.pedantic(solver.gap, rounds=20, iterations=1)


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_gap_openspiel(benchmark, name: str) -> None:
    benchmark.group = f"{name}: one regularized gap"
    solver = mmd_dilated.MMDDilatedEnt(pyspiel.load_game(name), alpha=0.1)
    solver.update_sequences()
    benchmark.pedantic(solver.get_gap, rounds=3, iterations=1)


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_behavioral_mmd_equilibria(benchmark, name: str) -> None:
    benchmark.group = f"{name}: {CALL[name]} behavioural MMD iterations"
    solver = eq.MMD(eq.games.load(name), 0.5, step_size=0.05, form="behavioral", threads=1)
    benchmark.pedantic(solver.run, args=(CALL[name],), rounds=20, iterations=1)


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_behavioral_mmd_liteefg(benchmark, name: str) -> None:
    leg = pytest.importorskip("LiteEFG")
    from LiteEFG.baselines.MMD import graph as mmd_graph

    leg.set_threads(1)
    benchmark.group = f"{name}: {CALL[name]} behavioural MMD iterations"
    env = leg.OpenSpielEnv(pyspiel.load_game(name), traverse_type="Enumerate")
    graph = mmd_graph(eta=0.05, tau=0.5)
    env.set_graph(graph)

    def step() -> None:
        for _ in range(CALL[name]):
            graph.update_graph(env)
            env.update_strategy(graph.current_strategy(), update_best=False)

    benchmark.pedantic(step, rounds=5, iterations=1)
