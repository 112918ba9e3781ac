"""n-player normal-form (tensor) games: the game, its metrics, learning dynamics and correlated
equilibria by linear programming.

``payoffs`` has shape ``(n, k_1, ..., k_n)``: ``payoffs[i]`` is player ``i``'s payoff tensor and
every player maximizes. A mixed *profile* is a sequence of ``n`` probability vectors; a *joint*
distribution (for correlated equilibria) is an array of shape ``(k_1, ..., k_n)``.

Numpy input runs in the Rust core (parallel, deterministic: the same bits for any thread count).
Torch / cupy arrays (any non-numpy Array-API array) run the Array-API implementation in
:mod:`equilibria.gpu` on their own device and return arrays of their kind there; nothing is
copied between devices, and what has no device implementation (the CE / CCE LPs) raises
:class:`equilibria.gpu.NotImplementedOnDeviceError`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np

from . import _core
from ._arrays import as_real_array
from ._runtime import (
    NumericalError,
    ProgressArg,
    check_nonnegative_float,
    check_positive_int,
    check_threads,
    invalid,
    progress_reporter,
)
from .gpu import _namespace as _dev
from .gpu import tensor as _gpu_tensor
from .gpu.dispatch import NotImplementedOnDeviceError

__all__ = [
    "TENSOR_METHODS",
    "TensorGame",
    "TensorGameResult",
    "TensorGamesResult",
    "CorrelatedEquilibrium",
    "solve_tensor_game",
    "solve_tensor_games",
    "correlated_equilibrium",
]

#: Dynamics of :func:`solve_tensor_game`, in the Rust core's order.
TENSOR_METHODS: tuple[str, ...] = (
    "rm",
    "rm+",
    "hedge",
    "optimistic-hedge",
    "fictitious-play",
    "replicator",
    "qre",
    "pikl",
)
TensorMethod = Literal["rm", "rm+", "hedge", "optimistic-hedge", "fictitious-play", "replicator", "qre", "pikl"]
#: Joint distributions up to this many pure profiles are tracked by default.
_JOINT_DEFAULT_LIMIT = 1 << 20


def _frozen(a: Any) -> Any:
    """A read-only view of a numpy array (the caller's array keeps its flags); others as is."""
    if isinstance(a, np.ndarray):
        a = a.view()
        a.flags.writeable = False
    return a


def _check_payoffs(payoffs: Any, batched: bool) -> Any:
    lead = 1 if batched else 0
    doc = "(B, n, k_1, ..., k_n)" if batched else "(n, k_1, ..., k_n)"
    if _dev.is_device_array(payoffs):
        arr = _dev.as_device_real(payoffs, "payoffs", None, doc)
    else:
        try:
            raw = np.asarray(payoffs)
        except (TypeError, ValueError) as exc:
            raise invalid("payoffs", f"an array of shape {doc}", f"an object numpy cannot convert ({exc})") from None
        arr = as_real_array(raw, "payoffs", raw.ndim, doc)
    shape = tuple(arr.shape)
    if len(shape) < lead + 3 or shape[lead] != len(shape) - lead - 1:
        raise invalid("payoffs", f"shape {doc} with n >= 2 players (one payoff tensor per player)", f"shape {shape}")
    return arr


class TensorGame:
    """An n-player normal-form game with payoffs of shape ``(n, k_1, ..., k_n)`` (numpy, or a
    torch / cupy array kept on its device). Validated: finite real entries, ``n >= 2``, every
    ``k_i >= 1``; numpy payoffs are stored as a read-only float64 array.
    """

    def __init__(self, payoffs: Any) -> None:
        self._payoffs = _frozen(_check_payoffs(payoffs, batched=False))
        self._device = _dev.is_device_array(self._payoffs)

    @property
    def payoffs(self) -> Any:
        """The payoff array ``(n, k_1, ..., k_n)``."""
        return self._payoffs

    @property
    def num_players(self) -> int:
        """``n``."""
        return int(self._payoffs.shape[0])

    @property
    def actions(self) -> tuple[int, ...]:
        """``(k_1, ..., k_n)``."""
        return tuple(int(k) for k in self._payoffs.shape[1:])

    @property
    def on_device(self) -> bool:
        """Whether the payoffs are a non-numpy (device) array."""
        return self._device

    def __repr__(self) -> str:
        where = f", {_dev.describe(self._payoffs)}" if self._device else ""
        return f"TensorGame(players={self.num_players}, actions={self.actions}{where})"

    def uniform_profile(self) -> list[Any]:
        """Every player's uniform strategy."""
        if self._device:
            xp = _dev.namespace(self._payoffs)
            d = _dev.array_api_compat.device(self._payoffs)
            return [xp.full((k,), 1.0 / k, dtype=self._payoffs.dtype, device=d) for k in self.actions]
        return [np.full(k, 1.0 / k) for k in self.actions]

    # -- profile and joint checks -------------------------------------------------------------
    def _profile(self, profile: Any, name: str = "profile") -> list[Any]:
        try:
            parts = list(profile)
        except TypeError:
            raise invalid(name, f"a sequence of {self.num_players} strategies", type(profile).__name__) from None
        if len(parts) != self.num_players:
            raise invalid(name, f"one strategy per player ({self.num_players})", f"{len(parts)} strategies")
        out = []
        for i, (p, k) in enumerate(zip(parts, self.actions)):
            if self._device:
                p = _dev.same_place(self._payoffs, p, f"{name}[{i}]")
                if tuple(p.shape) != (k,):
                    raise invalid(f"{name}[{i}]", f"a vector of length {k}", f"shape {tuple(p.shape)}")
                _dev.check_distributions(_dev.namespace(p), p, f"{name}[{i}]")
            else:
                if _dev.is_device_array(p):
                    raise invalid(f"{name}[{i}]", "a numpy array like the game's payoffs (no silent device copies)", _dev.describe(p))
                p = as_real_array(p, f"{name}[{i}]", 1, f"({k},)")
                if p.shape != (k,):
                    raise invalid(f"{name}[{i}]", f"a vector of length {k}", f"length {p.shape[0]}")
            out.append(p)
        return out

    def _joint(self, joint: Any) -> Any:
        if self._device:
            j = _dev.same_place(self._payoffs, joint, "joint")
            if tuple(j.shape) != self.actions:
                raise invalid("joint", f"an array of shape {self.actions}", f"shape {tuple(j.shape)}")
            xp = _dev.namespace(j)
            _dev.check_distributions(xp, xp.reshape(j, (-1,)), "joint")
            return j
        if _dev.is_device_array(joint):
            raise invalid("joint", "a numpy array like the game's payoffs (no silent device copies)", _dev.describe(joint))
        j = as_real_array(joint, "joint", self.num_players, str(self.actions))
        if j.shape != self.actions:
            raise invalid("joint", f"an array of shape {self.actions}", f"shape {j.shape}")
        return j

    def _batched(self) -> Any:
        return _dev.namespace(self._payoffs).expand_dims(self._payoffs, axis=0)

    # -- metrics ---------------------------------------------------------------------------------
    def deviation_payoffs(self, profile: Sequence[Any], *, threads: int | None = None) -> list[Any]:
        """Each player's payoff per pure action against the others' mixed strategies:
        ``out[i][a] = u_i(a, π_{-i})``."""
        s = self._profile(profile)
        if self._device:
            dev = _gpu_tensor.deviation_payoffs(self._batched(), [p[None, ...] for p in s])
            return [d[0, ...] for d in dev]
        flat, _ = _core.tensor_deviation_payoffs(self._payoffs, np.concatenate(s), check_threads(threads))
        return [_frozen(part) for part in np.split(flat, np.cumsum(self.actions)[:-1])]

    def expected_payoffs(self, profile: Sequence[Any], *, threads: int | None = None) -> Any:
        """Each player's expected payoff ``u_i(π)``, shape ``(n,)``."""
        s = self._profile(profile)
        if self._device:
            xp = _dev.namespace(self._payoffs)
            dev = _gpu_tensor.deviation_payoffs(self._batched(), [p[None, ...] for p in s])
            return xp.stack([xp.sum(d[0, ...] * p) for d, p in zip(dev, s)])
        _, expected = _core.tensor_deviation_payoffs(self._payoffs, np.concatenate(s), check_threads(threads))
        return _frozen(expected)

    def nash_conv(self, profile: Sequence[Any], *, threads: int | None = None) -> float:
        """NashConv ``Σ_i max_a u_i(a, π_{-i}) - u_i(π)``: 0 exactly at a Nash equilibrium."""
        s = self._profile(profile)
        if self._device:
            return _dev.scalar(_gpu_tensor.nash_conv(self._batched(), [p[None, ...] for p in s])[0])
        return float(_core.tensor_nash_conv(self._payoffs, np.concatenate(s), check_threads(threads)))

    def cce_gap(self, joint: Any, *, threads: int | None = None) -> float:
        """Coarse-correlated-equilibrium gap of the joint distribution ``μ``:
        ``Σ_i max(0, max_a u_i(a, μ_{-i}) - u_i(μ))`` (equals the NashConv of the marginals
        when ``μ`` is a product distribution)."""
        j = self._joint(joint)
        if self._device:
            return _dev.scalar(_gpu_tensor.cce_gap(self._batched(), j[None, ...])[0])
        return float(_core.tensor_joint_gaps(self._payoffs, j.reshape(-1), False, check_threads(threads)))

    def ce_gap(self, joint: Any, *, threads: int | None = None) -> float:
        """Correlated-equilibrium gap: each player's gain from its best swap of recommended
        actions, ``Σ_i Σ_a max(0, max_b Σ_{s_{-i}} μ(a, s_{-i}) [u_i(b, s_{-i}) - u_i(a, s_{-i})])``
        (never below :meth:`cce_gap`)."""
        j = self._joint(joint)
        if self._device:
            return _dev.scalar(_gpu_tensor.ce_gap(self._batched(), j[None, ...])[0])
        return float(_core.tensor_joint_gaps(self._payoffs, j.reshape(-1), True, check_threads(threads)))


@dataclass(frozen=True, repr=False)
class TensorGameResult:
    """The outcome of :func:`solve_tensor_game` (arrays read-only; of the payoffs' kind and device).

    Attributes:
        strategies: the returned profile, one vector per player: the average of play (``rm``,
            ``rm+``, ``hedge``, ``optimistic-hedge``, ``fictitious-play``) or the last iterate
            (``replicator``, ``qre``, ``pikl``).
        last: the last iterate.
        joint: the empirical joint distribution of play ``(k_1, ..., k_n)`` when tracked.
        nash_conv: NashConv of ``strategies``.
        cce_gap: CCE gap of ``joint`` (None when not tracked).
        regularized_gap: ``qre`` / ``pikl``: ``Σ_i α KL(π_i ‖ softmax(log ρ_i + u_i / α))``, 0
            exactly at the regularized equilibrium (None for the other methods).
        iterations, converged, method, seconds: run statistics (``converged``: the exit measure,
            ``regularized_gap`` or ``nash_conv``, is ``<= tol``).
        trace: ``(k, 2)`` array of ``(iteration, exit measure)`` at iterations 1, 2, 4, 8, ...
    """

    strategies: list[Any]
    last: list[Any]
    joint: Any | None
    nash_conv: float
    cce_gap: float | None
    regularized_gap: float | None
    iterations: int
    converged: bool
    method: str
    seconds: float
    trace: Any = field(default_factory=lambda: np.zeros((0, 2)))

    def __repr__(self) -> str:
        extra = "" if self.cce_gap is None else f", cce_gap={self.cce_gap:.3e}"
        extra += "" if self.regularized_gap is None else f", regularized_gap={self.regularized_gap:.3e}"
        return (
            f"TensorGameResult(method={self.method!r}, players={len(self.strategies)}, "
            f"iterations={self.iterations}, nash_conv={self.nash_conv:.3e}{extra}, "
            f"converged={self.converged}, seconds={self.seconds:.3g})"
        )


@dataclass(frozen=True, repr=False)
class TensorGamesResult:
    """The outcome of :func:`solve_tensor_games`: per player ``(B, k_i)`` strategies, and per game
    ``(B,)`` ``nash_conv``, ``cce_gap`` / ``regularized_gap`` (or None), ``iterations``,
    ``converged``; ``joint`` ``(B, k_1, ..., k_n)`` when tracked."""

    strategies: list[Any]
    last: list[Any]
    joint: Any | None
    nash_conv: Any
    cce_gap: Any | None
    regularized_gap: Any | None
    iterations: Any
    converged: Any
    method: str
    seconds: float

    def __len__(self) -> int:
        return int(self.nash_conv.shape[0])

    def __repr__(self) -> str:
        return (
            f"TensorGamesResult(method={self.method!r}, games={len(self)}, "
            f"players={len(self.strategies)}, seconds={self.seconds:.3g})"
        )


def _settings(
    actions: tuple[int, ...],
    method: Any,
    iterations: Any,
    tol: Any,
    check_every: Any,
    step_size: Any,
    temperature: Any,
    joint: Any,
) -> tuple[str, int, float, int, float | None, float, bool]:
    if method not in TENSOR_METHODS:
        raise invalid("method", "one of " + ", ".join(repr(m) for m in TENSOR_METHODS), repr(method))
    its = check_positive_int("iterations", iterations)
    tol_ = check_nonnegative_float("tol", tol)
    every = check_positive_int("check_every", check_every)
    step = None
    if step_size is not None:
        step = check_nonnegative_float("step_size", step_size)
        if step == 0:
            raise invalid("step_size", "None or a finite number > 0", repr(step_size))
    temp = check_nonnegative_float("temperature", temperature)
    if temp == 0 and method == "qre":
        raise invalid("temperature", "a finite number > 0", repr(temperature))
    if joint is None:
        track = math.prod(actions) <= _JOINT_DEFAULT_LIMIT and method not in ("qre", "pikl")
    elif isinstance(joint, bool):
        track = joint
    else:
        raise invalid("joint", "None or a bool", repr(joint))
    return method, its, tol_, every, step, temp, track


def _references_numpy(reference: Any, actions: tuple[int, ...], batched: bool) -> np.ndarray | None:
    if reference is None:
        return None
    from .qre import _reference

    parts = list(reference)
    if len(parts) != len(actions):
        raise invalid("reference", f"one distribution per player ({len(actions)})", f"{len(parts)} distributions")
    if batched:
        raise invalid("reference", "None for a batch (per-player references apply to single games)", "references")
    return np.concatenate([_reference(r, (k,), f"reference[{i}]") for i, (r, k) in enumerate(zip(parts, actions))])


def solve_tensor_game(
    game: TensorGame | Any,
    method: TensorMethod = "rm+",
    iterations: int = 1000,
    tol: float = 0.0,
    *,
    step_size: float | None = None,
    temperature: float = 0.1,
    reference: Sequence[Any] | None = None,
    joint: bool | None = None,
    check_every: int = 10,
    threads: int | None = None,
    progress: ProgressArg = False,
) -> TensorGameResult:
    """Runs learning dynamics on an n-player game (a :class:`TensorGame` or its payoffs).

    Args:
        method: ``"rm"`` / ``"rm+"`` (regret matching / RM+), ``"hedge"`` (step
            ``sqrt(8 ln k / T) / range``), ``"optimistic-hedge"`` (step ``0.3 / max|u|``): no-regret
            dynamics whose empirical joint distribution of play approaches the coarse correlated
            equilibria; the result reports its CCE gap and the NashConv of its marginals (the
            average strategies). ``"fictitious-play"`` (best responses to the empirical averages),
            ``"replicator"`` (discrete replicator dynamics, last iterate), ``"qre"`` (logit QRE at
            ``temperature`` by n-player Magnetic Mirror Descent, certificate: the regularized gap;
            it converges on two-player zero-sum games, the gap tells elsewhere), ``"pikl"``
            (piKL-Hedge with anchors ``reference`` and strength ``λ = temperature``, see
            :func:`equilibria.pikl_hedge`).
        iterations: the iteration cap ``T``.
        tol: stop once the exit measure (``regularized_gap`` for ``qre``, else the NashConv of the
            returned profile, checked every ``check_every`` iterations) is ``<= tol``; ``0`` runs all.
        step_size: overrides the method's default step (``hedge``, ``optimistic-hedge``,
            ``replicator``, ``qre``'s ``η``, ``pikl``'s ``η``).
        temperature: ``α > 0`` of ``qre``, ``λ >= 0`` of ``pikl``.
        reference: references (``qre``) or anchors (``pikl``): one strictly positive distribution
            per player; ``None`` is uniform.
        joint: track the empirical joint distribution of play (``Π k`` numbers): default when it
            has at most 2**20 entries (never for ``qre`` / ``pikl``).
        threads, progress: as :func:`equilibria.solve_matrix_game` (``threads`` ignored on device).
    """
    g = game if isinstance(game, TensorGame) else TensorGame(game)
    method, its, tol_, every, step, temp, track = _settings(g.actions, method, iterations, tol, check_every, step_size, temperature, joint)
    threads = check_threads(threads)
    start = time.perf_counter()
    if g.on_device:
        out = _device_solve(g.payoffs, True, method, its, tol_, every, step, temp, reference, track, progress)
        xp = _dev.namespace(g.payoffs)
        first = lambda v: None if v is None else _dev.scalar(v[0])  # noqa: E731
        trace = out["trace"]
        trace_arr = xp.stack(
            [xp.asarray([float(t) for t, _ in trace], dtype=g.payoffs.dtype, device=_dev.array_api_compat.device(g.payoffs)), xp.stack([v[0] for _, v in trace])],
            axis=1,
        )
        return TensorGameResult(
            strategies=[s[0, ...] for s in out["strategies"]],
            last=[s[0, ...] for s in out["last"]],
            joint=None if out["joint"] is None else out["joint"][0, ...],
            nash_conv=first(out["nash_conv"]),
            cce_gap=first(out["cce_gap"]),
            regularized_gap=first(out["regularized_gap"]),
            iterations=int(out["iterations"][0]),
            converged=bool(out["converged"][0]),
            method=method,
            seconds=time.perf_counter() - start,
            trace=trace_arr,
        )
    refs = _references_numpy(reference, g.actions, False)
    with progress_reporter(progress, f"equilibria {method}") as callback:
        r = _core.solve_tensor_game(g.payoffs, method, its, tol_, every, step, temp, refs, track, threads, callback)
    return _single_result(r, g.actions, method, time.perf_counter() - start)


def _split(flat: np.ndarray, actions: tuple[int, ...]) -> list[np.ndarray]:
    return [_frozen(np.ascontiguousarray(p)) for p in np.split(flat, np.cumsum(actions)[:-1], axis=-1)]


def _single_result(r: dict[str, Any], actions: tuple[int, ...], method: str, seconds: float) -> TensorGameResult:
    trace = np.column_stack([r["trace_iterations"].astype(np.float64), r["trace_values"]])
    return TensorGameResult(
        strategies=_split(r["strategies"], actions),
        last=_split(r["last"], actions),
        joint=None if r["joint"] is None else _frozen(r["joint"].reshape(actions)),
        nash_conv=float(r["nash_conv"]),
        cce_gap=None if r["cce_gap"] is None else float(r["cce_gap"]),
        regularized_gap=None if r["regularized_gap"] is None else float(r["regularized_gap"]),
        iterations=int(r["iterations"]),
        converged=bool(r["converged"]),
        method=method,
        seconds=seconds,
        trace=_frozen(trace),
    )


def _device_solve(
    payoffs: Any,
    single: bool,
    method: str,
    its: int,
    tol: float,
    every: int,
    step: float | None,
    temp: float,
    reference: Any,
    track: bool,
    progress: ProgressArg,
) -> dict[str, Any]:
    if method not in _gpu_tensor.DEVICE_METHODS:
        raise NotImplementedOnDeviceError(
            f"method={method!r} has no GPU (Array-API) implementation (device methods: "
            f"{', '.join(_gpu_tensor.DEVICE_METHODS)}); pass numpy payoffs to run it in the Rust core"
        )
    xp = _dev.namespace(payoffs)
    u = xp.expand_dims(payoffs, axis=0) if single else payoffs
    refs = None
    if reference is not None:
        if not single:
            raise invalid("reference", "None for a batch (per-player references apply to single games)", "references")
        parts = list(reference)
        actions = tuple(payoffs.shape[1:])
        if len(parts) != len(actions):
            raise invalid("reference", f"one distribution per player ({len(actions)})", f"{len(parts)} distributions")
        refs = []
        for i, (r, k) in enumerate(zip(parts, actions)):
            r = _dev.same_place(payoffs, r, f"reference[{i}]")
            if tuple(r.shape) != (k,):
                raise invalid(f"reference[{i}]", f"a vector of length {k}", f"shape {tuple(r.shape)}")
            _dev.check_distributions(xp, r, f"reference[{i}]", positive=True)
            refs.append(r[None, ...])
    with progress_reporter(progress, f"equilibria {method} (device)") as callback:
        return _gpu_tensor.solve(u, method, its, tol, every, step, temp, refs, track, callback)


def solve_tensor_games(
    payoffs: Any,
    method: TensorMethod = "rm+",
    iterations: int = 1000,
    tol: float = 0.0,
    *,
    step_size: float | None = None,
    temperature: float = 0.1,
    joint: bool | None = None,
    check_every: int = 10,
    threads: int | None = None,
    progress: ProgressArg = False,
) -> TensorGamesResult:
    """:func:`solve_tensor_game` on a batch ``(B, n, k_1, ..., k_n)`` of games, in parallel over
    games (uniform references); each game's answer is the one it gets alone."""
    pay = _check_payoffs(payoffs, batched=True)
    actions = tuple(int(k) for k in pay.shape[2:])
    method, its, tol_, every, step, temp, track = _settings(actions, method, iterations, tol, check_every, step_size, temperature, joint)
    threads = check_threads(threads)
    start = time.perf_counter()
    if _dev.is_device_array(pay):
        out = _device_solve(pay, False, method, its, tol_, every, step, temp, None, track, progress)
        return TensorGamesResult(
            strategies=out["strategies"],
            last=out["last"],
            joint=out["joint"],
            nash_conv=out["nash_conv"],
            cce_gap=out["cce_gap"],
            regularized_gap=out["regularized_gap"],
            iterations=out["iterations"],
            converged=out["converged"],
            method=method,
            seconds=time.perf_counter() - start,
        )
    with progress_reporter(progress, f"equilibria {method} batch") as callback:
        rs = _core.solve_tensor_games(pay, method, its, tol_, every, step, temp, None, track, threads, callback)
    stack = lambda key: np.stack([r[key] for r in rs])  # noqa: E731
    optional = lambda key: None if rs[0][key] is None else _frozen(stack(key).astype(np.float64))  # noqa: E731
    return TensorGamesResult(
        strategies=_split(stack("strategies"), actions),
        last=_split(stack("last"), actions),
        joint=None if rs[0]["joint"] is None else _frozen(stack("joint").reshape((len(rs), *actions))),
        nash_conv=_frozen(stack("nash_conv").astype(np.float64)),
        cce_gap=optional("cce_gap"),
        regularized_gap=optional("regularized_gap"),
        iterations=_frozen(stack("iterations").astype(np.int64)),
        converged=_frozen(stack("converged").astype(bool)),
        method=method,
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True, repr=False)
class CorrelatedEquilibrium:
    """A correlated (``kind="ce"``) or coarse correlated (``kind="cce"``) equilibrium found by LP.

    Attributes:
        joint: the distribution over pure profiles, shape ``(k_1, ..., k_n)``.
        welfare: ``Σ_i u_i(μ)``.
        payoffs: ``(n,)`` expected payoffs.
        gap: the CE or CCE gap of ``joint`` recomputed from it (the certificate; round-off level).
        kind, objective: what was solved.
    """

    joint: np.ndarray
    welfare: float
    payoffs: np.ndarray
    gap: float
    kind: str
    objective: str

    def __repr__(self) -> str:
        return f"CorrelatedEquilibrium(kind={self.kind!r}, objective={self.objective!r}, welfare={self.welfare:.10g}, gap={self.gap:.3e})"


def _incentive_rows(u: np.ndarray, i: int, kind: str) -> np.ndarray:
    """Rows ``g`` with ``g · μ <= 0`` for player ``i`` (``u`` its ``(k_1..k_n)`` tensor)."""
    k = u.shape[i]
    ui = np.moveaxis(u, i, 0).reshape(k, -1)  # (k, rest)
    size = ui.size
    rows = []
    if kind == "cce":
        for b in range(k):
            # Σ_s μ(s) [u_i(b, s_-i) - u_i(s)]
            g = np.broadcast_to(ui[b], (k, ui.shape[1])) - ui
            rows.append(np.moveaxis(g.reshape(np.moveaxis(u, i, 0).shape), 0, i).reshape(size))
    else:
        for a in range(k):
            for b in range(k):
                if a == b:
                    continue
                g = np.zeros_like(ui)
                g[a] = ui[b] - ui[a]
                rows.append(np.moveaxis(g.reshape(np.moveaxis(u, i, 0).shape), 0, i).reshape(size))
    return np.array(rows)


def correlated_equilibrium(
    game: TensorGame | Any,
    kind: Literal["ce", "cce"] = "ce",
    objective: Literal["welfare", "feasible"] = "welfare",
) -> CorrelatedEquilibrium:
    """A (coarse) correlated equilibrium of a small game by linear programming (HiGHS).

    Variables: ``μ >= 0`` over the ``Π k_i`` pure profiles with ``Σ μ = 1``; constraints: no
    player gains by a swap ``a → b`` of a recommended action (``kind="ce"``, ``Σ_i k_i (k_i - 1)``
    rows) or by committing to a fixed action (``kind="cce"``, ``Σ_i k_i`` rows).
    ``objective="welfare"`` maximizes ``Σ_i u_i(μ)``; ``"feasible"`` returns any solution.
    Dense constraints: meant for games with up to some tens of thousands of profiles.
    """
    g = game if isinstance(game, TensorGame) else TensorGame(game)
    if g.on_device:
        raise NotImplementedOnDeviceError("correlated_equilibrium (an LP on the host) has no GPU implementation; pass numpy payoffs")
    if kind not in ("ce", "cce"):
        raise invalid("kind", "'ce' or 'cce'", repr(kind))
    if objective not in ("welfare", "feasible"):
        raise invalid("objective", "'welfare' or 'feasible'", repr(objective))
    import highspy

    from ._lp import _silenced_stdout

    u = g.payoffs
    size = math.prod(g.actions)
    a_ub = np.vstack([_incentive_rows(u[i], i, kind) for i in range(g.num_players)])
    welfare = u.reshape(g.num_players, size).sum(axis=0)
    cost = -welfare if objective == "welfare" else np.zeros(size)
    inf = highspy.kHighsInf
    rows = np.vstack([a_ub, np.ones((1, size))])
    lp = highspy.HighsLp()
    lp.num_col_ = size
    lp.num_row_ = rows.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(size)
    lp.col_upper_ = np.full(size, inf)
    lp.row_lower_ = np.r_[np.full(a_ub.shape[0], -inf), 1.0]
    lp.row_upper_ = np.r_[np.zeros(a_ub.shape[0]), 1.0]
    nz = rows != 0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.r_[0, np.cumsum(nz.sum(axis=1))].astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nz)[1].astype(np.int32)
    lp.a_matrix_.value_ = rows[nz]
    with _silenced_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.solve()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise NumericalError(f"HiGHS did not reach optimality: {h.modelStatusToString(status)}")
    mu = np.clip(np.asarray(h.getSolution().col_value), 0.0, None)
    mu = (mu / mu.sum()).reshape(g.actions)
    gap = g.ce_gap(mu) if kind == "ce" else g.cce_gap(mu)
    pay = np.array([float((u[i] * mu).sum()) for i in range(g.num_players)])
    return CorrelatedEquilibrium(
        joint=_frozen(mu),
        welfare=float(pay.sum()),
        payoffs=_frozen(pay),
        gap=float(gap),
        kind=kind,
        objective=objective,
    )
