"""Shared oracles for the test suite: everything here is independent of equilibria's solvers."""

from __future__ import annotations

import numpy as np
import pytest


def lp_value(a: np.ndarray) -> float:
    """Value of the zero-sum game ``a`` (row maximizes) from scipy's LP solver.

    Formulated independently of equilibria's own HiGHS wrapper: the column player's problem
    ``min v s.t. a y <= v 1, 1^T y = 1, y >= 0``.
    """
    from scipy.optimize import linprog

    m, n = a.shape
    c = np.r_[np.zeros(n), 1.0]
    a_ub = np.c_[a, -np.ones(m)]
    a_eq = np.r_[np.ones(n), 0.0][None]
    bounds = [(0, None)] * n + [(None, None)]
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(m), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def brute_gap(a: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Duality gap computed with numpy (cross-checks equilibria's own gap)."""
    return float((a @ y).max() - (x @ a).min())


def uniform_game(m: int, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (m, n))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
