"""KL-regularized preference (NLHF) games: the closed-form duality gap against brute force, the
measured iteration counts of INPO / ONPO / MNPO, closed-form equilibria, invariances, bad input,
determinism and the runtime conventions."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from equilibria import InvalidInputError
from equilibria.preference import preference_gap, solve_preference_game, solve_preference_games

# --- instances and independent oracles (numpy only) -------------------------------------------


def note_instance(n: int = 50, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The instance of shared/notes/regularized-and-halpern.md §3.3: strict upper triangle of
    U(0,1), lower triangle 1 - P^T, diagonal 1/2; reference softmax(N(0,1))."""
    rng = np.random.default_rng(seed)
    m = rng.uniform(0.0, 1.0, (n, n))
    p = np.triu(m, 1)
    p = p + np.tril(1.0 - p.T, -1)
    np.fill_diagonal(p, 0.5)
    return p, softmax(rng.normal(0.0, 1.0, n))


def random_policy(k: int, rng: np.random.Generator) -> np.ndarray:
    return softmax(rng.normal(0.0, 1.5, k))


def objective(p: np.ndarray, pi1: np.ndarray, pi2: np.ndarray, ref: np.ndarray, tau: float) -> float:
    """J(pi1, pi2) = pi1^T P pi2 - tau KL(pi1||ref) + tau KL(pi2||ref), from its definition."""

    def kl(a: np.ndarray) -> float:
        return float(np.sum(a * (np.log(a) - np.log(ref))))

    return float(pi1 @ p @ pi2) - tau * kl(pi1) + tau * kl(pi2)


def brute_force_gap(p: np.ndarray, pi: np.ndarray, ref: np.ndarray, tau: float) -> float:
    """max_{pi1} J(pi1, pi) - min_{pi2} J(pi, pi2) with each player's logit best response
    (the maximizer of a linear term minus tau KL(.||ref)), evaluated through J itself."""
    best_max = softmax(np.log(ref) + p @ pi / tau)
    best_min = softmax(np.log(ref) - p.T @ pi / tau)
    return objective(p, best_max, pi, ref, tau) - objective(p, pi, best_min, ref, tau)


def literal_gap(p: np.ndarray, pi: np.ndarray, ref: np.ndarray, tau: float) -> float:
    """The issue's formula: 2 [tau logsumexp(log ref + P pi / tau) + tau KL(pi||ref)] - 1."""
    kl = float(np.sum(pi * (np.log(pi) - np.log(ref))))
    return 2.0 * (tau * logsumexp(np.log(ref) + p @ pi / tau) + tau * kl) - 1.0


def has_cycle(p: np.ndarray) -> bool:
    """Whether the majority relation P > 1/2 has a 3-cycle (the preferences are not transitive)."""
    beats = p > 0.5
    return bool(np.any((beats.astype(int) @ beats.astype(int) @ beats.astype(int)).diagonal() > 0))


# --- the certificate --------------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_gap_equals_brute_force(tau, seed):
    rng = np.random.default_rng(seed)
    k = 8
    p, _ = note_instance(k, seed)
    ref = random_policy(k, rng)
    for _ in range(5):
        pi = random_policy(k, rng)
        gap = preference_gap(p, pi, ref, tau)
        assert gap > 0
        assert abs(gap - brute_force_gap(p, pi, ref, tau)) <= 1e-12
        assert abs(gap - literal_gap(p, pi, ref, tau)) <= 1e-12


def test_best_responses_of_the_brute_force_are_optimal():
    # The brute force above trusts the logit best response; check it against a numerical
    # maximisation of J(., pi) over the simplex (softmax parametrisation).
    rng = np.random.default_rng(5)
    k, tau = 6, 0.2
    p, _ = note_instance(k, 5)
    ref, pi = random_policy(k, rng), random_policy(k, rng)

    def negative(theta: np.ndarray) -> float:
        return -objective(p, softmax(theta), pi, ref, tau)

    starts = [rng.normal(size=k) for _ in range(3)]
    best = max(-minimize(negative, x0, method="BFGS", options={"gtol": 1e-12}).fun for x0 in starts)
    closed = objective(p, softmax(np.log(ref) + p @ pi / tau), pi, ref, tau)
    assert closed >= best - 1e-12
    assert abs(closed - best) <= 1e-9
    for _ in range(200):
        assert objective(p, random_policy(k, rng), pi, ref, tau) <= closed + 1e-15


