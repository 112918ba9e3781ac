"""KL-regularized zero-sum matrix games (logit QRE) on the Array API: Magnetic Mirror Descent
with the fixed schedule or one of the two Nash schedules, batched over a leading axis, on the
input's device.

The Rust core's ``solve_qre`` step for step: iterates kept as logarithms, simultaneous updates
``log x ← (log x + αη log ρx + η A y) / (1 + αη)`` (normalised), the default step
``η = α / max|A|²`` per game, and at every iteration the certificate of the current iterate,
``G = α KL(x‖x̂) + α KL(y‖ŷ)`` (``x̂ = softmax(log ρx + A y / α)``, ``ŷ = softmax(log ρy - Aᵀx / α)``),
with the fixed-point residual, the regularized value and the duality gap in ``A``. A game stops
at the first iteration where ``G <= tol`` (``tol = 0`` runs all ``max_iters``).

Schedules (``regularized/schedule.rs``): ``"annealed"`` uses ``α_t = α/√t``, ``η_t = η/√t`` at
step ``t`` (the certificate at ``t`` uses ``α_max(t,1)``); ``"moving"`` moves each magnet after
each step, ``log ρ ← (1 - rate) log ρ + rate log π`` (normalised). With either, the exit test
and the trace are the Nash gap in ``A``, as in Rust.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import array_api_compat

from ._namespace import namespace
from ._ops import col_products, logsumexp, row_products

__all__ = ["mmd"]


def _part(xp: Any, alpha: Any, p: Any, log_p: Any, logits: Any) -> tuple[Any, Any]:
    """One player's ``(α KL(p‖p̂), ‖p - p̂‖₁)`` with ``log p̂ = logits - lse(logits)``."""
    lb = logits - logsumexp(xp, logits)
    kl = xp.sum(xp.where(p > 0, p * (log_p - lb), xp.zeros_like(p)), axis=-1)
    kl = xp.where(kl > 0, kl, xp.zeros_like(kl))
    return alpha * kl, xp.sum(xp.abs(p - xp.exp(lb)), axis=-1)


def _kl(xp: Any, p: Any, log_p: Any, log_rho: Any) -> Any:
    return xp.sum(xp.where(p > 0, p * (log_p - log_rho), xp.zeros_like(p)), axis=-1)


def mmd(
    A: Any,
    temperature: float,
    rho_x: Any | None,
    rho_y: Any | None,
    tol: float,
    max_iters: int,
    step_size: float | None,
    callback: Callable[[int, int], object] | None = None,
    schedule: str = "fixed",
    magnet_rate: float = 0.05,
) -> dict[str, Any]:
    """MMD on ``A`` ``(B, m, n)`` with references ``(B, m)``, ``(B, n)`` or ``None`` (uniform).
    Returns per game ``x``, ``y``, ``gap``, ``residual``, ``value``, ``nash_gap``,
    ``distance_bound`` (``2 √(G/α_t)``), ``converged``, ``iterations`` and ``trace`` (a list of
    ``(t, (B,) exit values)`` at t = 0, 1, 2, 4, ... and the end), on ``A``'s device."""
    xp = namespace(A)
    b, m, n = A.shape
    dev = array_api_compat.device(A)
    alpha = float(temperature)

    def log_of(rho: Any | None, k: int) -> Any:
        if rho is None:
            return xp.full((b, k), -math.log(k), dtype=A.dtype, device=dev)
        return xp.log(rho)

    log_rx, log_ry = log_of(rho_x, m), log_of(rho_y, n)
    if step_size is not None:
        eta = xp.full((b, 1), float(step_size), dtype=A.dtype, device=dev)
    else:
        lip = xp.max(xp.reshape(xp.abs(A), (b, m * n)), axis=-1, keepdims=True)
        eta = xp.where(lip > 0, alpha / xp.where(lip > 0, lip * lip, xp.ones_like(lip)), xp.ones_like(lip))
    nash_schedule = schedule != "fixed"

    def parameters(t: int) -> tuple[float, Any]:
        """``(α_t, η_t)`` of step ``t`` (``schedule.rs``'s ``Schedule::parameters``)."""
        if schedule == "annealed":
            root = math.sqrt(max(t, 1))
            return alpha / root, eta / root
        return alpha, eta

    def move_magnet(log_r: Any, log_p: Any) -> Any:
        if schedule != "moving":
            return log_r
        mixed = (1.0 - magnet_rate) * log_r + magnet_rate * log_p
        return mixed - logsumexp(xp, mixed)

    log_x, log_y = log_rx, log_ry
    x, y = xp.exp(log_x), xp.exp(log_y)
    fields = ("x", "y", "gap", "residual", "value", "nash_gap", "distance_bound", "converged")
    out: dict[str, Any] = {}
    done = xp.zeros((b,), dtype=xp.bool, device=dev)
    iterations = xp.zeros((b,), dtype=xp.int64, device=dev)
    trace = []
    t, next_trace = 0, 0
    while True:
        ay, atx = row_products(A, y), col_products(A, x)
        # The regularized certificate at the temperature of the last step taken.
        alpha_t = parameters(t)[0]
        gx, rx = _part(xp, alpha_t, x, log_x, log_rx + ay / alpha_t)
        gy, ry = _part(xp, alpha_t, y, log_y, log_ry - atx / alpha_t)
        gap = gx + gy
        nash_gap = xp.max(ay, axis=-1) - xp.min(atx, axis=-1)
        exit_ = nash_gap if nash_schedule else gap
        now = {
            "x": x,
            "y": y,
            "gap": gap,
            "residual": rx + ry,
            "value": xp.sum(x * ay, axis=-1) - alpha_t * _kl(xp, x, log_x, log_rx) + alpha_t * _kl(xp, y, log_y, log_ry),
            "nash_gap": nash_gap,
            "distance_bound": 2.0 * xp.sqrt(gap / alpha_t),
            "converged": exit_ <= tol,
        }
        stop = (exit_ <= tol) if tol > 0 else xp.zeros_like(done)
        if t >= max_iters:
            stop = xp.ones_like(done)
        newly = ~done & stop
        for f in fields:
            v = now[f]
            mask = newly[:, None] if v.ndim == 2 else newly
            out[f] = xp.where(mask, v, out[f]) if f in out else v
        iterations = xp.where(newly, xp.asarray(t, dtype=xp.int64, device=dev), iterations)
        done = done | newly
        finished = bool(xp.all(done))
        if t == next_trace or finished:
            trace.append((t, exit_))
            next_trace = 1 if t == 0 else 2 * t
        if finished:
            break
        if callback is not None and t % 64 == 0:
            callback(t, max_iters)
        t += 1
        alpha_t, eta_t = parameters(t)
        shrink = 1.0 / (1.0 + alpha_t * eta_t)
        log_x = (log_x + alpha_t * eta_t * log_rx + eta_t * ay) * shrink
        log_y = (log_y + alpha_t * eta_t * log_ry - eta_t * atx) * shrink
        log_x = log_x - logsumexp(xp, log_x)
        log_y = log_y - logsumexp(xp, log_y)
        x, y = xp.exp(log_x), xp.exp(log_y)
        log_rx, log_ry = move_magnet(log_rx, log_x), move_magnet(log_ry, log_y)
    out["iterations"] = iterations
    out["trace"] = trace
    return out

