"""KL-regularized zero-sum matrix games: logit quantal response equilibria (uniform
references) and magnetic / KL-regularized equilibria (any references), by Magnetic Mirror Descent.

The row player maximizes ``f(x, y) = x^T A y - α KL(x‖ρx) + α KL(y‖ρy)``; the column player
minimizes it. The solution is unique: ``x = softmax(log ρx + A y / α)``,
``y = softmax(log ρy - A^T x / α)``. Every result carries the regularized duality gap
``G(x, y) = max_x' f(x', y) - min_y' f(x, y') = α KL(x‖x̂) + α KL(y‖ŷ)`` (``x̂, ŷ`` the logit best
responses), zero exactly at the solution. ``G`` is second order in the distance to the solution:
``distance_bound = 2 sqrt(G / α)`` bounds ``‖x - x*‖₁ + ‖y - y*‖₁``, and ``residual`` is the
first-order fixed-point residual ``‖x - x̂‖₁ + ‖y - ŷ‖₁``.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _core, gpu
from ._arrays import as_real_array
from ._runtime import (
    ProgressArg,
    check_nonnegative_float,
    check_positive_int,
    check_threads,
    invalid,
    progress_reporter,
)

__all__ = [
    "QreResult",
    "QreBatchResult",
    "LogitQreResult",
    "solve_qre",
    "solve_qre_batch",
    "solve_logit_qre",
    "regularized_gap",
]

_DEFAULT_MAX_ITERS = 100_000
_SCHEDULES = ("fixed", "annealed", "moving")


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, repr=False)
class QreResult:
    """A regularized equilibrium with its certificate.

    Attributes:
        x, y: the strategies (read-only).
        temperature: ``α``.
        gap: the regularized duality gap ``G(x, y)`` (certificate; 0 exactly at the solution).
        distance_bound: certified bound on ``‖x - x*‖₁ + ‖y - y*‖₁`` (``2 sqrt(G / α)``).
        residual: fixed-point residual ``‖x - x̂‖₁ + ‖y - ŷ‖₁``.
        value: the regularized value ``f(x, y)``.
        nash_gap: the duality gap ``max_i (A y)_i - min_j (A^T x)_j`` of ``(x, y)`` in the
            unregularized game (the certificate of the Nash schedules).
        iterations, converged, seconds: run statistics (``converged``: ``gap <= tol``, or
            ``nash_gap <= tol`` for the Nash schedules).
        trace: ``(iteration, exit quantity)`` at iterations 0, 1, 2, 4, 8, ... and the last.
    """

    x: np.ndarray
    y: np.ndarray
    temperature: float
    gap: float
    distance_bound: float
    residual: float
    value: float
    nash_gap: float
    iterations: int
    converged: bool
    seconds: float
    trace: list[tuple[int, float]] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"QreResult(temperature={self.temperature:g}, gap={self.gap:.3e}, "
            f"distance_bound={self.distance_bound:.3e}, iterations={self.iterations}, "
            f"converged={self.converged})"
        )


@dataclass(frozen=True, repr=False)
class QreBatchResult:
    """Regularized equilibria of a batch of games: ``x`` ``(B, m)``, ``y`` ``(B, n)``, and per
    game ``gap``, ``residual``, ``nash_gap`` and ``iterations`` (all read-only arrays)."""

    x: np.ndarray
    y: np.ndarray
    temperature: float
    gap: np.ndarray
    residual: np.ndarray
    nash_gap: np.ndarray
    iterations: np.ndarray
    seconds: float

    def __repr__(self) -> str:
        return (
            f"QreBatchResult(games={self.x.shape[0]}, temperature={self.temperature:g}, "
            f"max gap={float(self.gap.max()):.3e})"
        )


def _temperature(value: Any) -> float:
    return _positive_real("temperature", value)


def _positive_real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 < float(value) < float("inf")):
        raise invalid(name, "a finite number > 0", repr(value))
    return float(value)


def check_schedule(schedule: Any, magnet_rate: Any) -> tuple[str, float]:
    """Validates an MMD schedule name and the moving magnet's rate (shared with :mod:`.mmd`)."""
    if schedule not in _SCHEDULES:
        raise invalid("schedule", "'fixed', 'annealed' or 'moving'", repr(schedule))
    if isinstance(magnet_rate, bool) or not isinstance(magnet_rate, numbers.Real) or not 0 < float(magnet_rate) <= 1:
        raise invalid("magnet_rate", "a rate in (0, 1]", repr(magnet_rate))
    return schedule, float(magnet_rate)


