"""n-player tensor games on the Array API: deviation payoffs, NashConv, CCE/CE gaps and the
learning dynamics of :mod:`equilibria.tensor`, batched over a leading axis, on the input's device.

Payoffs are ``(B, n, k_1, ..., k_n)``; a profile is a list of ``n`` arrays ``(B, k_i)``; a joint
distribution is ``(B, k_1, ..., k_n)``. Player ``i``'s payoff per own action is the Rust kernel's
contraction written as two matrix products with ``v = ⊗_{j>i} π_j`` (``(B, S)``) and
``w = ⊗_{j<i} π_j`` (``(B, P)``), contracting the longer side first: its tensor viewed as
``(B, P k_i, S)`` times ``v``, then ``w`` times the result viewed as ``(B, P, k_i)`` when
``S >= P``, and ``w`` times the tensor viewed as ``(B, P, k_i S)``, then the result times ``v``,
otherwise. Each payoff tensor is read once per call, and the contraction's intermediate holds at
most ``B k_i min(P, S)`` entries (contracting the trailing side first for the last player would
write and re-read an array as large as its payoffs); the outer products themselves are built
once per call as prefix and suffix products, the largest ``(B, Π_{j<n-1} k_j)`` and
``(B, Π_{j>0} k_j)``.

The dynamics (``rm``, ``rm+``, ``hedge``, ``optimistic-hedge``, ``fictitious-play``,
``replicator``, ``qre``, ``pikl``) are the Rust core's (``normal_form/tensor_solve.rs``,
``regularized/pikl.rs``) update for update, defaults included.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import array_api_compat

from ._namespace import namespace
from ._ops import logsumexp, positive_part, rm_strategy, softmax

__all__ = ["DEVICE_METHODS", "deviation_payoffs", "nash_conv", "cce_gap", "ce_gap", "solve"]

#: Tensor-game dynamics with an Array-API implementation.
DEVICE_METHODS = ("rm", "rm+", "hedge", "optimistic-hedge", "fictitious-play", "replicator", "qre", "pikl")


def _outer(xp: Any, vectors: list[Any], like: Any) -> Any:
    """Row-major outer product ``(B, Π len)`` of ``(B, k)`` vectors (``(B, 1)`` of ones for none)."""
    b = like.shape[0]
    out = xp.ones((b, 1), dtype=like.dtype, device=array_api_compat.device(like))
    for v in vectors:
        out = _times(xp, out, v)
    return out


def _times(xp: Any, left: Any, right: Any) -> Any:
    """Row-major outer product of ``(B, P)`` and ``(B, k)``: ``(B, P k)``."""
    return xp.reshape(left[:, :, None] * right[:, None, :], (left.shape[0], left.shape[1] * right.shape[1]))


def deviation_payoffs(U: Any, profile: list[Any]) -> list[Any]:
    """``out[i][b, a] = u_i(a, π_{-i})`` for game ``b``. The outer products of the leading and
    trailing strategies are built once as prefix and suffix products (for ``n >= 2`` players,
    ``2 (n - 2)`` multiplications per call instead of about ``n (n - 1)``: on a device, the
    number of small kernels per iteration is what bounds a small game)."""
    xp = namespace(U)
    b, n = U.shape[0], U.shape[1]
    actions = tuple(U.shape[2:])
    ones = xp.ones((b, 1), dtype=U.dtype, device=array_api_compat.device(U))
    # leading[i] = ⊗_{j<i} π_j and trailing[i] = ⊗_{j>i} π_j, (B, P_i) and (B, S_i).
    leading = [ones]
    for i in range(1, n):
        leading.append(profile[0] if i == 1 else _times(xp, leading[-1], profile[i - 1]))
    trailing = [ones] * n
    for i in range(n - 2, -1, -1):
        trailing[i] = profile[n - 1] if i == n - 2 else _times(xp, profile[i + 1], trailing[i + 1])
    out = []
    for i in range(n):
        p = math.prod(actions[:i])
        k = actions[i]
        s = math.prod(actions[i + 1 :])
        v, w = trailing[i], leading[i]
        if s >= p:
            # Trailing players first: the intermediate (B, P k) is the smaller side.
            inner = xp.reshape((xp.reshape(U[:, i, ...], (b, p * k, s)) @ v[:, :, None])[:, :, 0], (b, p, k))
            out.append((w[:, None, :] @ inner)[:, 0, :])
        else:
            # Leading players first: the intermediate (B, k S) stays small and U is read once.
            inner = xp.reshape((w[:, None, :] @ xp.reshape(U[:, i, ...], (b, p, k * s)))[:, 0, :], (b, k, s))
            out.append((inner @ v[:, :, None])[:, :, 0])
    return out


def nash_conv_from(xp: Any, dev: list[Any], profile: list[Any]) -> Any:
    """``Σ_i max_a u_i(a, π_{-i}) - u_i(π)`` per game from deviation payoffs."""
    total = None
    for d, p in zip(dev, profile):
        term = xp.max(d, axis=-1) - xp.sum(d * p, axis=-1)
        total = term if total is None else total + term
    return total


def nash_conv(U: Any, profile: list[Any]) -> Any:
    """NashConv per game, ``(B,)``."""
    return nash_conv_from(namespace(U), deviation_payoffs(U, profile), profile)


def _blocks(U: Any, joint: Any, i: int) -> tuple[Any, Any, int, int, int]:
    b = U.shape[0]
    actions = tuple(U.shape[2:])
    p, k, s = math.prod(actions[:i]), actions[i], math.prod(actions[i + 1 :])
    xp = namespace(U)
    return xp.reshape(U[:, i, ...], (b, p, k, s)), xp.reshape(joint, (b, p, k, s)), p, k, s


def cce_gap(U: Any, joint: Any) -> Any:
    """``Σ_i max(0, max_a u_i(a, μ_{-i}) - u_i(μ))`` per game."""
    xp = namespace(U)
    total = None
    for i in range(U.shape[1]):
        u, mu, _, _, _ = _blocks(U, joint, i)
        value = xp.sum(u * mu, axis=(1, 2, 3))
        others = xp.sum(mu, axis=2)
        dev = xp.sum(u * others[:, :, None, :], axis=(1, 3))
        term = positive_part(xp, xp.max(dev, axis=-1) - value)
        total = term if total is None else total + term
    return total


def ce_gap(U: Any, joint: Any) -> Any:
    """``Σ_i Σ_a max(0, max_b Σ_{s_{-i}} μ(a, s_{-i}) [u_i(b, s_{-i}) - u_i(a, s_{-i})])``."""
    xp = namespace(U)
    b = U.shape[0]
    total = None
    for i in range(U.shape[1]):
        u, mu, p, k, s = _blocks(U, joint, i)
        ur = xp.reshape(xp.permute_dims(u, (0, 2, 1, 3)), (b, k, p * s))
        mr = xp.reshape(xp.permute_dims(mu, (0, 2, 1, 3)), (b, k, p * s))
        m = mr @ xp.permute_dims(ur, (0, 2, 1))  # m[a, b] = Σ μ(a, ·) u(b, ·)
        diag = xp.sum(m * xp.eye(k, dtype=m.dtype, device=array_api_compat.device(m)), axis=-1)
        term = xp.sum(positive_part(xp, xp.max(m, axis=-1) - diag), axis=-1)
        total = term if total is None else total + term
    return total


def solve(
    U: Any,
    method: str,
    iterations: int,
    tol: float,
    check_every: int,
    step_size: float | None,
    temperature: float,
    references: list[Any] | None,
    track_joint: bool,
    callback: Callable[[int, int], object] | None = None,
) -> dict[str, Any]:
    """Runs ``method`` on the batch ``U``; returns per game ``strategies`` and ``last`` (lists of
    ``(B, k_i)``), ``joint`` (``(B, Π k)`` or None), ``nash_conv``, ``cce_gap``,
    ``regularized_gap``, ``iterations``, ``converged`` and ``trace`` (list of ``(t, (B,))``)."""
    xp = namespace(U)
    dev_ = array_api_compat.device(U)
    b, n = U.shape[0], U.shape[1]
    actions = tuple(U.shape[2:])
    if method == "pikl":
        return _pikl(U, iterations, tol, step_size, temperature, references, callback)
    flat = xp.reshape(U, (b, n, math.prod(actions)))
    max_abs = xp.max(xp.reshape(xp.abs(flat), (b, -1)), axis=-1)
    spread = xp.max(xp.max(flat, axis=-1) - xp.min(flat, axis=-1), axis=-1)

    def positive(v: Any) -> Any:
        return xp.where(v > 0, v, xp.ones_like(v))

    if step_size is not None:
        eta = xp.full((b,), float(step_size), dtype=U.dtype, device=dev_)
    elif method == "hedge":
        eta = math.sqrt(8.0 * math.log(max(max(actions), 2)) / iterations) / positive(spread)
    elif method == "optimistic-hedge":
        eta = 0.3 / positive(max_abs)
    elif method == "replicator":
        eta = 0.5 / positive(spread)
    elif method == "qre":
        eta = temperature / positive(max_abs * max_abs)
    else:
        eta = xp.ones((b,), dtype=U.dtype, device=dev_)
    eta = eta[:, None]
    alpha = float(temperature)
    if references is None:
        log_ref = [xp.full((b, k), -math.log(k), dtype=U.dtype, device=dev_) for k in actions]
    else:
        log_ref = [xp.log(r) for r in references]
    if method == "qre" and references is not None:
        played = list(references)
    else:
        played = [xp.full((b, k), 1.0 / k, dtype=U.dtype, device=dev_) for k in actions]
    zeros = [xp.zeros((b, k), dtype=U.dtype, device=dev_) for k in actions]
    # Every player's vectors are held stacked ``(B, n, k)`` when all players have k actions (one
    # set of kernels per update instead of n), else as lists; see `_Players`.
    players = _Players(xp, n, len(set(actions)) == 1)
    played, log_played, log_ref_p = players.join(played), players.join(log_ref), players.join(log_ref)
    average, state, last = players.join(zeros), players.join(zeros), players.join(zeros)
    eta_p = players.per_player(eta)
    returns_average = method not in ("replicator", "qre")
    track = track_joint and method != "qre"
    joint = xp.zeros((b, math.prod(actions)), dtype=U.dtype, device=dev_) if track else None
    done = xp.zeros((b,), dtype=xp.bool, device=dev_)
    iters = xp.full((b,), iterations, dtype=xp.int64, device=dev_)
    frozen: dict[str, Any] = {}
    trace: list[tuple[int, Any]] = []

    def freeze(newly: Any, t: int, items: dict[str, Any]) -> None:
        nonlocal iters
        for name, v in items.items():
            if isinstance(v, list):
                old = frozen.get(name, v)
                frozen[name] = [xp.where(newly[:, None], a, o) for a, o in zip(v, old)]
            else:
                mask = xp.reshape(newly, (b,) + (1,) * (v.ndim - 1))
                frozen[name] = xp.where(mask, v, frozen.get(name, v))
        iters = xp.where(newly, xp.asarray(t, dtype=xp.int64, device=dev_), iters)

    t = 0
    while True:
        if method == "qre":
            util = players.join(deviation_payoffs(U, players.views(played)))
            gap = _regularized_gap(xp, players, alpha, played, util, log_ref_p)
            stop = (gap <= tol) if tol > 0 else xp.zeros_like(done)
            if t >= iterations:
                stop = xp.ones_like(done)
            newly = ~done & stop
            freeze(newly, t, {"strategies": played})
            done = done | newly
            finished = bool(xp.all(done))
            if t == 0 or (t & (t - 1)) == 0 or finished:
                trace.append((t, gap))
            if finished:
                break
            t += 1
            shrink = 1.0 / (1.0 + alpha * eta_p)
            log_played = players.apply(
                lambda lp, lr, u: (lp + alpha * eta_p * lr + eta_p * u) * shrink, log_played, log_ref_p, util
            )
            log_played = players.apply(lambda lp: lp - logsumexp(xp, lp), log_played)
            played = players.apply(xp.exp, log_played)
        else:
            t += 1
            util = players.join(deviation_payoffs(U, players.views(played)))
            if track:
                joint = joint + _outer(xp, players.views(played), U)
            average = players.apply(lambda a, p: a + (p - a) * (1.0 / t), average, played)
            exit_known = None
            if method == "fictitious-play":
                util = deviation_payoffs(U, players.views(average))
                exit_known = nash_conv_from(xp, util, players.views(average))
                played = players.apply(lambda u: _one_hot(xp, u), players.join(util))
            else:
                played, state, last = players.unzip(
                    players.apply(lambda u, p, q, l: _update(xp, method, eta_p, u, p, q, l), util, played, state, last), 3
                )
            checkpoint = (t & (t - 1)) == 0 or t == iterations or (tol > 0 and t % check_every == 0)
            if checkpoint:
                out = average if returns_average else played
                exit_ = exit_known if exit_known is not None else nash_conv(U, players.views(out))
                trace.append((t, exit_))
                stop = (exit_ <= tol) if tol > 0 else xp.zeros_like(done)
                if t >= iterations:
                    stop = xp.ones_like(done)
                newly = ~done & stop
                items = {"strategies": out, "last": played}
                if track:
                    items["joint"] = joint * (1.0 / t)
                freeze(newly, t, items)
                done = done | newly
                if callback is not None:
                    callback(t, iterations)
                if bool(xp.all(done)):
                    break
    strategies = players.views(frozen["strategies"])
    result: dict[str, Any] = {
        "strategies": strategies,
        "last": players.views(frozen["last"]) if "last" in frozen else strategies,
        "iterations": iters,
        "trace": trace,
        "joint": None,
        "cce_gap": None,
        "regularized_gap": None,
    }
    util = deviation_payoffs(U, strategies)
    result["nash_conv"] = nash_conv_from(xp, util, strategies)
    exit_ = result["nash_conv"]
    if method == "qre":
        lists = _Players(xp, n, False)
        result["regularized_gap"] = exit_ = _regularized_gap(xp, lists, alpha, strategies, util, log_ref)
    if track:
        j = xp.reshape(frozen["joint"], (b, *actions))
        result["joint"] = j
        result["cce_gap"] = cce_gap(U, j)
    result["converged"] = exit_ <= tol
    return result


def _pikl(
    U: Any,
    iterations: int,
    tol: float,
    step_size: float | None,
    lam: float,
    anchors: list[Any] | None,
    callback: Callable[[int, int], object] | None,
) -> dict[str, Any]:
    """piKL-Hedge (``regularized/pikl.rs``): from the anchors ``τ``, ``π_i^{t+1} ∝
    exp[(Q_i^t / t + λ log τ_i) / (1/(η t) + λ)]`` with ``Q_i^t`` the sum of the deviation
    payoffs so far; returns the last iterate with its NashConv and regularized gap (the
    certificate at ``α = λ``), as the Rust core's ``pikl`` method."""
    xp = namespace(U)
    dev_ = array_api_compat.device(U)
    b = U.shape[0]
    actions = tuple(U.shape[2:])
    eta = 0.1 if step_size is None else float(step_size)
    if anchors is None:
        log_tau = [xp.full((b, k), -math.log(k), dtype=U.dtype, device=dev_) for k in actions]
        policies = [xp.exp(lt) for lt in log_tau]
    else:
        log_tau = [xp.log(a) for a in anchors]
        policies = list(anchors)
    players = _Players(xp, len(actions), len(set(actions)) == 1)
    log_tau_p, policies_p = players.join(log_tau), players.join(policies)
    q_sum = players.join([xp.zeros((b, k), dtype=U.dtype, device=dev_) for k in actions])
    for t in range(1, iterations + 1):
        util = players.join(deviation_payoffs(U, players.views(policies_p)))
        q_sum = players.apply(lambda q, u: q + u, q_sum, util)
        denom = 1.0 / (eta * t) + lam
        policies_p = players.apply(lambda q, lt: softmax(xp, (q / float(t) + lam * lt) / denom), q_sum, log_tau_p)
        if callback is not None and t % 64 == 0:
            callback(t, iterations)
    policies = players.views(policies_p)
    util = deviation_payoffs(U, policies)
    lists = _Players(xp, len(actions), False)
    gap = _regularized_gap(xp, lists, lam, policies, util, log_tau) if lam > 0 else xp.zeros((b,), dtype=U.dtype, device=dev_)
    return {
        "strategies": policies,
        "last": policies,
        "iterations": xp.full((b,), iterations, dtype=xp.int64, device=dev_),
        "trace": [(iterations, gap)],
        "joint": None,
        "cce_gap": None,
        "regularized_gap": gap,
        "nash_conv": nash_conv_from(xp, util, policies),
        "converged": gap <= tol,
    }


