"""The one hook the public solvers call to send device arrays down the Array-API path.

``device_call(name, *arrays, **options)`` returns ``None`` when every array argument is a numpy
array or not an array at all (the caller goes on to its Rust path, unchanged), and otherwise runs
the Array-API implementation of ``name`` on the arrays' device and returns the caller's usual
result type, with array fields of the input's kind on its device (scalar certificates as Python
floats). It never copies data between devices: mixing a device array with a numpy array, or
arrays on two devices, is an :class:`~equilibria.InvalidInputError`, and an option the device
path does not implement (a matrix-game method other than PRM+, a function without a device path) raises
:class:`NotImplementedOnDeviceError` saying how to run it on the host.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from .._runtime import EquilibriaError, invalid, progress_reporter
from . import matrix as _matrix
from . import qre as _qre
from . import ranking as _ranking
from ._namespace import as_device_real, check_distributions, describe, is_device_array, namespace, same_place, scalar

__all__ = ["device_call", "NotImplementedOnDeviceError", "DEVICE_FUNCTIONS"]


class NotImplementedOnDeviceError(EquilibriaError, NotImplementedError):
    """The requested computation has no Array-API (GPU) implementation; convert the inputs to
    numpy explicitly (for torch ``t.cpu().numpy()``, for cupy ``cupy.asnumpy(a)``) to run it in the
    Rust core."""


def _unsupported(what: str) -> NotImplementedOnDeviceError:
    return NotImplementedOnDeviceError(
        f"{what} has no GPU (Array-API) implementation; pass numpy arrays (for torch "
        "t.cpu().numpy(), for cupy cupy.asnumpy(a)) to run it in the Rust core"
    )


def _check_common(options: dict[str, Any], allowed_methods: tuple[str, ...], default: str) -> str:
    method = options.get("method", default)
    if method not in allowed_methods:
        raise _unsupported(f"method={method!r} on device arrays (device methods: {', '.join(allowed_methods)})")
    return method


def _matrix_game(A: Any, **options: Any) -> Any:
    from ..normal_form import MatrixGameResult

    a = as_device_real(A, "A", 2, "(m, n)")
    _check_common(options, ("prm+",), "prm+")
    out, seconds = _run_prm_plus(namespace(a).expand_dims(a, axis=0), options)
    x, y = out["x"][0, ...], out["y"][0, ...]
    xp = namespace(a)
    gap = scalar(out["gap"][0])
    tol = float(options.get("tol", 1e-6))
    return MatrixGameResult(
        x=x,
        y=y,
        value=scalar(xp.sum(x * (a @ y))),
        gap=gap,
        iterations=int(out["iterations"][0]),
        method="prm+",
        converged=gap <= tol,
        polished=False,
        trace=_trace_array(xp, a, out["trace"]),
        seconds=seconds,
    )


def _matrix_games(A: Any, **options: Any) -> Any:
    from ..normal_form import MatrixGamesResult

    a = as_device_real(A, "A", 3, "(B, m, n)")
    _check_common(options, ("prm+",), "exact")
    out, seconds = _run_prm_plus(a, options)
    xp = namespace(a)
    tol = float(options.get("tol", 1e-6))
    value = xp.sum(out["x"] * (a @ out["y"][..., None])[..., 0], axis=-1)
    return MatrixGamesResult(
        x=out["x"],
        y=out["y"],
        value=value,
        gap=out["gap"],
        iterations=out["iterations"],
        converged=out["gap"] <= tol,
        method="prm+",
        seconds=seconds,
    )


def _trace_array(xp: Any, a: Any, trace: list[tuple[int, Any]]) -> Any:
    """``(k, 2)`` array of ``(iteration, gap)`` of game 0, on ``a``'s device."""
    if not trace:
        return xp.zeros((0, 2), dtype=a.dtype, device=_dev(a))
    its = xp.asarray([float(t) for t, _ in trace], dtype=a.dtype, device=_dev(a))
    gaps = xp.stack([g[0] for _, g in trace])
    return xp.stack([its, gaps], axis=1)


def _dev(a: Any) -> Any:
    import array_api_compat

    return array_api_compat.device(a)


def _run_prm_plus(a: Any, options: dict[str, Any]) -> tuple[dict[str, Any], float]:
    tol = float(options.get("tol", 1e-6))
    max_iters = int(options.get("max_iters") or 100_000)
    check_every = int(options.get("check_every") or 10)
    start = time.perf_counter()
    with progress_reporter(options.get("progress", False), "equilibria prm+ (device)") as callback:
        out = _matrix.prm_plus(a, tol, max_iters, check_every, callback)
    return out, time.perf_counter() - start


def _references(a: Any, reference: Any, batched: bool) -> tuple[Any, Any]:
    if reference is None:
        return None, None
    try:
        rx, ry = reference
    except (TypeError, ValueError):
        raise invalid("reference", "None or a pair (reference_x, reference_y)", type(reference).__name__) from None
    xp = namespace(a)
    out = []
    for name, r, k in (("reference_x", rx, a.shape[-2]), ("reference_y", ry, a.shape[-1])):
        r = same_place(a, r, name)
        want = (a.shape[0], k) if batched else (k,)
        if tuple(r.shape) != want:
            raise invalid(name, f"shape {want}", f"shape {tuple(r.shape)}")
        check_distributions(xp, r, name, positive=True)
        out.append(r if batched else xp.expand_dims(r, axis=0))
    return out[0], out[1]