def _reference(value: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    ref = as_real_array(value, name, len(shape), "(" + ", ".join(map(str, shape)) + ")")
    if ref.shape != shape:
        raise invalid(name, f"shape {shape}", f"shape {ref.shape}")
    if (ref <= 0).any():
        k = tuple(int(i) for i in np.argwhere(ref <= 0)[0])
        raise invalid(name, "strictly positive probabilities (KL needs full support)", f"{ref[k]} at {k}")
    sums = ref.sum(axis=-1)
    bad = np.flatnonzero(np.abs(np.atleast_1d(sums) - 1.0) > 1e-9)
    if bad.size:
        raise invalid(name, "probabilities summing to 1", f"sum {np.atleast_1d(sums)[bad[0]]!r}")
    return ref


def _references(reference: Any, rows: tuple[int, ...], cols: tuple[int, ...]) -> tuple[Any, Any]:
    if reference is None:
        return None, None
    try:
        rho_x, rho_y = reference
    except (TypeError, ValueError):
        raise invalid("reference", "None or a pair (reference_x, reference_y)", type(reference).__name__) from None
    return _reference(rho_x, rows, "reference_x"), _reference(rho_y, cols, "reference_y")


def check_step_size(step_size: Any) -> float | None:
    """Validates an optional step size (shared with :mod:`.mmd`)."""
    if step_size is None:
        return None
    if isinstance(step_size, bool) or not isinstance(step_size, numbers.Real) or not 0 < float(step_size) < float("inf"):
        raise invalid("step_size", "None or a finite number > 0", repr(step_size))
    return float(step_size)


def _mmd_settings(
    method: Any,
    tol: Any,
    max_iters: Any,
    step_size: Any,
    schedule: Any,
    magnet_rate: Any,
    threads: Any,
) -> tuple[Any, ...]:
    """The validated ``(tol, max_iters, step_size, schedule, magnet_rate, threads)`` shared by
    :func:`solve_qre` and :func:`solve_qre_batch`, in the order ``_core`` takes them."""
    if method != "mmd":
        raise invalid("method", "'mmd' (Magnetic Mirror Descent)", repr(method))
    tol = check_nonnegative_float("tol", tol)
    max_iters = check_positive_int("max_iters", max_iters, allow_none=True) or _DEFAULT_MAX_ITERS
    schedule, magnet_rate = check_schedule(schedule, magnet_rate)
    return tol, max_iters, check_step_size(step_size), schedule, magnet_rate, check_threads(threads)


def solve_qre(
    A: Any,
    temperature: float,
    reference: Any = None,
    method: str = "mmd",
    tol: float = 1e-10,
    max_iters: int | None = None,
    *,
    step_size: float | None = None,
    schedule: str = "fixed",
    magnet_rate: float = 0.05,
    threads: int | None = None,
    progress: ProgressArg = False,
) -> QreResult:
    """The KL-regularized equilibrium of the zero-sum game ``A`` (row maximizes ``x^T A y``).

    Args:
        A: ``(m, n)`` payoffs of the row player. A torch or cupy array is solved on its own
            device by :mod:`equilibria.gpu` (every schedule; results stay on the device).
        temperature: ``α > 0``.
        reference: ``None`` (uniform: the logit QRE) or a pair ``(ρx, ρy)`` of strictly positive
            distributions (the magnets / anchors).
        method: ``"mmd"``, Magnetic Mirror Descent (Sokota et al., ICLR 2023, eq. 12) with
            simultaneous updates from the references; linear convergence for ``step_size <=
            α / max|A_ij|²`` (Thm 3.4), the default step.
        tol: stop once the regularized gap (``nash_gap`` for the Nash schedules) is ``<= tol``
            (``0`` runs all ``max_iters``).
        max_iters: iteration cap (default 100,000).
        step_size: MMD's ``η`` (default ``α / max|A_ij|²``).
        schedule: ``"fixed"`` (default: the regularized equilibrium above), or one of the
            paper's two schedules that approach a **Nash equilibrium of A** instead:
            ``"annealed"`` (``α_t = α/√t``, ``η_t = η/√t``) or ``"moving"`` (after each step the
            references move towards the iterates, ``ρ ← ρ^(1-r) π^r`` with ``r = magnet_rate``).
            With these the exit test and ``converged`` use ``nash_gap``, the duality gap of
            ``(x, y)`` in ``A``; ``gap`` is still reported at the final temperature and magnet.
        magnet_rate: the moving magnet's rate ``r`` in ``(0, 1]`` (the paper uses 0.05).
        threads, progress: as :func:`equilibria.solve_matrix_game`.
    """
    device = gpu.device_call("solve_qre", A, temperature, reference, method=method, tol=tol, max_iters=max_iters, step_size=step_size, schedule=schedule, magnet_rate=magnet_rate, threads=threads, progress=progress)
    if device is not None:
        return device
    a = as_real_array(A, "A", 2, "(m, n)")
    alpha = _temperature(temperature)
    settings = _mmd_settings(method, tol, max_iters, step_size, schedule, magnet_rate, threads)
    rho_x, rho_y = _references(reference, (a.shape[0],), (a.shape[1],))
    start = time.perf_counter()
    with progress_reporter(progress, "equilibria qre") as callback:
        r = _core.solve_qre(a, alpha, rho_x, rho_y, *settings, callback)
    trace = list(zip(r["trace_iterations"].tolist(), r["trace_gaps"].tolist()))
    return QreResult(
        x=_frozen(r["x"]),
        y=_frozen(r["y"]),
        temperature=alpha,
        gap=float(r["gap"]),
        distance_bound=float(r["distance_bound"]),
        residual=float(r["residual"]),
        value=float(r["value"]),
        nash_gap=float(r["nash_gap"]),
        iterations=int(r["iterations"]),
        converged=bool(r["converged"]),
        seconds=time.perf_counter() - start,
        trace=trace,
    )


def solve_qre_batch(
    A: Any,
    temperature: float,
    reference: Any = None,
    method: str = "mmd",
    tol: float = 1e-10,
    max_iters: int | None = None,
    *,
    step_size: float | None = None,
    schedule: str = "fixed",
    magnet_rate: float = 0.05,
    threads: int | None = None,
    progress: ProgressArg = False,
) -> QreBatchResult:
    """:func:`solve_qre` for a batch ``A`` of shape ``(B, m, n)``, in parallel over games (the
    same answer for any thread count); ``reference`` is ``None`` or a pair of ``(B, m)`` and
    ``(B, n)`` arrays."""
    device = gpu.device_call("solve_qre_batch", A, temperature, reference, method=method, tol=tol, max_iters=max_iters, step_size=step_size, schedule=schedule, magnet_rate=magnet_rate, threads=threads, progress=progress)
    if device is not None:
        return device
    a = as_real_array(A, "A", 3, "(B, m, n)")
    alpha = _temperature(temperature)
    settings = _mmd_settings(method, tol, max_iters, step_size, schedule, magnet_rate, threads)
    b, m, n = a.shape
    rho_x, rho_y = _references(reference, (b, m), (b, n))
    start = time.perf_counter()
    with progress_reporter(progress, "equilibria qre batch") as callback:
        r = _core.solve_qre_batch(a, alpha, rho_x, rho_y, *settings, callback)
    return QreBatchResult(
        x=_frozen(r["x"]),
        y=_frozen(r["y"]),
        temperature=alpha,
        gap=_frozen(r["gap"]),
        residual=_frozen(r["residual"]),
        nash_gap=_frozen(r["nash_gap"]),
        iterations=_frozen(r["iterations"]),
        seconds=time.perf_counter() - start,
    )


def regularized_gap(A: Any, x: Any, y: Any, temperature: float, reference: Any = None) -> float:
    """The certificate ``G(x, y)`` of any profile, computed in numpy from the closed form
    ``α lse(log ρx + A y / α) + α lse(log ρy - A^T x / α) + α KL(x‖ρx) + α KL(y‖ρy)``."""
    a = as_real_array(A, "A", 2, "(m, n)")
    alpha = _temperature(temperature)
    m, n = a.shape
    xs = as_real_array(x, "x", 1, f"({m},)")
    ys = as_real_array(y, "y", 1, f"({n},)")
    if xs.shape != (m,) or ys.shape != (n,):
        raise invalid("x/y", f"lengths {m} and {n}", f"{xs.shape[0]} and {ys.shape[0]}")
    rho_x, rho_y = _references(reference, (m,), (n,))
    lrx = np.log(rho_x) if rho_x is not None else np.full(m, -np.log(m))
    lry = np.log(rho_y) if rho_y is not None else np.full(n, -np.log(n))

    def lse(v: np.ndarray) -> float:
        top = v.max()
        return float(top + np.log(np.exp(v - top).sum()))

    def kl(p: np.ndarray, lr: np.ndarray) -> float:
        nz = p > 0
        return float((p[nz] * (np.log(p[nz]) - lr[nz])).sum())

    return alpha * (lse(lrx + a @ ys / alpha) + lse(lry - a.T @ xs / alpha) + kl(xs, lrx) + kl(ys, lry))


@dataclass(frozen=True, repr=False)
class LogitQreResult:
    """A logit QRE of a bimatrix game.

    Attributes:
        x, y: the strategies (read-only).
        temperature: ``α``.
        residual: ``‖x - x̂‖₁ + ‖y - ŷ‖₁`` with ``x̂, ŷ`` the logit best responses (certificate).
        nash_conv: ``α KL(x‖x̂) + α KL(y‖ŷ)``, each player's gain from a logit best response.
        steps: continuation steps in temperature.
        converged: the target temperature was reached with ``residual <= tol``.
    """

    x: np.ndarray
    y: np.ndarray
    temperature: float
    residual: float
    nash_conv: float
    steps: int
    converged: bool

    def __repr__(self) -> str:
        return (
            f"LogitQreResult(temperature={self.temperature:g}, residual={self.residual:.3e}, "
            f"steps={self.steps}, converged={self.converged})"
        )


def solve_logit_qre(A: Any, B: Any, temperature: float, reference: Any = None, tol: float = 1e-12) -> LogitQreResult:
    """The logit QRE at temperature ``α`` of the general-sum game where the row player receives
    ``x^T A y`` and the column player ``x^T B y`` (both maximize):
    ``x = softmax(log ρx + A y / α)``, ``y = softmax(log ρy + B^T x / α)``.

    General-sum games may have several QREs at low temperature. This follows the *principal
    branch* (the one Gambit's ``logit_solve_lambda`` follows, with ``λ = 1/α``), from the
    references at high temperature down to ``α``, with Newton corrections; if the branch turns
    back in temperature the result has ``converged=False`` rather than a point on another branch.
    Dense Newton steps cost ``O((m + n)^3)``: meant for games up to a few hundred actions.
    """
    a = as_real_array(A, "A", 2, "(m, n)")
    b = as_real_array(B, "B", 2, "(m, n)")
    if a.shape != b.shape:
        raise invalid("B", f"the shape of A {a.shape}", f"shape {b.shape}")
    alpha = _temperature(temperature)
    rho_x, rho_y = _references(reference, (a.shape[0],), (a.shape[1],))
    tol = check_nonnegative_float("tol", tol)
    if tol == 0.0:
        raise invalid("tol", "a number > 0", "0")
    r = _core.solve_logit_qre(a, b, alpha, rho_x, rho_y, tol)
    return LogitQreResult(
        x=_frozen(r["x"]),
        y=_frozen(r["y"]),
        temperature=alpha,
        residual=float(r["residual"]),
        nash_conv=float(r["nash_conv"]),
        steps=int(r["steps"]),
        converged=bool(r["converged"]),
    )
