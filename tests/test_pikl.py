"""piKL-Hedge on n-player normal-form games: the regularized equilibrium of zero-sum games (from
MMD), anchors, Hedge, three-player games checked with numpy, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import equilibria as eq


def test_two_player_zero_sum_approaches_the_kl_regularized_equilibrium() -> None:
    a = eq.random_matrix_game(5, 6, seed=3)
    rng = np.random.default_rng(0)
    anchors = [rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(6))]
    target = eq.solve_qre(a, 0.2, reference=anchors, tol=1e-15)
    errors = []
    for t in (1_000, 10_000, 100_000):
        r = eq.pikl_hedge(np.stack([a, -a]), anchors=anchors, lam=0.2, eta=1.0, iterations=t)
        errors.append(np.abs(r.policies[0] - target.x).sum() + np.abs(r.policies[1] - target.y).sum())
        assert r.residuals.max() < 20 / t
    # The last iterate's error falls like 1/T.
    assert errors[2] < errors[1] / 5 < errors[0] / 25 and errors[2] < 1e-4


def test_strong_anchors_are_kept_and_hedge_finds_a_dominant_action() -> None:
    rng = np.random.default_rng(1)
    pay = rng.uniform(-1, 1, (2, 3, 4))
    anchors = [rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(4))]
    r = eq.pikl_hedge(pay, anchors=anchors, lam=1e6, eta=1.0, iterations=200)
    for p, tau in zip(r.policies, anchors):
        np.testing.assert_allclose(p, tau, atol=1e-5)
    # Player 0's action 2 strictly dominates: Hedge (lam = 0) concentrates on it.
    pay[0, 2, :] = pay[0].max() + 1
    r = eq.pikl_hedge(pay, lam=0.0, eta=0.5, iterations=2000)
    assert r.policies[0][2] > 0.999 and r.residuals[0] == 0.0


def test_three_player_deviation_payoffs_and_fixed_point() -> None:
    rng = np.random.default_rng(2)
    pay = rng.uniform(0, 1, (3, 2, 3, 2))
    r = eq.pikl_hedge(pay, lam=[0.3, 0.5, 1.0], eta=2.0, iterations=20_000)
    # Independent check of the certificate: logit fixed point against average utilities.
    for i, (p, q, lam) in enumerate(zip(r.policies, r.average_utilities, [0.3, 0.5, 1.0])):
        target = np.exp(q / lam - (q / lam).max())
        target /= target.sum()
        assert np.abs(p - target).sum() == pytest.approx(r.residuals[i], abs=1e-12)
        assert r.residuals[i] < 1e-3
    # NashConv of the last iterate, with numpy's einsum.
    x, y, z = r.policies
    dev = [
        np.einsum("abc,b,c->a", pay[0], y, z),
        np.einsum("abc,a,c->b", pay[1], x, z),
        np.einsum("abc,a,b->c", pay[2], x, y),
    ]
    nash_conv = sum(d.max() - d @ p for d, p in zip(dev, r.policies))
    assert r.nash_conv == pytest.approx(nash_conv, abs=1e-12)


def test_bad_input() -> None:
    pay = np.zeros((2, 2, 3))
    with pytest.raises(eq.InvalidInputError, match="payoffs"):
        eq.pikl_hedge(np.zeros((3, 2, 3)))
    with pytest.raises(eq.InvalidInputError, match="payoffs"):
        eq.pikl_hedge(np.zeros((2, 3)))
    with pytest.raises(eq.InvalidInputError, match="anchors"):
        eq.pikl_hedge(pay, anchors=[np.array([1.0, 0.0]), np.full(3, 1 / 3)])
    with pytest.raises(eq.InvalidInputError, match="lam"):
        eq.pikl_hedge(pay, lam=-1)
    with pytest.raises(eq.InvalidInputError, match="eta"):
        eq.pikl_hedge(pay, eta=[1.0, 0.0])
    with pytest.raises(eq.InvalidInputError, match="iterations"):
        eq.pikl_hedge(pay, iterations=0)
