"""piKL-Hedge for n-player normal-form games (Jacob et al., ICML 2022): Hedge on average
utilities with a KL pull towards per-player anchor policies (for example human or LM priors).

Player ``i`` starts at its anchor ``τ_i`` and plays
``π_i^{t+1} ∝ exp{(Q̄_i^t + λ_i log τ_i) / (1/(η_i t) + λ_i)}``, where ``Q̄_i^t`` is the average
over rounds ``1..t`` of its utility per action against the others' play. ``λ = 0`` is Hedge;
``λ → ∞`` keeps the anchors. The average play approaches a coarse correlated equilibrium of the
``λ``-regularized game (in two-player zero-sum games, the unique KL-regularized equilibrium, see
:func:`equilibria.solve_qre`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from ._arrays import as_real_array
from ._runtime import ProgressArg, check_positive_int, invalid, progress_reporter

__all__ = ["PiklResult", "pikl_hedge"]


@dataclass(frozen=True, repr=False)
class PiklResult:
    """The outcome of :func:`pikl_hedge` (lists with one read-only array per player).

    Attributes:
        policies: the last iterate ``π^{T+1}``.
        average_policies: the average of ``π^1 .. π^T``.
        average_utilities: ``Q̄^T``.
        residuals: per player ``‖π_i - softmax(log τ_i + Q̄_i / λ_i)‖₁`` (0 when ``λ_i = 0``):
            the distance to the dynamics' fixed point, the certificate.
        nash_conv: NashConv of the last iterate in the unregularized game.
        iterations: ``T``.
    """

    policies: list[np.ndarray]
    average_policies: list[np.ndarray]
    average_utilities: list[np.ndarray]
    residuals: np.ndarray
    nash_conv: float
    iterations: int

    def __repr__(self) -> str:
        return (
            f"PiklResult(players={len(self.policies)}, iterations={self.iterations}, "
            f"max residual={float(self.residuals.max()):.3e}, nash_conv={self.nash_conv:.3e})"
        )


def _per_player(value: Any, name: str, n: int, positive: bool) -> list[float]:
    values = [value] * n if isinstance(value, numbers.Real) and not isinstance(value, bool) else list(value)
    if len(values) != n:
        raise invalid(name, f"a number or one per player ({n})", f"{len(values)} values")
    out = []
    for k, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0 or (positive and v == 0):
            raise invalid(f"{name}[{k}]", "a finite number > 0" if positive else "a finite number >= 0", repr(v))
        out.append(float(v))
    return out


def _frozen(a: Any) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    arr.flags.writeable = False
    return arr


def pikl_hedge(
    payoffs: Any,
    anchors: Any = None,
    lam: Any = 0.1,
    eta: Any = 0.1,
    iterations: int = 1000,
    *,
    progress: ProgressArg = False,
) -> PiklResult:
    """Runs piKL-Hedge on the game with payoffs of shape ``(n, k_1, ..., k_n)`` (``payoffs[i]``
    is player ``i``'s payoff tensor; every player maximizes).

    Args:
        anchors: ``None`` (uniform) or one strictly positive distribution per player.
        lam, eta: a number or one per player (``λ_i >= 0``, ``η_i > 0``).
        iterations: rounds ``T``.
    """
    arr = np.asarray(payoffs)
    if arr.ndim < 3:
        raise invalid("payoffs", "an array of shape (n, k_1, ..., k_n) with n >= 2", f"shape {arr.shape}")
    pay = as_real_array(arr, "payoffs", arr.ndim, "(n, k_1, ..., k_n)")
    n = pay.shape[0]
    if n != pay.ndim - 1:
        raise invalid("payoffs", f"{pay.ndim - 1} payoff tensors (one per player)", f"shape {pay.shape}")
    actions = pay.shape[1:]
    if anchors is None:
        taus = [np.full(k, 1.0 / k) for k in actions]
    else:
        try:
            taus = [as_real_array(t, f"anchors[{i}]", 1, f"({actions[i]},)") for i, t in enumerate(anchors)]
        except TypeError:
            raise invalid("anchors", "None or one distribution per player", type(anchors).__name__) from None
        if len(taus) != n:
            raise invalid("anchors", f"{n} distributions (one per player)", len(taus))
    its = check_positive_int("iterations", iterations)
    lams = _per_player(lam, "lam", n, positive=False)
    etas = _per_player(eta, "eta", n, positive=True)
    with progress_reporter(progress, "pikl-hedge") as report:
        r = _core.pikl_hedge(pay, [t.tolist() for t in taus], lams, etas, its, report)
    return PiklResult(
        policies=[_frozen(p) for p in r["policies"]],
        average_policies=[_frozen(p) for p in r["average_policies"]],
        average_utilities=[_frozen(p) for p in r["average_utilities"]],
        residuals=_frozen(r["residuals"]),
        nash_conv=float(r["nash_conv"]),
        iterations=its,
    )
