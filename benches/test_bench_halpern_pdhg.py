"""Time to duality gap 1e-6 on large random games: r2HPDHG against PRM+ and HiGHS.

Run (one run, all groups; compare ratios within it):
    python -m pytest benches/test_bench_halpern_pdhg.py --benchmark-only \
        --benchmark-group-by=group --benchmark-columns=min,rounds

Games: ``numpy.random.default_rng(0).uniform(-1, 1, (n, n))`` for n = 1000 and 3000, the row
player maximising ``x^T A y``. Each group holds every solver on the same game. HiGHS runs in a
child process with a 300 s wall-clock limit, so a timeout is recorded instead of stalling the run.
"""

from __future__ import annotations

import multiprocessing as mp
import time

import numpy as np
import pytest

import equilibria as eq
from equilibria._lp import solve_zero_sum_lp

SIZES = [1000, 3000]
TOL = 1e-6
HIGHS_LIMIT_S = 300.0
_GAMES: dict[int, np.ndarray] = {}


def game(n: int) -> np.ndarray:
    if n not in _GAMES:
        _GAMES[n] = np.random.default_rng(0).uniform(-1.0, 1.0, (n, n))
    return _GAMES[n]


def _group(n: int) -> str:
    return f"{n}x{n} U[-1,1] seed 0, gap <= 1e-6"


# r2HPDHG and PRM+, each with and without the support polish (the polish solves a restricted game
# once its simplex work is affordable next to the iterations so far: at iteration 160 on
# 1000x1000, 320 on 3000x3000).
CASES = [("r2hpdhg", False), ("r2hpdhg", True), ("prm+", False), ("prm+", True)]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("method", "polish"), CASES, ids=[f"{m}-{'polish' if p else 'plain'}" for m, p in CASES])
def test_first_order(benchmark, n, method, polish):
    benchmark.group = _group(n)
    a = game(n)
    kwargs = {"method": method, "tol": TOL, "polish": polish, "max_iters": 50_000}
    r = benchmark.pedantic(eq.solve_matrix_game, args=(a,), kwargs=kwargs, rounds=1, iterations=1)
    assert r.gap <= TOL, r
    benchmark.extra_info.update(gap=r.gap, iterations=r.iterations, polished=r.polished)


def _highs_child(a: np.ndarray, queue: mp.Queue) -> None:
    x, y, _ = solve_zero_sum_lp(a)
    queue.put((x, y))


def _highs_with_limit(a: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """HiGHS in a child process (fork: the matrix is shared, not pickled); None on timeout."""
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    child = ctx.Process(target=_highs_child, args=(a, queue))
    child.start()
    deadline = time.monotonic() + HIGHS_LIMIT_S
    result = None
    while time.monotonic() < deadline:
        try:
            result = queue.get(timeout=1.0)
            break
        except Exception:  # queue.Empty: not done yet
            if not child.is_alive() and queue.empty():
                break
    if result is None and child.is_alive():
        child.terminate()
    child.join()
    return result


@pytest.mark.parametrize("n", SIZES)
def test_highs_lp(benchmark, n):
    benchmark.group = _group(n)
    a = game(n)
    out = benchmark.pedantic(_highs_with_limit, args=(a,), rounds=1, iterations=1)
    if out is None:  # the time shown is the limit; extra_info says it timed out
        benchmark.extra_info["timeout_s"] = HIGHS_LIMIT_S
        return
    gap = eq.duality_gap(a, *out)
    assert gap <= TOL
    benchmark.extra_info["gap"] = gap
