"""Matrix games with known equilibria: every method must find them."""

import numpy as np
import pytest

import equilibria as eq
from conftest import brute_gap

METHODS = ["prm+", "prm+alt", "rm+", "omwu", "exact", "lp"]

RPS = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])
# Row payoff [[2,-1],[-1,1]]: unique equilibrium x = y = (0.4, 0.6), value 0.2.
SKEWED = np.array([[2.0, -1.0], [-1.0, 1.0]])
# Skew-symmetric weighted RPS: value 0, both players play (0.4, 0.4, 0.2).
WEIGHTED_RPS = np.array([[0.0, -1.0, 2.0], [1.0, 0.0, -2.0], [-2.0, 2.0, 0.0]])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("polish", [True, False])
def test_rock_paper_scissors(method, polish):
    r = eq.solve_matrix_game(RPS, method=method, tol=1e-9, polish=polish)
    assert r.converged
    assert abs(r.value) <= 1e-9
    np.testing.assert_allclose(r.x, [1 / 3] * 3, atol=1e-6)
    np.testing.assert_allclose(r.y, [1 / 3] * 3, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_matching_pennies(method):
    r = eq.solve_matrix_game(PENNIES, method=method, tol=1e-9)
    assert r.gap <= 1e-9
    np.testing.assert_allclose(r.x, [0.5, 0.5], atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("polish", [True, False])
def test_skewed_two_by_two(method, polish):
    # Unpolished regret-matching averages can stall near 1e-5 on this game: ask for 1e-4.
    tol = 1e-8 if polish else 1e-4
    r = eq.solve_matrix_game(SKEWED, method=method, tol=tol, polish=polish)
    assert r.converged and r.gap <= tol
    assert abs(r.value - 0.2) <= tol
    np.testing.assert_allclose(r.x, [0.4, 0.6], atol=10 * tol)
    np.testing.assert_allclose(r.y, [0.4, 0.6], atol=10 * tol)


@pytest.mark.parametrize("method", METHODS)
def test_weighted_rps(method):
    r = eq.solve_matrix_game(WEIGHTED_RPS, method=method, tol=1e-8)
    assert r.gap <= 1e-8
    np.testing.assert_allclose(r.x, [0.4, 0.4, 0.2], atol=1e-5)
    np.testing.assert_allclose(r.y, [0.4, 0.4, 0.2], atol=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_pure_saddle_point(method):
    # Row 1 / column 2 is a saddle point with value 3 (max of row minima = min of column maxima).
    a = np.array([[1.0, 5.0, 2.0], [4.0, 6.0, 3.0], [0.0, 7.0, 1.0]])
    r = eq.solve_matrix_game(a, method=method, tol=1e-9)
    assert r.gap <= 1e-9
    assert abs(r.value - 3.0) <= 1e-9
    assert r.x[1] > 1 - 1e-6 and r.y[2] > 1 - 1e-6


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1)])
@pytest.mark.parametrize("method", METHODS)
def test_degenerate_shapes(shape, method, rng):
    a = rng.uniform(-1, 1, shape)
    r = eq.solve_matrix_game(a, method=method, tol=1e-9)
    expected = a.min() if shape[0] == 1 else a.max()
    assert abs(r.value - expected) <= 1e-9
    assert r.gap <= 1e-9


def test_gap_is_computed_from_the_answer():
    a = np.random.default_rng(3).uniform(-1, 1, (40, 30))
    for method in METHODS:
        r = eq.solve_matrix_game(a, method=method, tol=1e-4, polish=False)
        assert abs(r.gap - brute_gap(a, r.x, r.y)) <= 1e-12
        assert abs(r.value - r.x @ a @ r.y) <= 1e-12
        assert abs(r.gap - eq.duality_gap(a, r.x, r.y)) <= 1e-15


def test_duality_gap_closed_forms():
    assert eq.duality_gap(PENNIES, [0.5, 0.5], [0.5, 0.5]) == 0.0
    # Pure (row 0, col 0) in pennies: row gains 0 (already best), column gains 2.
    assert eq.duality_gap(PENNIES, [1, 0], [1, 0]) == pytest.approx(2.0)
    assert eq.duality_gap(SKEWED, [0.4, 0.6], [0.4, 0.6]) == pytest.approx(0.0, abs=1e-15)