def test_gap_is_zero_at_the_fixed_point_and_keeps_relative_accuracy():
    p, ref = note_instance(20, 3)
    r = solve_preference_game(p, ref, tau=0.1, tol=1e-24)
    assert r.converged and 0.0 <= r.gap <= 1e-24
    # gap = 2 tau KL(pi || b(pi)), so Pinsker bounds the fixed-point residual by sqrt(gap / tau).
    residual = np.abs(r.policy - softmax(np.log(ref) + p @ r.policy / 0.1)).sum()
    assert residual <= math.sqrt(r.gap / 0.1) + 1e-15
    assert residual <= 1e-11
    # The literal formula cannot resolve gaps below round-off; the certificate can.
    assert abs(literal_gap(p, r.policy, ref, 0.1)) <= 1e-14
    assert r.gap == pytest.approx(preference_gap(p, r.policy, ref, 0.1), rel=1e-6, abs=1e-20)


def test_solver_gap_is_the_gap_of_the_returned_policy():
    p, ref = note_instance()
    for method, n in [("inpo", 2), ("onpo", 2), ("mnpo", 3)]:
        r = solve_preference_game(p, ref, method=method, n_players=n, tol=1e-6)
        assert r.gap == pytest.approx(preference_gap(p, r.policy, ref, 0.1), rel=1e-9)
        assert r.gap == pytest.approx(brute_force_gap(p, r.policy, ref, 0.1), abs=1e-12)
        assert r.trace[-1, 0] == r.iterations and r.trace[-1, 1] == r.gap
        assert r.trace[0, 0] == 0 and r.trace[0, 1] == pytest.approx(preference_gap(p, ref, ref, 0.1))


# --- measured iteration counts (shared/notes/regularized-and-halpern.md §3.3) -----------------

# (tau, eta) -> iterations to gap <= 1e-8 for INPO, ONPO, MNPO (3 players); None = does not
# converge within 20,000 iterations. equilibria reproduces every count exactly.
TABLE = {
    (0.1, 0.1): (761, 757, 1141),
    (0.1, 1.0): (75, 71, 112),
    (0.1, 5.0): (20, 18, 28),
    (0.01, 0.1): (9668, 8757, 14411),
    (0.01, 1.0): (2243, 750, 2879),
    (0.01, 5.0): (None, 131, None),
}
METHODS = [("inpo", 2), ("onpo", 2), ("mnpo", 3)]


@pytest.mark.parametrize("tau, eta", list(TABLE))
@pytest.mark.parametrize("column", range(3))
def test_measured_iteration_counts(tau, eta, column):
    p, ref = note_instance()
    method, n = METHODS[column]
    expected = TABLE[(tau, eta)][column]
    r = solve_preference_game(
        p, ref, tau=tau, method=method, eta=eta, n_players=n, tol=1e-8, max_iters=20_000
    )
    if expected is None:
        assert not r.converged
    else:
        assert r.converged and r.gap <= 1e-8
        assert r.iterations <= math.ceil(1.2 * expected)
        assert r.iterations == expected  # measured: exact agreement with the note's table


def test_all_methods_reach_1e_8_on_a_non_transitive_50x50_game():
    p, ref = note_instance()
    assert has_cycle(p)
    policies = []
    for method, n in METHODS:
        r = solve_preference_game(p, ref, tau=0.1, method=method, eta=1.0, n_players=n, tol=1e-8)
        assert r.converged and r.gap <= 1e-8, (method, r)
        policies.append(r.policy)
    assert solve_preference_game(p, ref, tau=0.1, method="inpo").iterations == 75
    # One equilibrium; KL(pi*||pi) <= gap / tau bounds the distance of each answer to it.
    for other in policies[1:]:
        np.testing.assert_allclose(other, policies[0], atol=1e-4)