class _Players:
    """Per-player vectors of the dynamics: stacked into one ``(B, n, k)`` array when every player
    has ``k`` actions (each update is then one set of kernels for all players: on a device the
    kernel count, not the arithmetic, bounds small games), else a list of ``(B, k_i)`` arrays.
    The update rules act on the last axis, so both forms run the same code and round alike."""

    def __init__(self, xp: Any, n: int, stacked: bool) -> None:
        self.xp, self.n, self.stacked = xp, n, stacked

    def join(self, vectors: list[Any]) -> Any:
        """The representation of a list of ``(B, k_i)`` arrays."""
        return self.xp.stack(vectors, axis=1) if self.stacked else list(vectors)

    def views(self, value: Any) -> list[Any]:
        """The list of ``(B, k_i)`` arrays (views of a stacked array)."""
        return [value[:, i, :] for i in range(self.n)] if self.stacked else value

    def per_player(self, eta: Any) -> Any:
        """A ``(B, 1)`` per-game factor shaped to broadcast against the representation."""
        return eta[:, :, None] if self.stacked else eta

    def apply(self, fn: Callable[..., Any], *values: Any) -> Any:
        """``fn`` on the stacked arrays at once, or player by player on the lists."""
        return fn(*values) if self.stacked else [fn(*args) for args in zip(*values)]

    def total(self, terms: Any) -> Any:
        """The sum over players of per-player ``(B,)`` terms (``(B, n)`` stacked), in player
        order: the same additions, in the same order, for both representations."""
        items = [terms[:, i] for i in range(self.n)] if self.stacked else terms
        out = items[0]
        for item in items[1:]:
            out = out + item
        return out

    def unzip(self, result: Any, width: int) -> tuple[Any, ...]:
        """Splits what ``apply`` returned for an ``fn`` returning ``width`` values."""
        if self.stacked:
            return tuple(result)
        return tuple([r[j] for r in result] for j in range(width))


