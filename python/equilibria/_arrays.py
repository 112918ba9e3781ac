"""Validation and conversion of array arguments (numpy in, C-contiguous float64 out)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._runtime import invalid

__all__ = ["as_real_array", "as_distribution"]


def as_real_array(value: Any, name: str, ndim: int, shape_doc: str, allow_empty: bool = False) -> np.ndarray:
    """Returns ``value`` as a C-contiguous float64 array of ``ndim`` dimensions (no copy when it
    already is one), rejecting non-numeric dtypes, booleans, empty axes (unless ``allow_empty``:
    e.g. the strategy of a game without decisions) and NaN/inf entries."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise invalid(name, f"an array of shape {shape_doc}", f"an object numpy cannot convert ({exc})") from None
    if arr.dtype.kind not in "iuf":
        raise invalid(name, "a real numeric array (integer or float dtype)", f"dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise invalid(name, f"a {ndim}-D array of shape {shape_doc}", f"{arr.ndim}-D array of shape {arr.shape}")
    if 0 in arr.shape and not allow_empty:
        raise invalid(name, f"a non-empty array of shape {shape_doc}", f"shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        where = index[0] if len(index) == 1 else index
        raise invalid(name, "finite entries", f"{arr[index]} at index {where}")
    return arr


def as_distribution(value: Any, name: str, length: int, atol: float = 1e-9) -> np.ndarray:
    """Returns ``value`` as a float64 probability vector of ``length`` entries (non-negative,
    summing to 1 within ``atol``)."""
    arr = as_real_array(value, name, 1, f"({length},)")
    if arr.shape[0] != length:
        raise invalid(name, f"a vector of length {length}", f"length {arr.shape[0]}")
    if (arr < 0).any():
        i = int(np.argmax(arr < 0))
        raise invalid(name, "non-negative probabilities", f"{arr[i]} at index {i}")
    total = float(arr.sum())
    if abs(total - 1.0) > atol:
        raise invalid(name, "probabilities summing to 1", f"sum {total!r}")
    return arr