def test_optimism_converges_where_inpo_and_mnpo_cycle():
    # Regression test of ONPO's optimism: tau = 0.01, eta = 5.
    p, ref = note_instance()
    onpo = solve_preference_game(p, ref, tau=0.01, method="onpo", eta=5.0, max_iters=5000)
    assert onpo.converged and onpo.iterations <= math.ceil(1.2 * 131)
    for method, n in [("inpo", 2), ("mnpo", 3)]:
        r = solve_preference_game(p, ref, tau=0.01, method=method, eta=5.0, n_players=n, max_iters=5000)
        assert not r.converged
        assert r.trace[1000:, 1].min() > 1e-2, method  # cycles far from the equilibrium


# --- closed-form equilibria and invariances ---------------------------------------------------


@pytest.mark.parametrize("tau", [0.05, 0.1, 0.5])
def test_a_condorcet_winner_gets_the_closed_form_concentrated_policy(tau):
    # Response 0 beats every other response surely; the others tie among themselves. Then
    # (P pi)_0 - (P pi)_i = 1/2 for every pi, so pi*_0 / pi*_i = (ref_0 / ref_i) e^{1/(2 tau)}.
    k = 6
    p = np.full((k, k), 0.5)
    p[0, 1:], p[1:, 0] = 1.0, 0.0
    ref = softmax(np.random.default_rng(0).normal(size=k))
    w = ref * np.r_[math.exp(0.5 / tau), np.ones(k - 1)]
    expected = w / w.sum()
    for method, n in METHODS:
        r = solve_preference_game(p, ref, tau=tau, method=method, n_players=n, tol=1e-26)
        assert r.converged
        np.testing.assert_allclose(r.policy, expected, rtol=1e-10, atol=1e-14)
    uniform = solve_preference_game(p, tau=0.1, tol=1e-26).policy
    assert uniform[0] == pytest.approx(math.exp(5) / (math.exp(5) + k - 1), rel=1e-10)
    assert uniform[0] > 0.96


def test_bradley_terry_preferences_rank_like_the_rewards():
    rng = np.random.default_rng(4)
    r_ = rng.normal(size=12)
    p = 1.0 / (1.0 + np.exp(-(r_[:, None] - r_[None, :])))
    res = solve_preference_game(p, tau=0.05, tol=1e-12)
    assert res.converged
    np.testing.assert_array_equal(np.argsort(res.policy), np.argsort(r_))
    assert int(np.argmax(res.policy)) == int(np.argmax(r_))


def test_ties_and_cycles_keep_the_reference():
    ref = softmax(np.random.default_rng(1).normal(size=5))
    tied = solve_preference_game(np.full((5, 5), 0.5), ref)
    assert tied.iterations == 0 and tied.gap <= 1e-15
    np.testing.assert_allclose(tied.policy, ref, rtol=1e-14)
    rps = 0.5 + 0.4 * np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    for tau in (0.01, 0.3, 3.0):
        r = solve_preference_game(rps, tau=tau)
        assert r.iterations == 0 and abs(r.gap) <= 1e-15
        np.testing.assert_allclose(r.policy, [1 / 3] * 3, rtol=1e-14)


def test_permuting_responses_permutes_the_policy():
    p, ref = note_instance(30, 7)
    perm = np.random.default_rng(7).permutation(30)
    for method, n in METHODS:
        a = solve_preference_game(p, ref, method=method, n_players=n, tol=1e-13)
        b = solve_preference_game(p[np.ix_(perm, perm)], ref[perm], method=method, n_players=n, tol=1e-13)
        np.testing.assert_allclose(b.policy, a.policy[perm], rtol=1e-9, atol=1e-15)


def test_large_temperature_returns_the_reference():
    p, ref = note_instance(10, 2)
    r = solve_preference_game(p, ref, tau=1e4, eta=1e-4, tol=1e-14)
    np.testing.assert_allclose(r.policy, ref, rtol=1e-3)


def test_reference_scale_and_projection():
    p, ref = note_instance(8, 3)
    a = solve_preference_game(p, ref)
    # A reference summing to 1 within 1e-6 is normalized; a P within 1e-6 of P + P^T = 1 is
    # projected: both give (almost) the same answer.
    b = solve_preference_game(p + 4e-7 * np.triu(np.ones_like(p), 1), ref * (1 + 5e-7))
    np.testing.assert_allclose(b.policy, a.policy, atol=1e-6)


