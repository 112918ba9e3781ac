"""The LP benchmarks of online matching with stochastic rewards, on one small HiGHS wrapper.

- :func:`matching_lp`: the matching (budgeted-allocation) LP of Mehta and Panigrahi;
- :func:`configuration_lp`: Huang and Zhang's configuration LP (STOC 2020, §2.2) by column
  generation (pricing in Rust) or full enumeration;
- :func:`stochastic_configuration_lp`: the stochastic configuration LP *as reconstructed in the
  project notes* (see its docstring), by column generation, enumeration, or its compact
  arrival-order form.

Every model is ``max c^T x`` over ``x >= 0`` with rows ``lower <= A x <= upper``, built and
re-solved through :class:`_Lp` (HiGHS dual simplex through ``highspy``; columns added between
solves keep the basis, so each column-generation round is a warm start).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from ._lp import _silenced_stdout
from ._runtime import NumericalError, check_threads, invalid

if TYPE_CHECKING:
    from .matching import Instance

__all__ = [
    "MatchingLp",
    "matching_lp",
    "ConfigurationLp",
    "configuration_lp",
    "stochastic_configuration_lp",
]

#: Default cap on the number of columns :func:`configuration_lp` ``method="enumerate"`` builds.
ENUMERATION_LIMIT = 200_000


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _check_instance(instance: Any) -> Instance:
    from .matching import Instance

    if not isinstance(instance, Instance):
        raise invalid("instance", "a matching.Instance", type(instance).__name__)
    return instance


class _Lp:
    """One HiGHS model ``max c^T x`` s.t. ``lower <= A x <= upper``, ``x >= 0``, whose columns
    arrive in batches (:meth:`add_columns`) between solves (:meth:`solve`)."""

    def __init__(self, row_lower: np.ndarray, row_upper: np.ndarray) -> None:
        import highspy

        self._hs = highspy
        with _silenced_stdout():
            self._h = highspy.Highs()  # prints a banner on construction
        h = self._h
        h.setOptionValue("output_flag", False)
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
        h.HandleKeyboardInterrupt = True
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        n = len(row_lower)
        h.addRows(n, np.asarray(row_lower, float), np.asarray(row_upper, float), 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.num_rows = n
        self.num_cols = 0

    def add_columns(self, cost: np.ndarray, start: np.ndarray, index: np.ndarray, value: np.ndarray) -> None:
        """Adds ``len(cost)`` columns given column-wise (``start`` offsets into ``index`` /
        ``value``, without the final offset)."""
        k = len(cost)
        if k == 0:
            return
        self._h.addCols(
            k,
            np.asarray(cost, float),
            np.zeros(k),
            np.full(k, self._hs.kHighsInf),
            len(index),
            np.asarray(start, np.int32),
            np.asarray(index, np.int32),
            np.asarray(value, float),
        )
        self.num_cols += k

    @classmethod
    def from_triplets(
        cls, row_lower: np.ndarray, row_upper: np.ndarray, cost: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray
    ) -> _Lp:
        """A model from the entries ``A[rows[i], cols[i]] = vals[i]``."""
        lp = cls(row_lower, row_upper)
        order = np.argsort(cols, kind="stable")
        counts = np.bincount(cols, minlength=len(cost))
        start = np.r_[0, np.cumsum(counts)[:-1]]
        lp.add_columns(cost, start, rows[order], vals[order])
        return lp

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """Solves (warm after the first call); returns ``(value, x, y)`` with ``y`` the row duals
        in the maximization sign (``y >= 0`` on ``<=`` rows)."""
        h = self._h
        h.run()
        status = h.getModelStatus()
        if status != self._hs.HighsModelStatus.kOptimal:
            raise NumericalError(f"HiGHS did not solve the LP: {h.modelStatusToString(status)}")
        sol = h.getSolution()
        x = np.clip(np.asarray(sol.col_value), 0.0, None)
        # HiGHS reports a maximization's row duals in the sign of the objective (>= 0 on a
        # binding <= row), i.e. y with c - A^T y <= 0 at optimality.
        y = np.asarray(sol.row_dual)
        return float(h.getInfo().objective_function_value), x, y


# ---------------------------------------------------------------------------------------------
# The matching LP
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchingLp:
    """The matching (budgeted-allocation) LP of :func:`matching_lp`.

    Attributes:
        value: the optimum; it bounds every online and offline policy (MP12 Lemmas 1-2).
        x: ``(num_edges,)`` optimal ``x_uv`` in edge-id order.
        alpha: ``(n_u,)`` duals of the offline rows ``Σ_v p_uv x_uv <= 1``.
        beta: ``(n_v,)`` duals of the online rows ``Σ_u x_uv <= 1``.
    """

    value: float
    x: np.ndarray = field(repr=False)
    alpha: np.ndarray = field(repr=False)
    beta: np.ndarray = field(repr=False)


def matching_lp(instance: Instance) -> MatchingLp:
    """The matching LP (MP12; HZ20's "StdLP"), solved by HiGHS::

        max Σ_(u,v) w_u p_uv x_uv   s.t.  Σ_v p_uv x_uv <= 1 (u),  Σ_u x_uv <= 1 (v),  x >= 0.
    """
    inst = _check_instance(instance)
    m, n_u, n_v = inst.num_edges, inst.n_u, inst.n_v
    if m == 0:
        return MatchingLp(0.0, _frozen(np.zeros(0)), _frozen(np.zeros(n_u)), _frozen(np.zeros(n_v)))
    edge = np.arange(m)
    lp = _Lp.from_triplets(
        np.full(n_u + n_v, -np.inf),
        np.ones(n_u + n_v),
        inst.w[inst.e_u] * inst.e_p,
        np.r_[inst.e_u, n_u + inst.e_v],
        np.r_[edge, edge],
        np.r_[inst.e_p, np.ones(m)],
    )
    value, x, y = lp.solve()
    y = np.clip(y, 0.0, None)
    return MatchingLp(value, _frozen(x), _frozen(y[:n_u].copy()), _frozen(y[n_u:].copy()))


# ---------------------------------------------------------------------------------------------
# Configuration LPs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigurationLp:
    """A configuration LP's optimum (:func:`configuration_lp`, :func:`stochastic_configuration_lp`).

    Attributes:
        value: the LP value (of the last restricted master for column generation).
        bound: a certified upper bound on the LP value: ``value + Σ_u max(0, best reduced profit
            of u)`` (the dual raised to feasibility); equals ``value`` for ``enumerate`` and
            ``compact``. Column generation stops when every reduced profit is ``<= tol``, so
            ``bound - value <= n_u tol``.
        kind: ``"huang_zhang"``, ``"stochastic"`` or ``"stochastic_any_order"``.
        method: ``"column_generation"``, ``"enumerate"`` or ``"compact"``.
        converged: whether the stopping test held (always true for ``enumerate`` / ``compact``).
        z: ``(num_edges,)`` per edge ``(u, v)``, ``Σ_{S ∋ v} coef_u(S, v) x_uS``: the share of
            ``v`` the solution gives ``u`` (the probability that ``v`` is attempted on ``u``
            for the stochastic LP); for ``compact``, the LP's own ``z``.
        alpha, beta: duals of the offline and online rows (``alpha`` is ``None`` for ``compact``,
            whose offline constraints are per neighbour).
        columns_u, columns: the configurations with positive weight: offline vertex and the
            online vertices of ``S`` in arrival order (in attempt order for
            ``"stochastic_any_order"``; empty for ``compact``).
        x: their weights ``x_uS``.
        num_columns: columns in the final master (or the compact LP's variables).
        iterations: master solves.
        log: one row per master solve: ``(iteration, value, bound, max reduced profit, columns
            added, seconds)``.
        seconds: wall-clock time (pricing and LP solves).
    """

    value: float
    bound: float
    kind: str
    method: str
    converged: bool
    z: np.ndarray = field(repr=False)
    alpha: np.ndarray | None = field(repr=False)
    beta: np.ndarray = field(repr=False)
    columns_u: np.ndarray = field(repr=False)
    columns: tuple[np.ndarray, ...] = field(repr=False)
    x: np.ndarray = field(repr=False)
    num_columns: int
    iterations: int
    log: tuple[tuple[int, float, float, float, int, float], ...] = field(repr=False)
    seconds: float

    def log_table(self) -> str:
        """The iteration log as plain text."""
        rows = [f"{'iter':>5} {'master value':>16} {'bound':>16} {'max red. profit':>16} {'added':>6} {'seconds':>8}"]
        for it, val, bnd, red, added, sec in self.log:
            rows.append(f"{it:>5d} {val:>16.10f} {bnd:>16.10f} {red:>16.3e} {added:>6d} {sec:>8.3f}")
        return "\n".join(rows)


_METHODS = ("column_generation", "enumerate")


def _tolerance(tol: Any) -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not (math.isfinite(tol) and tol > 0):
        raise invalid("tol", "a finite tolerance > 0", repr(tol))
    return float(tol)


def _limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise invalid("limit", "a positive integer", repr(limit))
    return int(limit)


def _columns_lp(inst: Instance, cols: dict[str, np.ndarray], e_v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise entries of configuration columns: the offline row (coefficient 1) followed by
    the online rows of ``S``. Returns ``(cost, start, index, value)``."""
    ptr = cols["ptr"]
    k = len(cols["u"])
    start = np.arange(k) + ptr[:-1]
    index = np.empty(k + len(cols["edges"]), np.int64)
    value = np.empty_like(index, dtype=float)
    head = start
    index[head] = cols["u"]
    value[head] = 1.0
    body = np.ones(len(index), bool)
    body[head] = False
    index[body] = inst.n_u + e_v[cols["edges"]]
    value[body] = cols["coef"]
    return cols["cost"], start, index, value


def _solve_configuration(instance: Any, kind: str, method: str, tol: Any, max_iterations: int, limit: int, threads: int | None) -> ConfigurationLp:
    inst = _check_instance(instance)
    tol = _tolerance(tol)
    limit = _limit(limit)
    threads = check_threads(threads)
    if method not in _METHODS:
        raise invalid("method", " or ".join(repr(m) for m in _METHODS), repr(method))
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or max_iterations < 1:
        raise invalid("max_iterations", "a positive integer", repr(max_iterations))
    start_time = time.perf_counter()
    n_u, n_v, m = inst.n_u, inst.n_v, inst.num_edges
    e_v = inst.e_v
    args = inst._args()
    lp = _Lp(np.full(n_u + n_v, -np.inf), np.ones(n_u + n_v))
    pieces: list[dict[str, np.ndarray]] = []
    seen: set[tuple[int, tuple[int, ...]]] = set()

    def add(cols: dict[str, np.ndarray], keep: np.ndarray) -> int:
        ptr = cols["ptr"]
        sel = {"u": [], "edges": [], "coef": [], "cost": [], "ptr": [0]}
        for i in np.flatnonzero(keep):
            a, b = int(ptr[i]), int(ptr[i + 1])
            key = (int(cols["u"][i]), tuple(cols["edges"][a:b].tolist()))
            if key in seen or a == b:
                continue
            seen.add(key)
            sel["u"].append(key[0])
            sel["edges"].extend(key[1])
            sel["coef"].extend(cols["coef"][a:b].tolist())
            sel["cost"].append(float(cols["cost"][i]))
            sel["ptr"].append(len(sel["edges"]))
        if not sel["u"]:
            return 0
        piece = {
            "u": np.asarray(sel["u"], np.int64),
            "edges": np.asarray(sel["edges"], np.int64),
            "coef": np.asarray(sel["coef"], float),
            "cost": np.asarray(sel["cost"], float),
            "ptr": np.asarray(sel["ptr"], np.int64),
        }
        pieces.append(piece)
        lp.add_columns(*_columns_lp(inst, piece, e_v))
        return len(piece["u"])

    log: list[tuple[int, float, float, float, int, float]] = []
    converged = True
    value, bound = 0.0, 0.0
    x = np.zeros(0)
    y = np.zeros(n_u + n_v)
    if m > 0 and method == "enumerate":
        cols = _core.matching_columns(args, kind, None, None, int(limit), threads)
        add(cols, np.ones(len(cols["u"]), bool))
        value, x, y = lp.solve()
        bound = value
        log.append((1, value, value, 0.0, lp.num_cols, time.perf_counter() - start_time))
    elif m > 0:
        # Start from every single edge {v} for u: cost w_u p_uv in both LPs.
        singles = {
            "u": inst.e_u.copy(),
            "ptr": np.arange(m + 1, dtype=np.int64),
            "edges": np.arange(m, dtype=np.int64),
            "coef": np.ones(m),
            "cost": inst.w[inst.e_u] * inst.e_p,
        }
        added = add(singles, np.ones(m, bool))
        converged = False
        for it in range(1, max_iterations + 1):
            value, x, y = lp.solve()
            alpha = np.ascontiguousarray(np.clip(y[:n_u], 0.0, None))
            beta = np.ascontiguousarray(np.clip(y[n_u:], 0.0, None))
            priced = _core.matching_columns(args, kind, alpha, beta, 0, threads)
            reduced = np.asarray(priced["reduced"])
            bound = value + float(np.clip(reduced, 0.0, None).sum())
            best = float(reduced.max()) if n_u else 0.0
            positive = reduced > tol
            added = add(priced, positive) if it < max_iterations else 0
            log.append((it, value, bound, best, added, time.perf_counter() - start_time))
            if not positive.any():
                converged = True
                break
            if added == 0:
                # Every improving column is already in the master: its duals are only optimal
                # to HiGHS's tolerance; report, do not loop.
                break
    # Gather the solution: columns with positive weight and the per-edge shares z.
    all_u = np.concatenate([p["u"] for p in pieces]) if pieces else np.zeros(0, np.int64)
    sets: list[np.ndarray] = []
    coefs: list[np.ndarray] = []
    edges_of: list[np.ndarray] = []
    for p in pieces:
        for i in range(len(p["u"])):
            a, b = int(p["ptr"][i]), int(p["ptr"][i + 1])
            edges_of.append(p["edges"][a:b])
            coefs.append(p["coef"][a:b])
    z = np.zeros(m)
    for j in np.flatnonzero(x > 0):
        np.add.at(z, edges_of[j], coefs[j] * x[j])
    support = np.flatnonzero(x > 1e-12)
    for j in support:
        sets.append(_frozen(e_v[edges_of[j]].copy()))
    y = np.clip(y, 0.0, None)
    return ConfigurationLp(
        value=float(value),
        bound=float(bound),
        kind=kind,
        method=method,
        converged=converged,
        z=_frozen(z),
        alpha=_frozen(y[:n_u].copy()),
        beta=_frozen(y[n_u:].copy()),
        columns_u=_frozen(all_u[support].copy()),
        columns=tuple(sets),
        x=_frozen(x[support].copy()),
        num_columns=lp.num_cols,
        iterations=len(log),
        log=tuple(log),
        seconds=time.perf_counter() - start_time,
    )


def configuration_lp(
    instance: Instance,
    *,
    method: str = "column_generation",
    tol: float = 1e-9,
    max_iterations: int = 10_000,
    limit: int = ENUMERATION_LIMIT,
    threads: int | None = None,
) -> ConfigurationLp:
    """Huang and Zhang's configuration LP (STOC 2020, arXiv 2002.01802, §2.2), with
    ``p_u(S) = min(Σ_{v∈S} p_uv, 1)``::

        max Σ_u Σ_{S⊆N(u)} w_u p_u(S) x_uS   s.t.  Σ_S x_uS <= 1 (u),  Σ_u Σ_{S∋v} x_uS <= 1 (v),  x >= 0.

    It is at most the matching LP (``min`` is concave) and equals it when every ``p = 1/s``;
    it bounds online algorithms in the vanishing-probability regime (HZ20), but with large
    probabilities it can fall below the clairvoyant optimum.

    ``method="column_generation"`` (default): a restricted master in HiGHS starting from the
    single-edge configurations; each round prices every offline vertex exactly in Rust (a
    knapsack ``max_S w_u min(P(S), 1) - β(S) - α_u`` by branch and bound, in parallel over
    offline vertices) and adds each vertex's best column whose reduced profit exceeds ``tol``;
    it stops when none does (``converged``), which certifies ``value <= LP <= bound``.
    ``method="enumerate"``: every configuration (``Σ_u 2^deg(u) - 1`` columns, at most
    ``limit``), for tiny instances and tests.
    """
    return _solve_configuration(instance, "huang_zhang", method, tol, max_iterations, limit, threads)


def stochastic_configuration_lp(
    instance: Instance,
    *,
    order: str = "arrival",
    method: str = "column_generation",
    tol: float = 1e-9,
    max_iterations: int = 10_000,
    limit: int = ENUMERATION_LIMIT,
    threads: int | None = None,
) -> ConfigurationLp:
    """The stochastic configuration LP **as reconstructed in the project notes**, not as
    published: the seed paper (Huang, Jiang, Shen, Song, Wu, Zhang, WINE 2023, arXiv 2309.10289)
    defines a "Stochastic Configuration LP" that captures Goyal and Udwani's stochastic
    benchmark, but its definition could not be read (only the abstract was available), so this
    is a formulation with the same aims that is *provably* an upper bound on the clairvoyant
    optimum. A configuration ``(u, S)`` means "try the neighbours ``S`` on ``u`` in arrival
    order until the first success"::

        p_u(S) = 1 - Π_{v∈S} (1 - p_uv),   s_u(S, v) = Π_{v'∈S, v'<v} (1 - p_uv'),
        max Σ_u Σ_S w_u p_u(S) x_uS   s.t.  Σ_S x_uS <= 1 (u),  Σ_u Σ_{S∋v} s_u(S, v) x_uS <= 1 (v).

    Validity: for an optimal clairvoyant policy let ``S_u`` be what it would attempt on ``u``
    if every attempt on ``u`` failed; it depends only on other edges' coins, so
    ``x_uS = Pr[S_u = S]`` is feasible with value equal to the clairvoyant optimum. This is
    Goyal and Udwani's threshold view (arXiv 1905.12778, Lemma 8: with the other vertices'
    thresholds fixed, ``u`` is tried on the ``k``-th member of that set with probability
    ``Π_{j<k} (1 - p_{u t_j})``). Hence ``clairvoyant <= SCLP <= matching LP``; the survival
    factors matter: without them the LP can fall below the clairvoyant optimum.

    ``order``: ``"arrival"`` (default; the LP above, which does *not* bound the fully-offline
    optimum) or ``"any"``: configurations are *sequences* tried in their own order, with
    survival factors along the sequence. The same argument, with ``S_u`` the sequence of
    attempts in the policy's processing order, makes it an upper bound on the **fully-offline**
    optimum (the policy also chooses which online vertex to process next), so
    ``fully_offline <= SCLP(any) <= matching LP`` and ``SCLP(arrival) <= SCLP(any)``.

    ``method``: ``"column_generation"`` (default; exact pricing in Rust, stopping when no
    reduced profit exceeds ``tol``: for ``"arrival"`` the ``O(deg)`` recursion
    ``G_k = max(G_{k+1}, (w p_k - β_k) + (1 - p_k) G_{k+1})``, for ``"any"`` a sort of the
    neighbours with ``c_v = w p_uv - β_v > 0`` by decreasing ``c_v / p_uv``),
    ``"enumerate"`` (every configuration, or every sequence for ``"any"``, at most ``limit``),
    or ``"compact"``: an equivalent LP in ``z_uv`` (the probability that ``v`` is attempted on
    ``u``). For ``"arrival"``::

        max Σ w_u p_uv z_uv   s.t.  z_{u v_k} + Σ_{i<k} p_{u v_i} z_{u v_i} <= 1 (u, k),  Σ_u z_uv <= 1 (v),

    with ``v_1 < v_2 < ...`` the neighbours of ``u`` in arrival order, written sparsely with
    prefix loads (``2m`` variables, ``2m + n_v`` rows); the forms are equal because the convex
    hull of the vectors ``(s_u(S, v) 1{v∈S})_v`` is that polytope (attempt each ``v_k``
    independently with probability ``z_k / (1 - Σ_{i<k} p_i z_i)``). For ``"any"`` it is the
    polymatroid of ``f(T) = 1 - Π_{v∈T} (1 - p_uv)``::

        max Σ w_u p_uv z_uv   s.t.  Σ_{v∈T} p_uv z_uv <= 1 - Π_{v∈T} (1 - p_uv) (u, T ⊆ N(u)),  Σ_u z_uv <= 1 (v),

    (``Σ_u 2^deg(u) - 1`` polymatroid rows, at most ``limit``, plus the ``n_v`` online rows): the
    greedy vertices of that polymatroid
    along an order are exactly ``p_uv`` times a sequence's survival coefficients, so the two
    forms are equal.
    """
    if order not in ("arrival", "any"):
        raise invalid("order", "'arrival' or 'any'", repr(order))
    if method == "compact":
        return _stochastic_compact(instance) if order == "arrival" else _polymatroid_compact(instance, limit)
    kind = "stochastic" if order == "arrival" else "stochastic_any_order"
    return _solve_configuration(instance, kind, method, tol, max_iterations, limit, threads)


def _compact_result(kind: str, value: float, z: np.ndarray, beta: np.ndarray, num_columns: int, start_time: float) -> ConfigurationLp:
    """A compact form's optimum as a :class:`ConfigurationLp` (no configurations, no ``alpha``)."""
    seconds = time.perf_counter() - start_time
    return ConfigurationLp(
        value=float(value),
        bound=float(value),
        kind=kind,
        method="compact",
        converged=True,
        z=_frozen(z),
        alpha=None,
        beta=_frozen(np.clip(beta, 0.0, None)),
        columns_u=_frozen(np.zeros(0, np.int64)),
        columns=(),
        x=_frozen(np.zeros(0)),
        num_columns=num_columns,
        iterations=1,
        log=((1, float(value), float(value), 0.0, 0, seconds),),
        seconds=seconds,
    )


def _stochastic_compact(instance: Any) -> ConfigurationLp:
    inst = _check_instance(instance)
    start_time = time.perf_counter()
    n_v, m = inst.n_v, inst.num_edges
    if m == 0:
        return _compact_result("stochastic", 0.0, np.zeros(0), np.zeros(n_v), 0, start_time)
    e_u, e_p, e_v = inst.e_u, inst.e_p, inst.e_v
    # Edges grouped by offline vertex in arrival order (edge ids grow with arrival).
    order = np.lexsort((np.arange(m), e_u))
    first = np.r_[True, e_u[order][1:] != e_u[order][:-1]]
    prev = np.where(first, -1, np.r_[-1, order[:-1]])  # the previous edge of the same u, by edge id
    prev_of = np.full(m, -1, np.int64)
    prev_of[order] = prev
    # Variables: z_e (0..m-1), s_e = load of u after its neighbours up to and including e (m..2m-1).
    # Rows: (a) z_e + s_prev(e) <= 1 (m rows); (b) s_e - s_prev(e) - p_e z_e = 0 (m rows);
    # (c) Σ_u z_uv <= 1 (n_v rows).
    e = np.arange(m)
    has_prev = prev_of >= 0
    rows = [e, m + e, m + e, 2 * m + e_v, e[has_prev], m + e[has_prev]]
    cols = [e, e, m + e, e, m + prev_of[has_prev], m + prev_of[has_prev]]
    vals = [np.ones(m), -e_p, np.ones(m), np.ones(m), np.ones(int(has_prev.sum())), -np.ones(int(has_prev.sum()))]
    lower = np.r_[np.full(m, -np.inf), np.zeros(m), np.full(n_v, -np.inf)]
    upper = np.r_[np.ones(m), np.zeros(m), np.ones(n_v)]
    lp = _Lp.from_triplets(lower, upper, np.r_[inst.w[e_u] * e_p, np.zeros(m)], np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))
    value, x, y = lp.solve()
    return _compact_result("stochastic", value, x[:m].copy(), y[2 * m :], 2 * m, start_time)


def _polymatroid_compact(instance: Any, limit: int) -> ConfigurationLp:
    """The any-order LP as a polymatroid: one row ``Σ_{e∈T} p_e z_e <= 1 - Π_{e∈T} (1 - p_e)``
    per offline vertex and non-empty set ``T`` of its edges, and the online rows."""
    inst = _check_instance(instance)
    limit = _limit(limit)
    start_time = time.perf_counter()
    n_v, m = inst.n_v, inst.num_edges
    if m == 0:
        return _compact_result("stochastic_any_order", 0.0, np.zeros(0), np.zeros(n_v), 0, start_time)
    e_u, e_p, e_v = inst.e_u, inst.e_p, inst.e_v
    degrees = np.bincount(e_u, minlength=inst.n_u)
    total = sum((1 << int(d)) - 1 for d in degrees)
    if total > limit:
        raise invalid("instance", f"at most limit = {limit} polymatroid rows (Σ_u 2^deg(u) - 1) for the compact any-order LP", str(total))
    rows, cols, vals, upper = [], [], [], []
    row = 0
    for u in range(inst.n_u):
        edges = np.flatnonzero(e_u == u)
        d = len(edges)
        if d == 0:
            continue
        masks = np.arange(1, 1 << d)
        member = (masks[:, None] >> np.arange(d)[None, :]) & 1 == 1  # (2^d - 1, d)
        r, c = np.nonzero(member)
        rows.append(row + r)
        cols.append(edges[c])
        vals.append(e_p[edges[c]])
        upper.append(1.0 - np.prod(np.where(member, 1.0 - e_p[edges][None, :], 1.0), axis=1))
        row += len(masks)
    rows.append(row + e_v)
    cols.append(np.arange(m))
    vals.append(np.ones(m))
    upper.append(np.ones(n_v))
    upper_all = np.concatenate(upper)
    lp = _Lp.from_triplets(np.full(len(upper_all), -np.inf), upper_all, inst.w[e_u] * e_p, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))
    value, x, y = lp.solve()
    return _compact_result("stochastic_any_order", value, x[:m].copy(), y[row:], m, start_time)