def _one_hot(xp: Any, u: Any) -> Any:
    """Best response with the lowest index on ties (over the last axis)."""
    k = u.shape[-1]
    best = xp.argmax(u, axis=-1)  # first maximum
    idx = xp.arange(k, device=array_api_compat.device(u))
    return xp.astype(idx == best[..., None], u.dtype)


def _update(xp: Any, method: str, eta: Any, util: Any, played: Any, state: Any, last: Any) -> tuple[Any, Any, Any]:
    """One player's step; returns ``(next strategy, state, last utility)``."""
    if method == "rm":
        v = xp.sum(util * played, axis=-1, keepdims=True)
        state = state + (util - v)
        return rm_strategy(xp, state), state, last
    if method == "rm+":
        v = xp.sum(util * played, axis=-1, keepdims=True)
        state = positive_part(xp, state + (util - v))
        return rm_strategy(xp, state), state, last
    if method in ("hedge", "optimistic-hedge"):
        state = state + util
        logits = eta * (state + util) if method == "optimistic-hedge" else eta * state
        return softmax(xp, logits), state, util
    if method == "replicator":
        v = xp.sum(util * played, axis=-1, keepdims=True)
        p = positive_part(xp, played * (1.0 + eta * (util - v)))
        return p / xp.sum(p, axis=-1, keepdims=True), state, last
    raise AssertionError(method)


def _regularized_gap(xp: Any, players: "_Players", alpha: float, profile: Any, util: Any, log_ref: Any) -> Any:
    """``Σ_i α KL(π_i ‖ softmax(log ρ_i + u_i / α))`` per game, for either representation of
    ``players``; the players' terms are added in player order (as in Rust)."""

    def term(p: Any, u: Any, lr: Any) -> Any:
        logits = lr + u / alpha
        lb = logits - logsumexp(xp, logits)
        safe = xp.where(p > 0, p, xp.ones_like(p))
        kl = xp.sum(xp.where(p > 0, p * (xp.log(safe) - lb), xp.zeros_like(p)), axis=-1)
        return alpha * positive_part(xp, kl)

    return players.total(players.apply(term, profile, util, log_ref))
