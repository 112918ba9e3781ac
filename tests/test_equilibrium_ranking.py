"""EQUILIBRIUM-RANKING (the Consensus Game, Jacob et al., ICLR 2024): golden toy, invariances,
a plain-numpy reference of the same dynamics, the certificate, and bad input."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from equilibria import InvalidInputError
from equilibria.ranking import RankingResult, equilibrium_ranking

P_GEN = np.array([[0.5, 0.3, 0.2], [0.4, 0.3, 0.3]])
P_DISC = np.array([[0.3, 0.7], [0.8, 0.2], [0.5, 0.5]])


# --- an independent plain-numpy implementation, written from the formulas -------------------


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _normalise(p: np.ndarray, axis: int) -> np.ndarray:
    total = p.sum(axis=axis, keepdims=True)
    return np.divide(p, total, out=np.zeros_like(p), where=total > 0)


def reference_anchors(p_gen: np.ndarray, p_disc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``π_G¹ ∝ p_gen / Σ_v p_gen`` over y and ``π_D¹ ∝ p_disc / Σ_y p_disc`` over v, batched."""
    return _normalise(_normalise(p_gen, 1), 2), _normalise(_normalise(p_disc, 1), 2)


def reference(p_gen, p_disc, lambda_g=0.1, lambda_d=0.1, eta_g=0.1, eta_d=0.1, iterations=5000):
    """piKL dynamics on ``(B, 2, K)`` / ``(B, K, 2)`` inputs, exactly as the formulas read:
    ``Q = (1/2t) Σ_{τ<=t} π^τ``, ``π^{t+1} ∝ exp[(Q + λ log π¹) / (1/(ηt) + λ)]``."""
    a_g, a_d = reference_anchors(np.asarray(p_gen, float), np.asarray(p_disc, float))
    with np.errstate(divide="ignore"):
        log_g, log_d = np.log(a_g), np.log(a_d)
    # A zero anchor entry stays at probability 0 (also for λ = 0).
    pull_g = np.where(a_g > 0, lambda_g * np.where(a_g > 0, log_g, 0.0), -np.inf)
    pull_d = np.where(a_d > 0, lambda_d * np.where(a_d > 0, log_d, 0.0), -np.inf)
    g, d = a_g.copy(), a_d.copy()
    sum_g, sum_d = np.zeros_like(g), np.zeros_like(d)
    for t in range(1, iterations + 1):
        sum_g += d.transpose(0, 2, 1)  # Σ π_D(v|y), the generator's utility, (B, 2, K)
        sum_d += g.transpose(0, 2, 1)  # Σ π_G(y|v), the discriminator's utility, (B, K, 2)
        q_g, q_d = sum_g / (2 * t), sum_d / (2 * t)
        g = _softmax((q_g + pull_g) / (1 / (eta_g * t) + lambda_g), axis=2)
        d = _softmax((q_d + pull_d) / (1 / (eta_d * t) + lambda_d), axis=2)
    return g, d, a_g, a_d


def reference_residual(g, d, a_g, a_d, lambda_g=0.1, lambda_d=0.1):
    """``‖π_G - softmax_y(log π_G¹ + π_D(v|·)/2λ_G)‖₁ + ‖π_D - softmax_v(log π_D¹ + π_G(·|v)/2λ_D)‖₁``."""
    with np.errstate(divide="ignore"):
        best_g = _softmax(np.log(a_g) + d.transpose(0, 2, 1) / (2 * lambda_g), axis=2)
        best_d = _softmax(np.log(a_d) + g.transpose(0, 2, 1) / (2 * lambda_d), axis=2)
    return np.abs(g - best_g).sum(axis=(1, 2)) + np.abs(d - best_d).sum(axis=(1, 2))


def random_questions(seed: int, b: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.01, 1.0, (b, 2, k)), rng.uniform(0.01, 1.0, (b, k, 2))


# --- golden values -----------------------------------------------------------------------------


def test_golden_toy():
    r = equilibrium_ranking(P_GEN, P_DISC)
    assert isinstance(r, RankingResult) and not r.batched
    np.testing.assert_allclose(
        r.anchor_gen, [[0.38168, 0.34351, 0.27481], [0.28777, 0.32374, 0.38849]], atol=5e-6
    )
    np.testing.assert_allclose(r.anchor_disc, [[0.27273, 0.72727], [0.77778, 0.22222], [0.46667, 0.53333]], atol=5e-6)
    np.testing.assert_allclose(r.score_gen, [0.012635, 0.971169, 0.016196], atol=5e-7)
    np.testing.assert_allclose(r.score_disc, [0.029416, 0.996173, 0.126760], atol=5e-7)
    assert r.ranking_gen.tolist() == [1, 2, 0]
    assert r.ranking_disc.tolist() == [1, 2, 0]
    assert r.residual == pytest.approx(0.134, abs=5e-4)
    np.testing.assert_array_equal(r.score_gen, r.pi_gen[0])
    np.testing.assert_array_equal(r.score_disc, r.pi_disc[:, 0])


