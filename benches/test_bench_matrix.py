"""Speed of the matrix-game solvers against the tools people use (HiGHS, nashpy).

Run: python -m pytest benches/test_bench_matrix.py --benchmark-only --benchmark-group-by=group
Each group holds equilibria and its peers on the same inputs; compare ratios within one run.
"""

from __future__ import annotations

import numpy as np
import pytest

import equilibria as eq
from equilibria._lp import solve_zero_sum_lp

BIG = {seed: np.random.default_rng(seed).uniform(-1.0, 1.0, (1000, 1000)) for seed in (0, 1)}


@pytest.mark.parametrize("seed", [0, 1])
def test_1000x1000_equilibria_prm_plus(benchmark, seed):
    benchmark.group = f"1000x1000 U[-1,1] seed {seed}, gap <= 1e-6"
    r = benchmark.pedantic(eq.solve_matrix_game, args=(BIG[seed],), kwargs={"tol": 1e-6}, rounds=5, iterations=1)
    assert r.gap <= 1e-6
    benchmark.extra_info.update(gap=r.gap, iterations=r.iterations, polished=r.polished)


@pytest.mark.parametrize("seed", [0, 1])
def test_1000x1000_equilibria_prm_plus_unpolished(benchmark, seed):
    benchmark.group = f"1000x1000 U[-1,1] seed {seed}, gap <= 1e-6"
    kwargs = {"tol": 1e-6, "polish": False}
    r = benchmark.pedantic(eq.solve_matrix_game, args=(BIG[seed],), kwargs=kwargs, rounds=1, iterations=1)
    assert r.gap <= 1e-6
    benchmark.extra_info.update(gap=r.gap, iterations=r.iterations)


@pytest.mark.parametrize("seed", [0, 1])
def test_1000x1000_highs_lp(benchmark, seed):
    benchmark.group = f"1000x1000 U[-1,1] seed {seed}, gap <= 1e-6"
    x, y, _ = benchmark.pedantic(solve_zero_sum_lp, args=(BIG[seed],), rounds=1, iterations=1)
    gap = eq.duality_gap(BIG[seed], x, y)
    assert gap <= 1e-6
    benchmark.extra_info.update(gap=gap)


SMALL = np.random.default_rng(7).uniform(-1.0, 1.0, (100_000, 3, 3))


@pytest.mark.parametrize("threads", [1, 2])
def test_100k_3x3_exact_equilibria(benchmark, threads):
    benchmark.group = "100,000 random 3x3 games, exact"
    r = benchmark.pedantic(eq.solve_matrix_games, args=(SMALL,), kwargs={"threads": threads}, rounds=5, iterations=1)
    assert r.gap.max() <= 1e-12
    benchmark.extra_info["games_per_second"] = len(SMALL) / benchmark.stats.stats.median


def test_100k_3x3_nashpy_lemke_howson(benchmark):
    nash = pytest.importorskip("nashpy")
    benchmark.group = "100,000 random 3x3 games, exact"
    subset = SMALL[:5000]  # nashpy at ~6,000 games/s: the per-game rate is what we compare

    def loop():
        for a in subset:
            nash.Game(a, -a).lemke_howson(initial_dropped_label=0)

    benchmark.pedantic(loop, rounds=1, iterations=1)
    benchmark.extra_info["games_per_second"] = len(subset) / benchmark.stats.stats.median
    benchmark.extra_info["note"] = "5,000 of the 100,000 games; scale time by 20 to compare"