# --- batches and determinism ------------------------------------------------------------------


def batch_instance(b: int = 12, k: int = 9) -> tuple[np.ndarray, np.ndarray]:
    games = [note_instance(k, seed) for seed in range(b)]
    return np.stack([g[0] for g in games]), np.stack([g[1] for g in games])


@pytest.mark.parametrize("method, n", METHODS)
def test_batch_equals_single_games(method, n):
    p, refs = batch_instance()
    batch = solve_preference_games(p, refs, method=method, n_players=n)
    assert batch.policy.shape == (12, 9) and len(batch) == 12
    for i in range(12):
        single = solve_preference_game(p[i], refs[i], method=method, n_players=n)
        assert np.array_equal(single.policy, batch.policy[i])
        assert single.gap == batch.gap[i] and single.iterations == batch.iterations[i]
    assert batch.converged.all()
    shared = solve_preference_games(p, refs[0], method=method, n_players=n)
    alone = solve_preference_game(p[3], refs[0], method=method, n_players=n)
    assert np.array_equal(shared.policy[3], alone.policy)
    uniform = solve_preference_games(p, method=method, n_players=n)
    assert np.array_equal(uniform.policy[5], solve_preference_game(p[5], method=method, n_players=n).policy)


def test_one_and_two_threads_give_identical_bits():
    p, refs = batch_instance(40, 12)
    one = solve_preference_games(p, refs, tau=0.05, threads=1)
    two = solve_preference_games(p, refs, tau=0.05, threads=2)
    for field in ("policy", "gap", "iterations", "converged"):
        assert np.array_equal(getattr(one, field), getattr(two, field)), field
    # A single game large enough to split its product over threads.
    big, ref = note_instance(400, 9)
    a = solve_preference_game(big, ref, tau=0.05, threads=1, tol=1e-10)
    b = solve_preference_game(big, ref, tau=0.05, threads=2, tol=1e-10)
    assert np.array_equal(a.policy, b.policy) and np.array_equal(a.trace, b.trace)


# --- bad input ------------------------------------------------------------------------------


def _good() -> np.ndarray:
    return note_instance(4, 0)[0]


def _with(p: np.ndarray, i: int, j: int, v: float) -> np.ndarray:
    q = p.copy()
    q[i, j] = v
    return q


@pytest.mark.parametrize(
    "p, fragment",
    [
        (_with(_good(), 0, 1, _good()[0, 1] + 0.01), "P + P^T = 1"),
        (_with(_good(), 2, 2, 0.4), "diagonal entries 1/2"),
        (_with(_good(), 0, 1, np.nan), "finite entries"),
        (_with(_good(), 1, 3, np.inf), "finite entries"),
        (np.where(np.eye(4) > 0, 0.5, 2.0), "probabilities in [0, 1]"),
        (np.array([[0.5, 1.5], [-0.5, 0.5]]), "probabilities in [0, 1]"),
        (np.full((3, 4), 0.5), "square"),
        (np.full(4, 0.5), "2-D array"),
        (np.full((2, 4, 4), 0.5), "2-D array"),
        (np.zeros((0, 0)), "non-empty"),
        (np.array([["a"]]), "dtype"),
    ],
)
def test_bad_preference_matrix(p, fragment):
    with pytest.raises(InvalidInputError) as info:
        solve_preference_game(p)
    message = str(info.value)
    assert message.startswith("P: expected"), message
    assert fragment in message, message
    if p.ndim == 2 and p.shape[0] == p.shape[1] and p.size:
        with pytest.raises(InvalidInputError, match="^P:"):
            preference_gap(p, np.full(p.shape[0], 1 / p.shape[0]))