def test_residual_decreases_with_iterations():
    residuals = [equilibrium_ranking(P_GEN, P_DISC, iterations=t).residual for t in (100, 1000, 5000, 20000)]
    np.testing.assert_allclose(residuals, [1.76, 0.463, 0.134, 0.079], atol=5e-3)
    assert residuals[1] > residuals[2] > residuals[3]
    assert residuals[2] < 0.2


def test_agrees_with_numpy_reference():
    p_gen, p_disc = random_questions(0, 12, 7)
    r = equilibrium_ranking(p_gen, p_disc)
    g, d, a_g, a_d = reference(p_gen, p_disc)
    np.testing.assert_allclose(r.anchor_gen, a_g, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r.anchor_disc, a_d, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r.pi_gen, g, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.pi_disc, d, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.residual, reference_residual(g, d, a_g, a_d), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(r.ranking_gen, np.argsort(-r.score_gen, axis=1, kind="stable"))
    np.testing.assert_array_equal(r.ranking_disc, np.argsort(-r.score_disc, axis=1, kind="stable"))


@pytest.mark.parametrize(
    "params",
    [
        dict(lambda_g=0.0, lambda_d=0.0, eta_g=0.05, eta_d=0.2),
        dict(lambda_g=1.0, lambda_d=0.02, eta_g=1.0, eta_d=0.3),
        dict(lambda_g=0.0, lambda_d=5.0, eta_g=2.0, eta_d=0.1),
    ],
)
def test_agrees_with_numpy_reference_for_other_parameters(params):
    p_gen, p_disc = random_questions(1, 6, 5)
    r = equilibrium_ranking(p_gen, p_disc, iterations=1500, **params)
    g, d, _, _ = reference(p_gen, p_disc, iterations=1500, **params)
    np.testing.assert_allclose(r.pi_gen, g, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.pi_disc, d, rtol=0, atol=1e-12)


def test_agrees_with_numpy_reference_on_extreme_inputs():
    """Scores spanning 15 orders of magnitude make early steps of the multiplicative update too
    large for its short polynomial (the full exp takes over, lane by lane)."""
    rng = np.random.default_rng(14)
    p_gen = 10.0 ** rng.uniform(-15, 0, (9, 2, 6))
    p_disc = 10.0 ** rng.uniform(-15, 0, (9, 6, 2))
    for params in (dict(), dict(lambda_g=3.0, lambda_d=3.0, eta_g=0.5, eta_d=0.5)):
        r = equilibrium_ranking(p_gen, p_disc, iterations=3000, **params)
        g, d, _, _ = reference(p_gen, p_disc, iterations=3000, **params)
        np.testing.assert_allclose(r.pi_gen, g, rtol=0, atol=1e-12)
        np.testing.assert_allclose(r.pi_disc, d, rtol=0, atol=1e-12)


def test_zero_anchor_entries_stay_zero():
    p_gen = np.array([[0.5, 0.0, 0.2, 0.3], [0.4, 0.0, 0.0, 0.6]])  # candidate 1 never generated
    p_disc = np.array([[0.3, 0.7], [0.8, 0.2], [0.0, 1.0], [0.5, 0.5]])
    for lam in (0.1, 0.0):
        r = equilibrium_ranking(p_gen, p_disc, lambda_g=lam, lambda_d=lam, iterations=2000)
        assert r.pi_gen[:, 1].tolist() == [0.0, 0.0]
        assert r.pi_gen[1, 2] == 0.0
        assert r.pi_disc[2, 0] == 0.0 and r.pi_disc[2, 1] == 1.0
        g, d, _, _ = reference(p_gen[None], p_disc[None], lambda_g=lam, lambda_d=lam, iterations=2000)
        np.testing.assert_allclose(r.pi_gen, g[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(r.pi_disc, d[0], rtol=0, atol=1e-12)
        assert np.isfinite(r.residual)


# --- invariances -------------------------------------------------------------------------------


def test_large_lambda_returns_the_anchors():
    p_gen, p_disc = random_questions(2, 4, 6)
    r = equilibrium_ranking(p_gen, p_disc, lambda_g=1e12, lambda_d=1e12)
    np.testing.assert_allclose(r.pi_gen, r.anchor_gen, rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.pi_disc, r.anchor_disc, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(r.ranking_gen, np.argsort(-r.anchor_gen[:, 0, :], axis=1, kind="stable"))


def test_zero_iterations_return_the_anchors():
    r = equilibrium_ranking(P_GEN, P_DISC, iterations=0)
    np.testing.assert_array_equal(r.pi_gen, r.anchor_gen)
    np.testing.assert_array_equal(r.pi_disc, r.anchor_disc)


def test_tiny_steps_without_regularization_stay_near_uniform():
    r = equilibrium_ranking(P_GEN, P_DISC, lambda_g=0.0, lambda_d=0.0, eta_g=1e-9, eta_d=1e-9)
    np.testing.assert_allclose(r.pi_gen, 1 / 3, atol=1e-6)
    np.testing.assert_allclose(r.pi_disc, 1 / 2, atol=1e-6)


def test_permuting_candidates_permutes_the_outputs():
    p_gen, p_disc = random_questions(3, 5, 9)
    perm = np.random.default_rng(4).permutation(9)
    r = equilibrium_ranking(p_gen, p_disc)
    s = equilibrium_ranking(p_gen[:, :, perm], p_disc[:, perm, :])
    np.testing.assert_allclose(s.pi_gen, r.pi_gen[:, :, perm], rtol=0, atol=1e-13)
    np.testing.assert_allclose(s.pi_disc, r.pi_disc[:, perm, :], rtol=0, atol=1e-13)
    np.testing.assert_allclose(s.residual, r.residual, rtol=1e-11)
    np.testing.assert_array_equal(perm[s.ranking_gen], r.ranking_gen)
    np.testing.assert_array_equal(perm[s.ranking_disc], r.ranking_disc)


def test_batch_equals_each_question_alone():
    p_gen, p_disc = random_questions(5, 11, 6)
    batch = equilibrium_ranking(p_gen, p_disc, iterations=3000)
    assert batch.batched and batch.pi_gen.shape == (11, 2, 6) and batch.residual.shape == (11,)
    for q in range(11):
        alone = equilibrium_ranking(p_gen[q], p_disc[q], iterations=3000)
        for name in ("pi_gen", "pi_disc", "score_gen", "score_disc", "ranking_gen", "ranking_disc"):
            np.testing.assert_array_equal(getattr(alone, name), getattr(batch, name)[q], err_msg=name)
        assert alone.residual == batch.residual[q]


def test_a_mask_equals_dropping_the_candidates():
    rng = np.random.default_rng(6)
    p_gen, p_disc = random_questions(6, 9, 8)
    mask = rng.uniform(size=(9, 8)) < 0.6
    mask[:, 0] = True
    mask[3] = False
    mask[3, 5] = True  # a question with a single candidate
    p_gen[:, :, ~mask.any(axis=0)] = np.nan  # masked-out entries are never read
    p_gen[~mask[:, None, :].repeat(2, axis=1)] = np.nan
    p_disc[~mask[:, :, None].repeat(2, axis=2)] = -1.0
    r = equilibrium_ranking(p_gen, p_disc, mask=mask, iterations=2000)
    for q in range(9):
        keep = np.flatnonzero(mask[q])
        alone = equilibrium_ranking(p_gen[q][:, keep], p_disc[q][keep], iterations=2000)
        np.testing.assert_array_equal(r.pi_gen[q][:, keep], alone.pi_gen)
        np.testing.assert_array_equal(r.pi_disc[q][keep], alone.pi_disc)
        np.testing.assert_array_equal(r.anchor_gen[q][:, keep], alone.anchor_gen)
        assert not r.pi_gen[q][:, ~mask[q]].any() and not r.pi_disc[q][~mask[q]].any()
        n = keep.size
        np.testing.assert_array_equal(r.ranking_gen[q][:n], keep[alone.ranking_gen])
        np.testing.assert_array_equal(r.ranking_disc[q][:n], keep[alone.ranking_disc])
        np.testing.assert_array_equal(r.ranking_gen[q][n:], np.flatnonzero(~mask[q]))
        assert r.residual[q] == alone.residual


def test_one_dimensional_mask_applies_to_every_question():
    p_gen, p_disc = random_questions(7, 3, 5)
    mask = np.array([True, False, True, True, False])
    a = equilibrium_ranking(p_gen, p_disc, mask=mask, iterations=500)
    b = equilibrium_ranking(p_gen, p_disc, mask=np.tile(mask, (3, 1)), iterations=500)
    np.testing.assert_array_equal(a.pi_gen, b.pi_gen)
    single = equilibrium_ranking(p_gen[0], p_disc[0], mask=mask, iterations=500)
    np.testing.assert_array_equal(single.pi_gen, a.pi_gen[0])


def test_one_and_two_threads_give_identical_bits():
    p_gen, p_disc = random_questions(8, 150, 13)
    one = equilibrium_ranking(p_gen, p_disc, iterations=1000, threads=1)
    two = equilibrium_ranking(p_gen, p_disc, iterations=1000, threads=2)
    default = equilibrium_ranking(p_gen, p_disc, iterations=1000)
    for r in (two, default):
        np.testing.assert_array_equal(one.pi_gen, r.pi_gen)
        np.testing.assert_array_equal(one.pi_disc, r.pi_disc)
        np.testing.assert_array_equal(one.residual, r.residual)
        np.testing.assert_array_equal(one.ranking_gen, r.ranking_gen)


def test_the_anchors_remove_popularity_and_yes_bias():
    """Normalising across the other variable first makes the answer invariant to a per-candidate
    factor in ``p_gen`` (how likely the answer is a priori) and to a per-label factor in
    ``p_disc`` (a bias towards saying "correct"), and to the scale of each question."""
    p_gen, p_disc = random_questions(9, 4, 6)
    rng = np.random.default_rng(10)
    r = equilibrium_ranking(p_gen, p_disc, iterations=1000)
    popularity = rng.uniform(0.1, 10.0, (4, 1, 6))
    yes_bias = rng.uniform(0.1, 10.0, (4, 1, 2))
    s = equilibrium_ranking(p_gen * popularity, p_disc * yes_bias, iterations=1000)
    np.testing.assert_allclose(s.anchor_gen, r.anchor_gen, rtol=0, atol=1e-15)
    np.testing.assert_allclose(s.anchor_disc, r.anchor_disc, rtol=0, atol=1e-15)
    np.testing.assert_allclose(s.pi_gen, r.pi_gen, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.pi_disc, r.pi_disc, rtol=0, atol=1e-12)


def test_ties_rank_the_lower_index_first():
    p_gen = np.array([[1.0, 1.0, 2.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    p_disc = np.ones((4, 2))
    r = equilibrium_ranking(p_gen, p_disc, iterations=100)
    assert r.ranking_gen.tolist() == [2, 0, 1, 3]
    assert r.score_disc[0] == r.score_disc[1] == r.score_disc[3]
    order = [y for y in r.ranking_disc.tolist() if y != 2]
    assert order == [0, 1, 3]


def test_integer_inputs_and_results_are_read_only():
    r = equilibrium_ranking(np.array([[5, 3, 2], [4, 3, 3]]), np.array([[3, 7], [8, 2], [5, 5]]))
    s = equilibrium_ranking(P_GEN, P_DISC)
    np.testing.assert_allclose(r.pi_gen, s.pi_gen, rtol=0, atol=1e-12)
    for name in ("pi_gen", "pi_disc", "score_gen", "score_disc", "ranking_gen", "ranking_disc", "anchor_gen"):
        arr = getattr(r, name)
        assert not arr.flags.writeable, name
    assert r.ranking_gen.dtype == np.int64
    assert "ranking_gen=[1, 2, 0]" in repr(r)
    assert "questions=2" in repr(equilibrium_ranking(np.stack([P_GEN] * 2), np.stack([P_DISC] * 2)))


# --- runtime: progress and cancellation -----------------------------------------------------


def test_progress_reports_question_iterations():
    calls = []
    p_gen, p_disc = random_questions(10, 3, 4)
    equilibrium_ranking(p_gen, p_disc, iterations=3000, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (9000, 9000)
    done = [d for d, _ in calls]
    assert done == sorted(done)


def test_a_failing_progress_callback_cancels_the_run():
    class Stop(Exception):
        pass

    def callback(done, total):
        raise Stop()

    p_gen, p_disc = random_questions(11, 2000, 20)
    start = time.perf_counter()
    with pytest.raises(Stop):
        equilibrium_ranking(p_gen, p_disc, iterations=1_000_000, progress=callback)
    assert time.perf_counter() - start < 2.0


def test_ctrl_c_interrupts_a_long_run():
    p_gen, p_disc = random_questions(12, 1, 50)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            equilibrium_ranking(p_gen, p_disc, iterations=10**9)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 0.3 + 0.7


# --- bad input ---------------------------------------------------------------------------------


def _with(array: np.ndarray, index, value) -> np.ndarray:
    out = array.astype(float)
    out[index] = value
    return out


@pytest.mark.parametrize(
    "args, kwargs, argument, fragment",
    [
        ((_with(P_GEN, (1, 2), np.nan), P_DISC), {}, "p_gen", "nan at index (1, 2)"),
        ((_with(P_GEN, (0, 1), -0.1), P_DISC), {}, "p_gen", "-0.1 at index (0, 1)"),
        ((P_GEN, _with(P_DISC, (2, 0), np.inf)), {}, "p_disc", "inf at index (2, 0)"),
        ((np.stack([P_GEN, _with(P_GEN, (0, 0), -1)]), np.stack([P_DISC] * 2)), {}, "p_gen", "index (1, 0, 0)"),
        ((P_GEN[0], P_DISC), {}, "p_gen", "shape (3,)"),
        ((P_GEN.T, P_DISC), {}, "p_gen", "shape (3, 2)"),
        ((np.zeros((2, 2, 2, 2)), P_DISC), {}, "p_gen", "shape (2, 2, 2, 2)"),
        ((np.zeros((2, 0)), np.zeros((0, 2))), {}, "p_gen", "at least one"),
        ((P_GEN, P_DISC.T), {}, "p_disc", "shape (2, 3)"),
        ((P_GEN, P_DISC[None]), {}, "p_disc", "shape (1, 3, 2)"),
        ((P_GEN, np.array([["a", "b"]] * 3)), {}, "p_disc", "dtype <U1"),
        ((P_GEN.astype(bool), P_DISC), {}, "p_gen", "dtype bool"),
        ((_with(P_GEN, (1, slice(None)), 0.0), P_DISC), {}, "p_gen", "row 1 all zero"),
        ((P_GEN, _with(P_DISC, (1, slice(None)), 0.0)), {}, "p_disc", "row 1 all zero"),
        ((P_GEN, P_DISC), {"mask": np.array([1, 0, 1])}, "mask", "boolean"),
        ((P_GEN, P_DISC), {"mask": np.ones((1, 3), bool)}, "mask", "shape (1, 3)"),
        ((P_GEN, P_DISC), {"mask": np.zeros(3, bool)}, "mask", "at least one real candidate"),
        ((P_GEN, P_DISC), {"mask": np.array([True, False, False])}, None, None),
        ((_with(P_GEN, (0, 0), 0.0), P_DISC), {"mask": np.array([True, False, False])}, "p_gen", "row 0 all zero"),
        ((P_GEN, P_DISC), {"lambda_g": -0.1}, "lambda_g", "-0.1"),
        ((P_GEN, P_DISC), {"lambda_d": float("inf")}, "lambda_d", "inf"),
        ((P_GEN, P_DISC), {"eta_g": 0.0}, "eta_g", "> 0"),
        ((P_GEN, P_DISC), {"eta_d": "fast"}, "eta_d", "'fast'"),
        ((P_GEN, P_DISC), {"iterations": -1}, "iterations", "-1"),
        ((P_GEN, P_DISC), {"iterations": 2.5}, "iterations", "2.5"),
        ((P_GEN, P_DISC), {"iterations": True}, "iterations", "True"),
        ((P_GEN, P_DISC), {"threads": 0}, "threads", "0"),
        ((P_GEN, P_DISC), {"progress": "yes"}, "progress", "'yes'"),
    ],
)
def test_bad_input_names_the_argument(args, kwargs, argument, fragment):
    kwargs = {"iterations": 10, **kwargs}
    if argument is None:
        equilibrium_ranking(*args, **kwargs)  # valid: one real candidate
        return
    with pytest.raises(InvalidInputError) as info:
        equilibrium_ranking(*args, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{argument}: expected"), message
    assert fragment in message, message


def test_batched_mask_errors_name_the_question():
    p_gen, p_disc = random_questions(13, 3, 4)
    mask = np.ones((3, 4), bool)
    mask[2] = False
    with pytest.raises(InvalidInputError, match=r"^mask: expected .* none in question 2"):
        equilibrium_ranking(p_gen, p_disc, mask=mask)
    p_disc[1, 3] = 0.0
    with pytest.raises(InvalidInputError, match=r"^p_disc: expected .* row 3 of question 1 all zero"):
        equilibrium_ranking(p_gen, p_disc)
