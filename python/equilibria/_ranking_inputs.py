"""EQUILIBRIUM-RANKING's input checks, written once against the Array API: the host path runs them
on numpy arrays (``array_api_compat.numpy``), the device path on torch / cupy / strict arrays on
their device. Only verdicts (and, on the error path, the first offending index) come back to the
host."""

from __future__ import annotations

from typing import Any

import array_api_compat

from ._runtime import invalid

__all__ = ["RankingInputs", "check_ranking_inputs"]

RankingInputs = tuple[Any, Any, Any, bool]


def _first_true(xp: Any, flags: Any) -> tuple[int, ...] | None:
    """The row-major index of the first ``True`` in ``flags``, or ``None``."""
    flat = xp.reshape(flags, (-1,))
    if not bool(xp.any(flat)):
        return None
    i = int(xp.argmax(xp.astype(flat, xp.int32)))  # first maximum
    index = []
    for extent in reversed(tuple(flags.shape)):
        index.append(i % extent)
        i //= extent
    return tuple(reversed(index))


def _question(index: tuple[int, ...], batched: bool, what: str) -> str:
    """``"<what> of question q"`` for a batch, ``"<what>"`` for one question."""
    return f"{what} of question {index[0]}" if batched else what


def _check_entries(xp: Any, name: str, arr: Any, real: Any, batched: bool) -> None:
    """Finite and non-negative where ``real`` (a mask broadcastable to ``arr``)."""
    bad = real & ~(xp.isfinite(arr) & (arr >= 0))
    index = _first_true(xp, bad)
    if index is not None:
        where = index if batched else index[1:]
        value = float(arr[index])
        raise invalid(name, "finite, non-negative probabilities", f"{value} at index {where}")


def check_ranking_inputs(xp: Any, gen: Any, disc: Any, mask: Any | None) -> RankingInputs:
    """Checks ``p_gen`` ``(2, K)`` / ``(B, 2, K)``, ``p_disc`` ``(K, 2)`` / ``(B, K, 2)`` (real
    numeric arrays of namespace ``xp``) and the optional boolean ``mask`` ``(K,)`` / ``(B, K)``.
    Returns ``(gen (B, 2, K), disc (B, K, 2), real (B, K), batched)``; raises
    :class:`InvalidInputError` naming the argument (and the question and row when batched)."""
    if gen.ndim not in (2, 3) or gen.shape[-2] != 2:
        raise invalid("p_gen", "an array of shape (2, K) or (B, 2, K)", f"shape {tuple(gen.shape)}")
    batched = gen.ndim == 3
    b, k = (gen.shape[0] if batched else 1), gen.shape[-1]
    want = (b, k, 2) if batched else (k, 2)
    if tuple(disc.shape) != want:
        raise invalid("p_disc", f"an array of shape {want} to match p_gen {tuple(gen.shape)}", f"shape {tuple(disc.shape)}")
    if b == 0 or k == 0:
        raise invalid("p_gen", "at least one question and one candidate", f"shape {tuple(gen.shape)}")
    gen, disc = xp.reshape(gen, (b, 2, k)), xp.reshape(disc, (b, k, 2))
    if mask is None:
        real = xp.ones((b, k), dtype=xp.bool, device=array_api_compat.device(gen))
    else:
        if mask.dtype != xp.bool:
            raise invalid("mask", "a boolean array", f"dtype {mask.dtype}")
        if tuple(mask.shape) == (k,):
            real = xp.broadcast_to(mask[None, :], (b, k))
        elif batched and tuple(mask.shape) == (b, k):
            real = mask
        else:
            allowed = f"({k},) or ({b}, {k})" if batched else f"({k},)"
            raise invalid("mask", f"a boolean array of shape {allowed}", f"shape {tuple(mask.shape)}")
        empty = _first_true(xp, ~xp.any(real, axis=1))
        if empty is not None:
            where = f"question {empty[0]}" if batched else "the question"
            raise invalid("mask", "at least one real candidate per question", f"none in {where}")
    _check_entries(xp, "p_gen", gen, real[:, None, :], batched)
    _check_entries(xp, "p_disc", disc, real[:, :, None], batched)
    # Padding is never read: rows are judged on the real candidates only.
    zero = xp.zeros_like(gen)
    row = _first_true(xp, ~xp.any(xp.where(real[:, None, :], gen, zero) > 0, axis=2))
    if row is not None:
        raise invalid("p_gen", "rows with a positive entry among the real candidates", f"{_question(row, batched, f'row {row[1]}')} all zero")
    row = _first_true(xp, real & ~xp.any(xp.where(real[:, :, None], disc, xp.zeros_like(disc)) > 0, axis=2))
    if row is not None:
        raise invalid("p_disc", "rows with a positive entry", f"{_question(row, batched, f'row {row[1]}')} all zero")
    return gen, disc, real, batched
