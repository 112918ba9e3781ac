"""Linear programs through HiGHS (``highspy``): the one real LP solver the Python layer uses."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import numpy as np

from ._runtime import NumericalError

__all__ = ["solve_zero_sum_lp"]


def solve_zero_sum_lp(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Exact equilibrium of the zero-sum game ``a`` (row maximizes ``x^T a y``) by HiGHS.

    LP: maximize ``v`` s.t. ``a^T x >= v 1``, ``1^T x = 1``, ``x >= 0``. The column strategy is
    the dual of the ``n`` inequality rows (non-negative and summing to one at optimality, since
    the reduced cost of the free variable ``v`` is zero). Returns ``(x, y, simplex_iterations)``.
    Ctrl-C interrupts the solve (``HandleKeyboardInterrupt``).
    """
    import highspy

    m, n = a.shape
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = m + 1
    lp.num_row_ = n + 1
    lp.col_cost_ = np.r_[np.zeros(m), -1.0]
    lp.col_lower_ = np.r_[np.zeros(m), -inf]
    lp.col_upper_ = np.full(m + 1, inf)
    lp.row_lower_ = np.r_[np.zeros(n), 1.0]
    lp.row_upper_ = np.r_[np.full(n, inf), 1.0]
    # Column-wise matrix: column i (x_i) holds a[i, :] in rows 0..n-1 and 1 in row n;
    # column m (v) holds -1 in rows 0..n-1.
    starts = np.r_[np.arange(m + 1) * (n + 1), m * (n + 1) + n].astype(np.int32)
    index = np.r_[np.tile(np.arange(n + 1), m), np.arange(n)].astype(np.int32)
    values = np.r_[np.c_[a, np.ones(m)].ravel(), -np.ones(n)]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = values
    with _silenced_stdout():
        h = highspy.Highs()  # prints a banner on construction
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.HandleKeyboardInterrupt = True
    h.solve()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise NumericalError(f"HiGHS did not reach optimality: {h.modelStatusToString(status)}")
    sol = h.getSolution()
    x = _clean(np.asarray(sol.col_value[:m]))
    y = _clean(np.asarray(sol.row_dual[:n]))
    return x, y, int(h.getInfo().simplex_iteration_count)


def _clean(p: np.ndarray) -> np.ndarray:
    """Clips round-off negatives and renormalizes to a probability vector."""
    p = np.clip(p, 0.0, None)
    total = p.sum()
    if not total > 0:
        raise NumericalError("HiGHS returned an all-zero strategy")
    return np.ascontiguousarray(p / total)


@contextlib.contextmanager
def _silenced_stdout() -> Iterator[None]:
    """Sends file descriptor 1 to /dev/null (HiGHS writes its banner from C++)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
