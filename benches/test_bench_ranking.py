"""Speed of EQUILIBRIUM-RANKING (the Consensus Game) against a plain numpy vectorised loop.

Run: python -m pytest benches/test_bench_ranking.py --benchmark-only --benchmark-group-by=group
The group holds equilibria (2 threads and 1 thread) and the numpy peer doing the same dynamics
(the issue's goal: 10,000 questions x 20 candidates x 5,000 iterations in under 2 s on 2 cores).
The numpy loop runs on the first 1,000 questions only (about 14 s per 1,000 on a 2-core AMD EPYC):
compare the ``questions_per_second`` figures in extra_info. The machines are shared: take the
minimum of several runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from equilibria.ranking import equilibrium_ranking

B, K, T = 10_000, 20, 5_000
RNG = np.random.default_rng(2024)
P_GEN = RNG.uniform(0.01, 1.0, (B, 2, K))
P_DISC = RNG.uniform(0.01, 1.0, (B, K, 2))
GROUP = f"equilibrium ranking, {B:,} questions x {K} candidates x {T:,} iterations"


def numpy_equilibrium_ranking(p_gen, p_disc, lam=0.1, eta=0.1, iterations=T):
    """The peer: the same piKL dynamics vectorised over the batch with numpy (float64)."""
    a_g = p_gen / p_gen.sum(axis=1, keepdims=True)
    a_g /= a_g.sum(axis=2, keepdims=True)
    a_d = p_disc / p_disc.sum(axis=1, keepdims=True)
    a_d /= a_d.sum(axis=2, keepdims=True)
    pull_g, pull_d = lam * np.log(a_g), lam * np.log(a_d)
    g, d = a_g.copy(), a_d.copy()
    sum_g, sum_d = np.zeros_like(g), np.zeros_like(d)
    for t in range(1, iterations + 1):
        sum_g += d.transpose(0, 2, 1)
        sum_d += g.transpose(0, 2, 1)
        scale = 1.0 / (1.0 / (eta * t) + lam)
        z_g = (sum_g / (2 * t) + pull_g) * scale
        z_d = (sum_d / (2 * t) + pull_d) * scale
        g = np.exp(z_g - z_g.max(axis=2, keepdims=True))
        g /= g.sum(axis=2, keepdims=True)
        d = np.exp(z_d - z_d.max(axis=2, keepdims=True))
        d /= d.sum(axis=2, keepdims=True)
    return g, d


@pytest.mark.parametrize("threads", [2, 1])
def test_equilibria(benchmark, threads: int) -> None:
    benchmark.group = GROUP
    rounds = 5 if threads == 2 else 1
    r = benchmark.pedantic(
        equilibrium_ranking, args=(P_GEN, P_DISC), kwargs={"threads": threads}, rounds=rounds, iterations=1
    )
    assert r.pi_gen.shape == (B, 2, K) and np.isfinite(r.residual).all()
    benchmark.extra_info["questions_per_second"] = B / benchmark.stats.stats.median
    benchmark.extra_info["max_residual"] = float(r.residual.max())


def test_numpy_vectorised_loop(benchmark) -> None:
    benchmark.group = GROUP
    subset = 1_000
    g, _ = benchmark.pedantic(numpy_equilibrium_ranking, args=(P_GEN[:subset], P_DISC[:subset]), rounds=1, iterations=1)
    ours = equilibrium_ranking(P_GEN[:subset], P_DISC[:subset])
    np.testing.assert_allclose(ours.pi_gen, g, rtol=0, atol=1e-11)
    benchmark.extra_info["questions_per_second"] = subset / benchmark.stats.stats.median
    benchmark.extra_info["note"] = f"{subset:,} of the {B:,} questions; scale the time by {B // subset} to compare"