@pytest.mark.parametrize(
    "reference, fragment",
    [
        ([0.5, 0.5, 0.0, 0.0], "positive"),
        ([0.6, 0.6, -0.1, -0.1], "positive"),
        ([0.25, 0.25, 0.25, 0.3], "summing to 1"),
        ([0.25, 0.25, 0.5], "length 4"),
        ([0.25, 0.25, np.nan, 0.5], "finite"),
        ([[0.25] * 4], "1-D array"),
    ],
)
def test_bad_reference(reference, fragment):
    with pytest.raises(InvalidInputError) as info:
        solve_preference_game(_good(), reference)
    message = str(info.value)
    assert message.startswith("reference: expected"), message
    assert fragment in message, message


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"method": "nash-md"}, "method"),
        ({"method": None}, "method"),
        ({"tau": 0.0}, "tau"),
        ({"tau": -1.0}, "tau"),
        ({"tau": float("nan")}, "tau"),
        ({"eta": 0.0}, "eta"),
        ({"eta": float("inf")}, "eta"),
        ({"method": "onpo", "n_players": 3}, "n_players"),
        ({"method": "inpo", "n_players": 3}, "n_players"),
        ({"method": "mnpo", "n_players": 1}, "n_players"),
        ({"method": "mnpo", "n_players": 2.5}, "n_players"),
        ({"tol": -1e-3}, "tol"),
        ({"max_iters": 0}, "max_iters"),
        ({"threads": 0}, "threads"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_settings(kwargs, argument):
    with pytest.raises(InvalidInputError) as info:
        solve_preference_game(_good(), **kwargs)
    assert str(info.value).startswith(f"{argument}: expected"), str(info.value)


def test_bad_batches_name_the_game():
    p, refs = batch_instance(6, 4)
    bad = p.copy()
    bad[4, 0, 1] += 0.1
    with pytest.raises(InvalidInputError, match=r"^P\[4\]: expected P \+ P\^T = 1"):
        solve_preference_games(bad)
    bad_refs = refs.copy()
    bad_refs[2, 1] = 0.0
    with pytest.raises(InvalidInputError, match=r"^reference\[2\]: expected positive"):
        solve_preference_games(p, bad_refs)
    with pytest.raises(InvalidInputError, match="^reference: expected shape"):
        solve_preference_games(p, refs[:3])
    with pytest.raises(InvalidInputError, match="^P: expected a 3-D array"):
        solve_preference_games(p[0])


def test_bad_policy_for_the_gap():
    with pytest.raises(InvalidInputError, match="^policy: expected non-negative"):
        preference_gap(_good(), [0.5, 0.6, -0.1, 0.0])
    with pytest.raises(InvalidInputError, match="^policy: expected probabilities summing to 1"):
        preference_gap(_good(), [0.5, 0.5, 0.5, 0.0])
    with pytest.raises(InvalidInputError, match="^policy: expected a vector of length 4"):
        preference_gap(_good(), [0.5, 0.5])
    # Zero entries are allowed in a policy (the gap is then finite).
    assert np.isfinite(preference_gap(_good(), [1.0, 0.0, 0.0, 0.0]))


# --- runtime conventions ----------------------------------------------------------------------


def test_result_is_frozen_and_readable():
    p, ref = note_instance(10, 1)
    r = solve_preference_game(p, ref)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.gap = 0.0  # type: ignore[misc]
    for array in (r.policy, r.trace):
        with pytest.raises(ValueError):
            array[0] = 1.0
    assert r.trace.shape == (r.iterations + 1, 2)
    assert "PreferenceGameResult(method='onpo'" in repr(r)
    b = solve_preference_games(p[None], ref)
    assert "games=1" in repr(b)
    with pytest.raises(ValueError):
        b.policy[0, 0] = 1.0


def test_progress_callback_reports_iterations():
    calls = []
    big, ref = note_instance(300, 4)
    r = solve_preference_game(big, ref, tol=0.0, max_iters=5_000, method="inpo", tau=0.01, eta=5.0,
                              progress=lambda d, t: calls.append((d, t)))
    assert calls and all(t == 5_000 for _, t in calls)
    assert calls[-1][0] == r.iterations == 5_000


def test_progress_callback_exception_stops_the_solve():
    class Stop(Exception):
        pass

    def callback(done, total):
        raise Stop()

    big, ref = note_instance(400, 5)
    start = time.perf_counter()
    with pytest.raises(Stop):
        # tol=0 on a cycling run: about a minute if the core did not check its Control.
        solve_preference_game(big, ref, tau=0.01, eta=5.0, method="inpo", tol=0.0, max_iters=10_000_000,
                              progress=callback)
    assert time.perf_counter() - start < 1.0