def _run_mmd(a: Any, batched: bool, temperature: Any, reference: Any, options: dict[str, Any]) -> tuple[dict[str, Any], float, float]:
    from ..qre import _mmd_settings, _temperature

    alpha = _temperature(temperature)
    tol, max_iters, step_size, schedule, magnet_rate, _ = _mmd_settings(
        options.get("method", "mmd"),
        options.get("tol", 1e-10),
        options.get("max_iters"),
        options.get("step_size"),
        options.get("schedule", "fixed"),
        options.get("magnet_rate", 0.05),
        options.get("threads"),
    )
    rx, ry = _references(a, reference, batched)
    aa = a if batched else namespace(a).expand_dims(a, axis=0)
    start = time.perf_counter()
    with progress_reporter(options.get("progress", False), "equilibria qre (device)") as callback:
        out = _qre.mmd(aa, alpha, rx, ry, tol, max_iters, step_size, callback, schedule, magnet_rate)
    return out, alpha, time.perf_counter() - start


def _solve_qre(A: Any, temperature: Any, reference: Any = None, **options: Any) -> Any:
    from ..qre import QreResult

    a = as_device_real(A, "A", 2, "(m, n)")
    out, alpha, seconds = _run_mmd(a, False, temperature, reference, options)
    return QreResult(
        x=out["x"][0, ...],
        y=out["y"][0, ...],
        temperature=alpha,
        gap=scalar(out["gap"][0]),
        distance_bound=scalar(out["distance_bound"][0]),
        residual=scalar(out["residual"][0]),
        value=scalar(out["value"][0]),
        nash_gap=scalar(out["nash_gap"][0]),
        iterations=int(out["iterations"][0]),
        converged=bool(out["converged"][0]),
        seconds=seconds,
        trace=[(t, scalar(g[0])) for t, g in out["trace"]],
    )


def _solve_qre_batch(A: Any, temperature: Any, reference: Any = None, **options: Any) -> Any:
    from ..qre import QreBatchResult

    a = as_device_real(A, "A", 3, "(B, m, n)")
    out, alpha, seconds = _run_mmd(a, True, temperature, reference, options)
    return QreBatchResult(
        x=out["x"],
        y=out["y"],
        temperature=alpha,
        gap=out["gap"],
        residual=out["residual"],
        nash_gap=out["nash_gap"],
        iterations=out["iterations"],
        seconds=seconds,
    )


def _equilibrium_ranking(p_gen: Any, p_disc: Any, mask: Any = None, **options: Any) -> Any:
    from .._ranking_inputs import check_ranking_inputs
    from ..ranking import RankingResult, dynamics_settings

    gen = as_device_real(p_gen, "p_gen", None, "(2, K) or (B, 2, K)", finite=False)
    xp = namespace(gen)
    disc = same_place(gen, p_disc, "p_disc")
    if mask is not None and (not is_device_array(mask) or _dev(mask) != _dev(gen)):
        raise invalid("mask", "a boolean array on the inputs' device (no silent device copies)", describe(mask))
    gen, disc, real, batched = check_ranking_inputs(xp, gen, disc, mask)
    lg, ld, eg, ed, its = dynamics_settings(
        options.get("lambda_g", 0.1),
        options.get("lambda_d", 0.1),
        options.get("eta_g", 0.1),
        options.get("eta_d", 0.1),
        options.get("iterations", 5000),
    )
    start = time.perf_counter()
    with progress_reporter(options.get("progress", False), "equilibrium ranking (device)") as callback:
        out = _ranking.equilibrium_ranking(gen, disc, real, lg, ld, eg, ed, its, callback)
    fields = {
        "pi_gen": out["pi_gen"],
        "pi_disc": out["pi_disc"],
        "score_gen": out["pi_gen"][:, 0, :],
        "score_disc": out["pi_disc"][:, :, 0],
        "ranking_gen": out["ranking_gen"],
        "ranking_disc": out["ranking_disc"],
        "anchor_gen": out["anchor_gen"],
        "anchor_disc": out["anchor_disc"],
    }
    if not batched:
        fields = {name: a[0, ...] for name, a in fields.items()}
    return RankingResult(
        **fields,
        residual=out["residual"] if batched else scalar(out["residual"][0]),
        iterations=its,
        seconds=time.perf_counter() - start,
    )


#: The public functions with a device path, by name.
DEVICE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "solve_matrix_game": _matrix_game,
    "solve_matrix_games": _matrix_games,
    "solve_qre": _solve_qre,
    "solve_qre_batch": _solve_qre_batch,
    "equilibrium_ranking": _equilibrium_ranking,
}


def device_call(name: str, *arrays: Any, **options: Any) -> Any | None:
    """Runs public function ``name`` on the Array-API path when any of ``arrays`` (its array
    arguments, in the public signature's order) is a device array; returns ``None`` otherwise.

    Options the device path has no use for (``threads``; ``polish``, which needs the host's exact
    simplex) are accepted and ignored: the result says ``polished=False``.
    """
    if not any(is_device_array(a) for a in arrays if a is not None):
        return None
    if name not in DEVICE_FUNCTIONS:
        raise _unsupported(name)
    first = arrays[0]
    if not is_device_array(first):
        raise invalid("arguments", "arrays of one kind on one device (no silent device copies)", "a mix of numpy and device arrays")
    return DEVICE_FUNCTIONS[name](*arrays, **options)
