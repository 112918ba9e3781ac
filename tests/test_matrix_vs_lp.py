"""Random games against an outside LP (scipy) and, when installed, nashpy."""

import numpy as np
import pytest

import equilibria as eq
from conftest import brute_gap, lp_value, uniform_game

SHAPES = [(2, 7), (10, 10), (30, 20), (50, 50), (80, 120), (150, 100)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("method", ["prm+", "prm+alt", "rm+"])
def test_unpolished_regret_matching_matches_lp(shape, method):
    # Without the polish, regret-matching averages converge slowly near the end (often ~1/T or
    # worse on small games), so ask for 1e-4; with the polish (default) see the test below.
    a = uniform_game(*shape, seed=sum(shape))
    v = lp_value(a)
    r = eq.solve_matrix_game(a, method=method, tol=1e-4, polish=False, max_iters=200_000)
    assert r.converged, r
    assert r.gap <= 1e-4
    assert abs(r.value - v) <= 1e-4
    assert not r.polished


@pytest.mark.parametrize("shape", SHAPES)
def test_unpolished_omwu_last_iterate_improves(shape):
    # OMWU's last iterate converges linearly but with a game-dependent rate that can be very
    # slow; check that it makes progress and that its certificate brackets the LP value.
    a = uniform_game(*shape, seed=sum(shape))
    v = lp_value(a)
    r = eq.solve_matrix_game(a, method="omwu", tol=0.0, polish=False, max_iters=20_000)
    assert r.gap < r.trace[0, 1] / 4
    assert abs(r.value - v) <= r.gap


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("method", ["omwu", "prm+alt"])
def test_default_first_order_methods_match_lp(shape, method):
    a = uniform_game(*shape, seed=sum(shape))
    r = eq.solve_matrix_game(a, method=method, tol=1e-6)
    assert r.converged and r.gap <= 1e-6
    assert abs(r.value - lp_value(a)) <= 1e-6


@pytest.mark.parametrize("shape", SHAPES + [(300, 300)])
@pytest.mark.parametrize("method", ["prm+", "rm+"])
def test_polished_answers_match_lp(shape, method):
    a = uniform_game(*shape, seed=7 + shape[0])
    v = lp_value(a)
    r = eq.solve_matrix_game(a, method=method, tol=1e-9)
    assert r.gap <= 1e-9
    assert abs(r.value - v) <= 1e-9
    assert abs(r.gap - brute_gap(a, r.x, r.y)) <= 1e-12


def test_polish_applies_to_supports_above_750():
    # A perturbed identity has a near-full support (890 of 900 actions here): the polish's old
    # fixed cap of 750 actions per player never let it run, and PRM+ alone crawls on such games
    # (with 0.05 noise: gap 1.6e-9 after 200,000 iterations, 54 s). The work-budget rule
    # attempts it at iteration 640 and the answer is exact; the gap is recomputed over the
    # whole game from the strategies.
    n = 900
    a = np.eye(n) + 0.02 * np.random.default_rng(3).uniform(-1, 1, (n, n))
    r = eq.solve_matrix_game(a, tol=1e-9)
    assert r.polished and r.iterations <= 1280
    assert r.gap <= 1e-12 and abs(r.gap - brute_gap(a, r.x, r.y)) <= 1e-13
    assert (r.x > 1e-12).sum() > 750 and (r.y > 1e-12).sum() > 750


@pytest.mark.parametrize("shape", SHAPES + [(300, 200)])
@pytest.mark.parametrize("method", ["exact", "lp"])
def test_exact_methods_match_lp(shape, method):
    a = uniform_game(*shape, seed=100 + shape[1])
    r = eq.solve_matrix_game(a, method=method)
    assert r.gap <= 1e-9
    assert abs(r.value - lp_value(a)) <= 1e-9


def test_scale_and_shift_covariance():
    a = uniform_game(25, 35, seed=5)
    base = eq.solve_matrix_game(a, method="exact")
    scaled = eq.solve_matrix_game(1e6 * a + 3e6, method="exact")
    assert abs(scaled.value - (1e6 * base.value + 3e6)) <= 1e-3
    assert scaled.gap <= 1e-12 * 4e6
    tiny = eq.solve_matrix_game(1e-8 * a, method="prm+", tol=1e-15)
    assert abs(tiny.value - 1e-8 * base.value) <= 1e-15


def test_batch_exact_matches_lp():
    rng = np.random.default_rng(11)
    for shape in [(3, 3), (4, 6), (7, 2)]:
        a = rng.uniform(-1, 1, (40,) + shape)
        r = eq.solve_matrix_games(a)
        assert r.x.shape == (40, shape[0]) and r.y.shape == (40, shape[1])
        assert r.gap.max() <= 1e-12
        assert r.converged.all()
        for b in range(40):
            assert abs(r.value[b] - lp_value(a[b])) <= 1e-9
            assert abs(r.gap[b] - brute_gap(a[b], r.x[b], r.y[b])) <= 1e-14


@pytest.mark.parametrize("method", ["prm+", "rm+", "omwu"])
def test_batch_first_order(method):
    a = np.random.default_rng(2).uniform(-1, 1, (20, 5, 4))
    r = eq.solve_matrix_games(a, method=method, tol=1e-7)
    assert r.converged.all() and r.gap.max() <= 1e-7
    for b in range(20):
        assert abs(r.value[b] - lp_value(a[b])) <= 1e-7


def test_batch_degenerate_games_get_certified_equilibria():
    rng = np.random.default_rng(4)
    # Payoffs in {-1, 0, 1}: many ties, duplicated rows/columns, multiple equilibria.
    a = rng.integers(-1, 2, (500, 4, 4)).astype(float)
    a[:50] = 0.0
    a[50:100, :, 1] = a[50:100, :, 0]
    r = eq.solve_matrix_games(a)
    assert r.gap.max() <= 1e-12
    for b in range(0, 500, 25):
        assert abs(r.value[b] - lp_value(a[b])) <= 1e-9
    assert np.allclose(r.x.sum(axis=1), 1) and (r.x >= 0).all()
    assert np.allclose(r.y.sum(axis=1), 1) and (r.y >= 0).all()


def test_nashpy_agrees_on_small_games():
    nash = pytest.importorskip("nashpy")
    rng = np.random.default_rng(8)
    for _ in range(20):
        a = rng.uniform(-1, 1, (3, 4))
        ours = eq.solve_matrix_game(a, method="exact")
        # A non-degenerate random zero-sum game has a unique equilibrium: Lemke-Howson finds it.
        x, y = nash.Game(a, -a).lemke_howson(initial_dropped_label=0)
        np.testing.assert_allclose(ours.x, x, atol=1e-9)
        np.testing.assert_allclose(ours.y, y, atol=1e-9)
        assert abs(ours.value - x @ a @ y) <= 1e-9
