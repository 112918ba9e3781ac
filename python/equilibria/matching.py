"""Online bipartite matching with stochastic rewards (Mehta and Panigrahi, FOCS 2012).

Offline vertices ``U`` (weights ``w_u > 0``, default 1) are known upfront; online vertices ``V``
arrive in index order with their edges and success probabilities ``p_uv`` in ``(0, 1]``. On
arrival a policy irrevocably attempts at most one *available* neighbour; the attempt succeeds with
probability ``p_uv`` (``u`` is consumed and ``w_u`` collected); on failure ``u`` stays available
and ``v`` is gone. The objective is the expected total weight collected.

- :class:`Instance`: validated CSR instance (from edge arrays, ``u,v,p[,w]`` CSV, ``.npz``);
- generators: :func:`erdos_renyi`, :func:`chung_lu`, :func:`upper_triangular`, :func:`g_k`,
  :func:`thick_z`, :func:`z_graph`, and :meth:`Instance.relabel`, :meth:`Instance.replicate`,
  :meth:`Instance.decomposable`;
- policies (:data:`POLICIES`, :class:`Balance` for a custom ``psi``, any Python callable as a
  slow path): all opportunistic, ties to the smallest offline index;
- :func:`simulate`: Monte Carlo in Rust with common random numbers and confidence intervals;
- exact values on small instances: :func:`evaluate` (deterministic policies, Ranking over all
  rank orders), :func:`clairvoyant`, :func:`fully_offline`;
- LP benchmarks (in ``_matching_lp``): :func:`matching_lp`, Huang–Zhang's
  :func:`configuration_lp` and the (reconstructed) :func:`stochastic_configuration_lp` in
  arrival order (bounds the clairvoyant optimum) or any order (bounds the fully-offline
  optimum), by column generation with pricing in Rust;
- ratios: :func:`competitive_ratio` against a deterministic or an estimated benchmark (a policy
  simulated with the same coins, e.g. :func:`clairvoyant_policy`), :func:`ratio_table`,
  :func:`plot_ratios` (matplotlib, the optional ``plot`` extra).
"""

from __future__ import annotations

import math
import numbers
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Union

import numpy as np

from . import _core
from ._matching_lp import (
    ConfigurationLp,
    MatchingLp,
    configuration_lp,
    matching_lp,
    stochastic_configuration_lp,
)
from ._runtime import (
    ProgressArg,
    check_positive_int,
    check_seed,
    check_threads,
    invalid,
    progress_reporter,
)

__all__ = [
    "POLICIES",
    "Instance",
    "Balance",
    "erdos_renyi",
    "chung_lu",
    "upper_triangular",
    "g_k",
    "thick_z",
    "z_graph",
    "generate",
    "GENERATORS",
    "simulate",
    "SimulationResult",
    "PolicyEstimate",
    "PairedDifference",
    "Ratio",
    "competitive_ratio",
    "evaluate",
    "clairvoyant",
    "fully_offline",
    "matching_lp",
    "MatchingLp",
    "configuration_lp",
    "stochastic_configuration_lp",
    "ConfigurationLp",
    "clairvoyant_policy",
    "ratio_table",
    "plot_ratios",
    "psi",
    "uniforms",
]

#: Built-in policies (see :func:`simulate`):
#:
#: - ``greedy``: the available neighbour with the highest ``w_u p_uv``;
#: - ``random``: uniform over available neighbours;
#: - ``ranking``: a random rank order of ``U`` per trial, highest rank first (MP12 §4; ranks are
#:   32-bit draws, ties to the smaller index);
#: - ``perturbed_greedy``: ``w_u p_uv (1 - e^(y_u - 1))``, ``y_u ~ U[0,1)`` per trial (GU Alg 1);
#: - ``stochastic_balance``: fewest failed attempts (MP12);
#: - ``balance_exp``, ``balance_gu``, ``balance_rational``, ``balance_hz``: generalized balance
#:   ``w_u p_uv psi(l_u)`` with ``l_u`` the failed load and ``psi`` = ``exp(-l)``,
#:   ``e^(l+1) E1(l+1)`` (Goyal-Udwani Thm 2), ``1/(0.575 l + 1)`` (GU Cor 2), ``1 - f(l)``
#:   (Huang-Zhang STOC 2020 Eq 5, Γ = 1 - f(0) = 0.576102);
#: - ``nonadaptive``: MWZ15 Alg 2.1, outcomes unseen: ``(1 - W_u) w_u p_uv`` over all neighbours,
#:   ``W_u <- W_u + (1 - W_u) p_uv``; attempts on consumed vertices are wasted.
POLICIES = (
    "greedy",
    "random",
    "ranking",
    "perturbed_greedy",
    "stochastic_balance",
    "balance_exp",
    "balance_gu",
    "balance_rational",
    "balance_hz",
    "nonadaptive",
)

_I64 = np.int64
_LABELS = ("identity", "adversarial", "random")


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


# ---------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class Instance:
    """A validated instance in CSR form by online vertex (read-only arrays).

    Online vertex ``v``'s edges are ``v_ptr[v]:v_ptr[v+1]``, sorted by offline index; an edge's
    position in that layout is its *edge id* (the index of its coin in :func:`simulate`).

    Attributes:
        n_u: number of offline vertices.
        v_ptr: ``(n_v + 1,)`` int64 offsets.
        e_u: ``(num_edges,)`` int64 offline end of each edge.
        e_p: ``(num_edges,)`` success probabilities in ``(0, 1]``.
        w: ``(n_u,)`` offline weights (finite, > 0).
    """

    n_u: int
    v_ptr: np.ndarray
    e_u: np.ndarray
    e_p: np.ndarray
    w: np.ndarray

    @classmethod
    def _from_core(cls, d: dict[str, Any]) -> Instance:
        return cls(
            int(d["n_u"]),
            _frozen(np.asarray(d["v_ptr"], dtype=_I64)),
            _frozen(np.asarray(d["e_u"], dtype=_I64)),
            _frozen(np.asarray(d["e_p"], dtype=np.float64)),
            _frozen(np.asarray(d["w"], dtype=np.float64)),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return self.n_u == other.n_u and all(
            np.array_equal(a, b) for a, b in zip(self._args()[1:], other._args()[1:])
        )

    __hash__ = None  # type: ignore[assignment]

    def _args(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return (self.n_u, self.v_ptr, self.e_u, self.e_p, self.w)

    @property
    def n_v(self) -> int:
        """Number of online vertices."""
        return int(self.v_ptr.shape[0] - 1)

    @property
    def num_edges(self) -> int:
        """Number of edges."""
        return int(self.e_u.shape[0])

    @property
    def e_v(self) -> np.ndarray:
        """Online end of each edge (int64, edge-id order)."""
        return np.repeat(np.arange(self.n_v, dtype=_I64), np.diff(self.v_ptr))

    @property
    def total_weight(self) -> float:
        """``Σ w_u``: every trial's reward lies in ``[0, total_weight]``."""
        return float(self.w.sum())

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(u, v, p)`` arrays in edge-id order."""
        return self.e_u.copy(), self.e_v, self.e_p.copy()

    def neighbours(self, v: int) -> tuple[np.ndarray, np.ndarray]:
        """Offline neighbours of online vertex ``v`` and their probabilities."""
        a, b = int(self.v_ptr[v]), int(self.v_ptr[v + 1])
        return self.e_u[a:b], self.e_p[a:b]

    def __repr__(self) -> str:
        p = self.e_p
        prange = f"p in [{p.min():.3g}, {p.max():.3g}]" if p.size else "no edges"
        weights = "unweighted" if np.all(self.w == 1.0) else f"w in [{self.w.min():.3g}, {self.w.max():.3g}]"
        return f"Instance(n_u={self.n_u}, n_v={self.n_v}, edges={self.num_edges}, {prange}, {weights})"

    # -- constructors ------------------------------------------------------------------------

    @classmethod
    def from_edges(
        cls,
        u: Any,
        v: Any,
        p: Any,
        w: Any = None,
        *,
        n_u: int | None = None,
        n_v: int | None = None,
    ) -> Instance:
        """An instance from edge arrays in any order: edge ``i`` joins offline ``u[i]`` and online
        ``v[i]`` with success probability ``p[i]``. ``w`` (length ``n_u``) defaults to ones;
        ``n_u`` / ``n_v`` default to one more than the largest index (or ``len(w)``).

        Raises :class:`InvalidInputError` naming the argument and position for probabilities
        outside ``(0, 1]``, indices out of range, duplicate edges and non-positive weights.
        """
        u_arr = _index_array(u, "u")
        v_arr = _index_array(v, "v")
        p_arr = _float_array(p, "p")
        w_arr = None if w is None else _float_array(w, "w")
        if n_u is None:
            n_u = len(w_arr) if w_arr is not None else (int(u_arr.max()) + 1 if u_arr.size else 0)
        if n_v is None:
            n_v = int(v_arr.max()) + 1 if v_arr.size else 0
        n_u = _count(n_u, "n_u")
        n_v = _count(n_v, "n_v")
        if w_arr is not None and len(w_arr) != n_u:
            raise invalid("w", f"length n_u = {n_u}", f"length {len(w_arr)}")
        return cls._from_core(_core.matching_from_edges(n_u, n_v, u_arr, v_arr, p_arr, w_arr))

    @classmethod
    def read_csv(cls, path: str | os.PathLike[str]) -> Instance:
        """Reads ``u,v,p[,w]`` rows (one edge per row; an optional header line ``u,v,p[,w]``;
        blank lines and ``#`` comments skipped). ``w`` is offline ``u``'s weight and must agree on
        every row of ``u``; vertices without a row get weight 1. Online vertices arrive in index
        order. Errors name the file and line."""
        us: list[int] = []
        vs: list[int] = []
        ps: list[float] = []
        weights: dict[int, tuple[float, int]] = {}
        seen: dict[tuple[int, int], int] = {}
        columns = None
        name = os.fspath(path)
        with open(name, encoding="utf-8") as f:
            for lineno, raw in enumerate(f, start=1):
                line = raw.split("#", 1)[0].strip()
                if not line:
                    continue
                fields = [x.strip() for x in line.split(",")]
                where = f"{name} line {lineno}"
                if columns is None and fields[0].lower() == "u":
                    if [x.lower() for x in fields] not in (["u", "v", "p"], ["u", "v", "p", "w"]):
                        raise invalid(where, "the header u,v,p or u,v,p,w", repr(line))
                    columns = len(fields)
                    continue
                if columns is None:
                    columns = len(fields)
                if len(fields) != columns or columns not in (3, 4):
                    raise invalid(where, f"{columns if columns in (3, 4) else '3 or 4'} comma-separated fields u,v,p[,w]", repr(line))
                try:
                    a, b = int(fields[0]), int(fields[1])
                except ValueError:
                    raise invalid(where, "integer vertex indices u,v", repr(line)) from None
                try:
                    prob = float(fields[2])
                    weight = float(fields[3]) if columns == 4 else None
                except ValueError:
                    raise invalid(where, "numeric p (and w)", repr(line)) from None
                if a < 0 or b < 0:
                    raise invalid(where, "non-negative vertex indices", repr(line))
                if not 0.0 < prob <= 1.0:
                    raise invalid(where, "a probability p in (0, 1]", repr(fields[2]))
                if weight is not None:
                    if not (math.isfinite(weight) and weight > 0):
                        raise invalid(where, "a finite weight w > 0", repr(fields[3]))
                    if a in weights and weights[a][0] != weight:
                        raise invalid(where, f"weight {weights[a][0]!r} of u = {a} as on line {weights[a][1]}", repr(fields[3]))
                    weights.setdefault(a, (weight, lineno))
                if (a, b) in seen:
                    raise invalid(where, f"no duplicate edges (u = {a}, v = {b} is already on line {seen[a, b]})", repr(line))
                seen[a, b] = lineno
                us.append(a)
                vs.append(b)
                ps.append(prob)
        n_u = max(us) + 1 if us else 0
        w = None
        if weights:
            w = np.ones(n_u)
            for a, (weight, _) in weights.items():
                w[a] = weight
        return cls.from_edges(np.array(us, dtype=_I64), np.array(vs, dtype=_I64), np.array(ps), w, n_u=n_u)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Writes ``u,v,p,w`` rows (header included) that :meth:`read_csv` reads back exactly
        (probabilities and weights with ``repr`` precision). Isolated offline vertices beyond the
        largest edge endpoint, and trailing online vertices without edges, are not representable
        in CSV; use :meth:`save_npz` for those."""
        u, v, p = self.edges()
        with open(os.fspath(path), "w", encoding="utf-8") as f:
            f.write("u,v,p,w\n")
            for a, b, c in zip(u.tolist(), v.tolist(), p.tolist()):
                f.write(f"{a},{b},{c!r},{float(self.w[a])!r}\n")

    def save_npz(self, path: str | os.PathLike[str]) -> None:
        """Saves the CSR arrays to ``.npz`` (``n_u``, ``v_ptr``, ``e_u``, ``e_p``, ``w``)."""
        np.savez(os.fspath(path), n_u=np.int64(self.n_u), v_ptr=self.v_ptr, e_u=self.e_u, e_p=self.e_p, w=self.w)

    @classmethod
    def load_npz(cls, path: str | os.PathLike[str]) -> Instance:
        """Loads (and re-validates) an instance saved by :meth:`save_npz`."""
        with np.load(os.fspath(path), allow_pickle=False) as z:
            missing = [k for k in ("n_u", "v_ptr", "e_u", "e_p", "w") if k not in z]
            if missing:
                raise invalid(str(path), "an .npz with n_u, v_ptr, e_u, e_p, w", f"missing {missing}")
            n_u = int(z["n_u"])
            args = (
                n_u,
                np.ascontiguousarray(z["v_ptr"], dtype=_I64),
                np.ascontiguousarray(z["e_u"], dtype=_I64),
                np.ascontiguousarray(z["e_p"], dtype=np.float64),
                np.ascontiguousarray(z["w"], dtype=np.float64),
            )
        _core.matching_check(args)
        return cls._from_core(dict(zip(("n_u", "v_ptr", "e_u", "e_p", "w"), args)))

    # -- transformations ---------------------------------------------------------------------

    def relabel(self, labels: str | Sequence[int] = "random", seed: int | None = 0) -> Instance:
        """Renames the offline vertices: ``"adversarial"`` reverses them (``u -> n_u - 1 - u``),
        ``"random"`` draws a uniform permutation from ``seed``, ``"identity"`` keeps them, and an
        explicit permutation ``perm`` renames ``u`` to ``perm[u]``."""
        if isinstance(labels, str):
            lab = _labels(labels)
            return Instance._from_core(_core.matching_transform(self._args(), "relabel", lab, check_seed(seed), 1, None, None))
        perm = _index_array(labels, "labels")
        if sorted(perm.tolist()) != list(range(self.n_u)):
            raise invalid("labels", f"a permutation of 0..{self.n_u - 1}", repr(perm.tolist()))
        u, v, p = self.edges()
        w = np.empty(self.n_u)
        w[perm] = self.w
        return Instance.from_edges(perm[u], v, p, w, n_u=self.n_u, n_v=self.n_v)

    def replicate(self, m: int) -> Instance:
        """Each online vertex becomes ``m`` consecutive copies with probabilities ``p / m`` (the
        approach to the vanishing-probability limit)."""
        m = int(check_positive_int("m", m))  # type: ignore[arg-type]
        return Instance._from_core(_core.matching_transform(self._args(), "replicate", "identity", 0, m, None, None))

    def decomposable(self, p_u: Any, p_v: Any) -> Instance:
        """The same graph with ``p_uv = p_u[u] * p_v[v]`` (Goyal-Udwani's decomposable regime)."""
        a = _float_array(p_u, "p_u")
        b = _float_array(p_v, "p_v")
        return Instance._from_core(_core.matching_transform(self._args(), "decomposable", "identity", 0, 1, a, b))


def _index_array(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise invalid(name, "a 1-D integer array", f"{arr.ndim}-D array")
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(_I64)
        else:
            raise invalid(name, "integer indices", f"dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=_I64)


def _float_array(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise invalid(name, "a 1-D real array", f"{arr.ndim}-D array")
    if arr.size and arr.dtype.kind not in "iuf":
        raise invalid(name, "a real numeric array", f"dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _count(x: Any, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 0:
        raise invalid(name, "a non-negative integer", repr(x))
    return int(x)


def _labels(labels: str) -> str:
    if labels not in _LABELS:
        raise invalid("labels", "'identity', 'adversarial' or 'random'", repr(labels))
    return labels


def _range(x: Any, name: str) -> tuple[float, float]:
    """A sampler argument: a constant ``c`` or a range ``(low, high)``."""
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x), float(x)
    if isinstance(x, Sequence) and len(x) == 2 and all(isinstance(t, numbers.Real) for t in x):
        return float(x[0]), float(x[1])
    raise invalid(name, "a number or a (low, high) pair", repr(x))


# ---------------------------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------------------------


def _random_graph(
    family: str,
    n_u: int,
    n_v: int,
    x: float,
    y: float,
    p: Any,
    w: Any,
    labels: str,
    seed: int | None,
) -> Instance:
    n_u, n_v = _count(n_u, "n_u"), _count(n_v, "n_v")
    seed = check_seed(seed)
    sampler: Callable[[np.random.Generator, int], Any] | None = p if callable(p) else None
    prange = (1.0, 1.0) if sampler is not None else _range(p, "p")
    wrange = None if w is None else _range(w, "w")
    inst = Instance._from_core(
        _core.matching_generate(family, n_u, n_v, x, y, 1, prange, wrange, _labels(labels), seed ^ 0x1AB, seed)
    )
    if sampler is not None:
        values = _float_array(sampler(np.random.default_rng(seed), inst.num_edges), "p")
        if values.shape != (inst.num_edges,):
            raise invalid("p", f"a sampler returning {inst.num_edges} probabilities", f"shape {values.shape}")
        u, v, _ = inst.edges()
        inst = Instance.from_edges(u, v, values, inst.w, n_u=inst.n_u, n_v=inst.n_v)
    return inst


def erdos_renyi(
    n_u: int,
    n_v: int,
    q: float,
    p: float | tuple[float, float] | Callable[[np.random.Generator, int], Any] = 1.0,
    *,
    w: float | tuple[float, float] | None = None,
    labels: str = "identity",
    seed: int | None = 0,
) -> Instance:
    """Erdős–Rényi bipartite graph: each edge independently with probability ``q``.

    ``p``: a constant, a ``(low, high)`` uniform range inside ``(0, 1]``, or a sampler
    ``p(rng, size)`` returning the probabilities (``rng = np.random.default_rng(seed)``). ``w``:
    offline weights (constant or uniform range; ones when ``None``). ``labels``: ``"identity"``,
    ``"adversarial"`` (reversed) or ``"random"``.
    """
    return _random_graph("erdos_renyi", n_u, n_v, float(q), 0.0, p, w, labels, seed)


def chung_lu(
    n_u: int,
    n_v: int,
    avg_degree: float,
    gamma: float = 2.5,
    p: float | tuple[float, float] | Callable[[np.random.Generator, int], Any] = 1.0,
    *,
    w: float | tuple[float, float] | None = None,
    labels: str = "identity",
    seed: int | None = 0,
) -> Instance:
    """Chung–Lu bipartite graph with power-law expected degrees (exponent ``gamma > 1``): vertex
    weights ``(i + 1)^(-1/(gamma - 1))`` randomly permuted on each side, edge ``(u, v)`` with
    probability ``min(1, a_u b_v E / (Σa Σb))``, ``E = avg_degree * n_v``. ``p``, ``w``,
    ``labels`` as in :func:`erdos_renyi`."""
    return _random_graph("chung_lu", n_u, n_v, float(avg_degree), float(gamma), p, w, labels, seed)


def upper_triangular(n: int, m: int, p: float | None = None, *, labels: str = "identity", seed: int = 0) -> Instance:
    """Upper-triangular batches (MP12 §5): batch ``i = 0..n-1`` has ``m`` online vertices adjacent
    to offline ``u_i .. u_{n-1}`` with probability ``p`` (default ``1/m``). Natural labels favour
    the optimum under lexicographic ties; ``labels="adversarial"`` reverses them."""
    n, m = _count(n, "n"), _count(m, "m")
    prob = 1.0 / m if (p is None and m > 0) else float(p if p is not None else 1.0)
    return Instance._from_core(
        _core.matching_generate("upper_triangular", n, 0, 0.0, 0.0, m, (prob, prob), None, _labels(labels), check_seed(seed), 0)
    )


def g_k(k: int, m: int, *, labels: str = "identity", seed: int = 0) -> Instance:
    """Mehta–Panigrahi's ``G_k``: :func:`upper_triangular` with ``k`` batches of ``m`` and
    ``p = 1/m``. Matching LP = ``k``; Stochastic Balance / LP tends to 0.632121, 0.622589,
    0.620916 for ``k = 1, 2, 3`` as ``m`` grows."""
    return upper_triangular(k, m, None, labels=labels, seed=seed)


def thick_z(n: int, alpha: float, m: int, *, labels: str = "identity", seed: int = 0) -> Instance:
    """MP12 §3.1's asymmetric thick Z graph: ``U1`` (``round(alpha n)`` vertices, labelled first)
    and ``U2`` (``n``); first ``m`` online vertices per ``U1[i]`` adjacent to ``U1[i]`` and all of
    ``U2``, then ``m`` per ``U2[j]`` adjacent to ``U2[j]`` only; ``p = 1/m``. LP = ``(1+alpha) n``."""
    n, m = _count(n, "n"), _count(m, "m")
    return Instance._from_core(
        _core.matching_generate("thick_z", n, 0, float(alpha), 0.0, m, (1.0, 1.0), None, _labels(labels), check_seed(seed), 0)
    )


def z_graph(*, labels: str = "adversarial", seed: int = 0) -> Instance:
    """The deterministic Z graph (``p = 1``). Default ``labels="adversarial"``: ``v0 ~ {u0, u1}``,
    ``v1 ~ {u0}``, where lexicographic Greedy gets 1 of the optimum 2 and Ranking 3/2."""
    return Instance._from_core(
        _core.matching_generate("z_graph", 2, 2, 0.0, 0.0, 1, (1.0, 1.0), None, _labels(labels), check_seed(seed), 0)
    )


#: Generator names accepted by :func:`generate` (``er`` is short for ``erdos_renyi``).
GENERATORS: dict[str, Callable[..., Instance]] = dict(
    er=erdos_renyi,
    erdos_renyi=erdos_renyi,
    chung_lu=chung_lu,
    g_k=g_k,
    upper_triangular=upper_triangular,
    thick_z=thick_z,
    z_graph=z_graph,
)


def generate(spec: str) -> Instance:
    """An instance from a text spec ``name(key=value, ...)``, as the command line takes it:
    ``er(n_u=300, n_v=300, q=0.111, p=0.01:1, seed=1)``, ``chung_lu(n_u=.., n_v=.., avg_degree=..,
    gamma=..)``, ``g_k(k=3, m=50, labels=adversarial)``, ``upper_triangular(n=.., m=.., p=..)``,
    ``thick_z(n=.., alpha=.., m=..)``, ``z_graph()``. Values: integers, floats, ``low:high``
    ranges, or words. Optional ``replicate=m`` applies :meth:`Instance.replicate`."""
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?:\((.*)\))?\s*", spec)
    if not match or match[1] not in GENERATORS:
        raise invalid("spec", f"name(key=value, ...) with name in {sorted(GENERATORS)}", repr(spec))
    kwargs: dict[str, Any] = {}
    for item in filter(None, (x.strip() for x in (match[2] or "").split(","))):
        key, sep, raw = (t.strip() for t in item.partition("="))
        if not sep or not key.isidentifier():
            raise invalid("spec", "key=value arguments", repr(item))
        kwargs[key] = _spec_value(raw)
    copies = kwargs.pop("replicate", None)
    try:
        inst = GENERATORS[match[1]](**kwargs)
    except TypeError as exc:
        raise invalid("spec", f"arguments of {match[1]}", f"{kwargs} ({exc})") from None
    return inst.replicate(copies) if copies is not None else inst


def _spec_value(raw: str) -> Any:
    def number(t: str) -> int | float:
        return int(t) if re.fullmatch(r"[+-]?\d+", t) else float(t)

    try:
        if ":" in raw:
            low, high = raw.split(":", 1)
            return (float(low), float(high))
        return number(raw)
    except ValueError:
        return raw


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """Generalized balance with a custom decreasing ``psi``: score ``w_u p_uv psi(l_u)`` with
    ``l_u`` the failed load. ``psi`` is tabulated once at ``l = 0, step, ..., max_load`` (finite
    values ``>= 0``), interpolated linearly in Rust and held constant beyond ``max_load``."""

    psi: Callable[[np.ndarray], Any]
    step: float = 1e-3
    max_load: float = 20.0
    name: str = "balance_custom"

    def _spec(self) -> tuple[str, float, np.ndarray]:
        if not (self.step > 0 and self.max_load > 0 and math.isfinite(self.max_load)):
            raise invalid("Balance", "step > 0 and a finite max_load > 0", f"step={self.step}, max_load={self.max_load}")
        grid = np.arange(int(math.ceil(self.max_load / self.step)) + 1) * self.step
        values = np.ascontiguousarray(np.broadcast_to(np.asarray(self.psi(grid), dtype=np.float64), grid.shape))
        return ("balance_table", float(self.step), values)


PolicyArg = Union[str, Balance, Callable[..., Any]]


def _spec(policy: Any) -> tuple[str, float, np.ndarray | None]:
    if isinstance(policy, Balance):
        return policy._spec()
    if policy == "balance_rational":
        return ("balance_rational", 0.575, None)
    if isinstance(policy, str) and policy in POLICIES:
        return (policy, 0.0, None)
    raise invalid("policies", f"names in {POLICIES}, Balance(psi) or a callable", repr(policy))


def _name(policy: Any) -> str:
    if isinstance(policy, str):
        return policy
    if isinstance(policy, Balance):
        return policy.name
    return str(getattr(policy, "name", None) or getattr(policy, "__name__", None) or type(policy).__name__)


def psi(policy: str | Balance, loads: Any) -> np.ndarray:
    """The ``psi(l)`` a balance policy uses, at each failed load in ``loads``."""
    return _core.matching_psi(_spec(policy), _float_array(np.atleast_1d(loads), "loads"))


def uniforms(seed: int, trial: int, stream: int, indices: Any) -> np.ndarray:
    """The simulator's uniforms ``(seed, trial, stream, index)``: stream 0 = edge coins (index =
    edge id; an attempt succeeds iff the uniform is ``< p``), 1 = per-offline-vertex seeds ``y_u``,
    3 = the ``random`` policy's draws. ``H = mix(mix(mix(mix(seed) ^ trial) ^ stream) ^ index)``
    with SplitMix64's step, uniform ``= (H >> 11) 2^-53``."""
    return _core.matching_uniforms(check_seed(seed), int(trial), int(stream), _index_array(np.atleast_1d(indices), "indices"))


def _python_trials(inst: Instance, policy: Callable[..., Any], trials: int, seed: int) -> np.ndarray:
    """The slow path: plays a Python policy with the simulator's coins; ``(trials, 2)``."""
    out = np.zeros((trials, 2))
    edge_ids = np.arange(inst.num_edges, dtype=_I64)
    wp = inst.w[inst.e_u] * inst.e_p
    reset = getattr(policy, "reset", None)
    observe = getattr(policy, "observe", None)
    for t in range(trials):
        coins = _core.matching_uniforms(seed, t, 0, edge_ids)
        available = np.ones(inst.n_u, dtype=bool)
        if reset is not None:
            reset(t)
        reward = load = 0.0
        for v in range(inst.n_v):
            a, b = int(inst.v_ptr[v]), int(inst.v_ptr[v + 1])
            if a == b:
                continue
            nbrs = inst.e_u[a:b]
            choice = policy(v, nbrs, inst.e_p[a:b], inst.w[nbrs], available.copy())
            if choice is None:
                continue
            hit = np.flatnonzero(nbrs == choice)
            if hit.size != 1 or not available[choice]:
                raise invalid(f"policy {_name(policy)!r} at trial {t}, online vertex {v}", "an available neighbour or None", repr(choice))
            e = a + int(hit[0])
            load += wp[e]
            success = bool(coins[e] < inst.e_p[e])
            if success:
                reward += inst.w[choice]
                available[choice] = False
            if observe is not None:
                observe(int(choice), success)
        out[t] = reward, load
    return out


# ---------------------------------------------------------------------------------------------
# Simulation and its statistics
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyEstimate:
    """Monte Carlo estimates for one policy (rewards lie in ``[0, W]``, ``W = Σ w_u``).

    Attributes:
        mean, std, se: sample mean, standard deviation and standard error of the reward.
        ci_normal: normal-approximation interval ``mean ± z se``.
        ci_bernstein: empirical-Bernstein interval (Maurer and Pontil 2009, Thm 4, two-sided):
            ``mean ± (std sqrt(2 ln(4/δ)/n) + 7 W ln(4/δ) / (3 (n - 1)))``, clipped to
            ``[0, W]``; guaranteed coverage ``>= 1 - δ``.
        load_mean, load_se, load_ci_normal: the expected-load (Rao–Blackwellised) estimator
            ``Σ_attempts w_u p_uv 1{u available}``, unbiased for the reward (MP12 Lemma 2).
        combined_mean, combined_se: the variance-optimal mix ``λ R + (1 - λ) R'`` of the two
            (a control variate, ``λ`` estimated from the same trials).
    """

    name: str
    mean: float
    std: float
    se: float
    ci_normal: tuple[float, float]
    ci_bernstein: tuple[float, float]
    load_mean: float
    load_se: float
    load_ci_normal: tuple[float, float]
    combined_mean: float
    combined_se: float


@dataclass(frozen=True)
class PairedDifference:
    """``first - second`` per trial under common random numbers (same coins in each trial).

    ``ci_bernstein`` uses the range ``2W`` of a difference; ``load_*`` is the difference of the
    expected-load estimators."""

    first: str
    second: str
    mean: float
    se: float
    ci_normal: tuple[float, float]
    ci_bernstein: tuple[float, float]
    load_mean: float
    load_se: float


@dataclass(frozen=True, repr=False)
class SimulationResult:
    """The outcome of :func:`simulate`.

    Attributes:
        policies: policy names, in the order given.
        estimates: one :class:`PolicyEstimate` per policy (also ``result[name]``).
        differences: :class:`PairedDifference` for every ordered pair ``(a, b)`` with ``a``
            before ``b`` in ``policies``.
        trials, seed, confidence: the run's parameters (``seed`` drawn when ``None`` was given).
        mean, cov: means and sample covariance of the ``2P`` per-trial columns (rewards of the
            ``P`` policies, then their expected-load estimators).
        per_trial: ``(trials, 2P)`` values when ``return_trials=True``, else ``None``.
        total_weight: ``W``, the range of a trial's reward.
        seconds: wall-clock time.
    """

    policies: tuple[str, ...]
    estimates: dict[str, PolicyEstimate]
    differences: dict[tuple[str, str], PairedDifference]
    trials: int
    seed: int
    confidence: float
    mean: np.ndarray
    cov: np.ndarray
    per_trial: np.ndarray | None
    total_weight: float
    seconds: float

    def __getitem__(self, name: str) -> PolicyEstimate:
        return self.estimates[name]

    def table(self, benchmark: float | None = None, benchmark_name: str = "LP") -> str:
        """A plain-text table; with ``benchmark``, also ``mean / benchmark``."""
        pct = f"{100 * self.confidence:g}%"
        head = f"{'policy':<20} {'mean':>10} {'se':>9} {pct + ' CI (normal)':>23} {pct + ' CI (Bernstein)':>23} {'load est.':>10} {'se':>9}"
        if benchmark:
            head += f" {'/' + benchmark_name:>8}"
        rows = [head]
        for name in self.policies:
            e = self.estimates[name]
            row = (
                f"{name:<20} {e.mean:>10.5f} {e.se:>9.2e} [{e.ci_normal[0]:>9.5f}, {e.ci_normal[1]:>9.5f}] "
                f"[{e.ci_bernstein[0]:>9.5f}, {e.ci_bernstein[1]:>9.5f}] {e.load_mean:>10.5f} {e.load_se:>9.2e}"
            )
            if benchmark:
                row += f" {e.mean / benchmark:>8.4f}"
            rows.append(row)
        return "\n".join(rows)

    def __repr__(self) -> str:
        return f"SimulationResult({self.trials} trials, seed {self.seed})\n{self.table()}"


def _interval(mean: float, half: float, lo: float = -math.inf, hi: float = math.inf) -> tuple[float, float]:
    return (max(lo, mean - half), min(hi, mean + half))


def _bernstein_half(std: float, n: int, width: float, delta: float) -> float:
    """Half-width of the two-sided empirical-Bernstein interval (Maurer and Pontil 2009, Thm 4)
    at level ``1 - delta`` for ``n`` values in a range of ``width``."""
    if n < 2:
        return math.inf
    log_term = math.log(4.0 / delta)
    return std * math.sqrt(2.0 * log_term / n) + 7.0 * width * log_term / (3.0 * (n - 1))


def _summarize(
    names: tuple[str, ...], n: int, mean: np.ndarray, cov: np.ndarray, total_weight: float, confidence: float
) -> tuple[dict[str, PolicyEstimate], dict[tuple[str, str], PairedDifference]]:
    delta = 1.0 - confidence
    z = NormalDist().inv_cdf(1.0 - delta / 2.0)
    big_p = len(names)

    def bernstein(std: float, width: float) -> float:
        return _bernstein_half(std, n, width, delta)

    estimates: dict[str, PolicyEstimate] = {}
    for k, name in enumerate(names):
        r, l = k, big_p + k
        vr, vl, c = float(cov[r, r]), float(cov[l, l]), float(cov[r, l])
        m_r, m_l = float(mean[r]), float(mean[l])
        se, lse = math.sqrt(vr / n), math.sqrt(vl / n)
        denom = vr + vl - 2.0 * c
        lam = (vl - c) / denom if denom > 0 else 1.0
        comb_var = lam * lam * vr + (1 - lam) ** 2 * vl + 2 * lam * (1 - lam) * c
        estimates[name] = PolicyEstimate(
            name=name,
            mean=m_r,
            std=math.sqrt(vr),
            se=se,
            ci_normal=_interval(m_r, z * se),
            ci_bernstein=_interval(m_r, bernstein(math.sqrt(vr), total_weight), 0.0, total_weight),
            load_mean=m_l,
            load_se=lse,
            load_ci_normal=_interval(m_l, z * lse),
            combined_mean=lam * m_r + (1 - lam) * m_l,
            combined_se=math.sqrt(max(comb_var, 0.0) / n),
        )
    differences: dict[tuple[str, str], PairedDifference] = {}
    for i in range(big_p):
        for j in range(i + 1, big_p):
            var = max(float(cov[i, i] + cov[j, j] - 2 * cov[i, j]), 0.0)
            li, lj = big_p + i, big_p + j
            lvar = max(float(cov[li, li] + cov[lj, lj] - 2 * cov[li, lj]), 0.0)
            d = float(mean[i] - mean[j])
            se = math.sqrt(var / n)
            differences[names[i], names[j]] = PairedDifference(
                first=names[i],
                second=names[j],
                mean=d,
                se=se,
                ci_normal=_interval(d, z * se),
                ci_bernstein=_interval(d, bernstein(math.sqrt(var), 2.0 * total_weight), -total_weight, total_weight),
                load_mean=float(mean[li] - mean[lj]),
                load_se=math.sqrt(lvar / n),
            )
    return estimates, differences


def simulate(
    instance: Instance,
    policies: PolicyArg | Sequence[PolicyArg],
    trials: int,
    seed: int | None = None,
    threads: int | None = None,
    *,
    confidence: float = 0.95,
    return_trials: bool = False,
    progress: ProgressArg = None,
) -> SimulationResult:
    """Monte Carlo of several policies on one instance, in Rust with rayon.

    Every random number is a pure function of ``(seed, trial, stream, index)`` (see
    :func:`uniforms`): in a trial, the coin of edge ``(u, v)`` is the same whichever policy
    attempts it (common random numbers), so paired differences have small variance, and results
    are bit-identical for any ``threads``. Trials run in fixed blocks of 1024 reduced in block
    order. The GIL is released; Ctrl-C cancels; ``progress`` reports trials done.

    ``policies``: names from :data:`POLICIES`, :class:`Balance` objects, or Python callables
    ``policy(v, neighbours, probs, weights, available) -> u | None`` (the slow path: called per
    arrival with the neighbours' offline indices, probabilities and weights, and a copy of the
    availability mask over ``U``; optional methods ``reset(trial)`` and ``observe(u, success)``;
    played in Python with the same coins; ``None`` skips).
    """
    if not isinstance(instance, Instance):
        raise invalid("instance", "a matching.Instance", type(instance).__name__)
    policy_list = [policies] if (isinstance(policies, (str, Balance)) or callable(policies)) else list(policies)
    if not policy_list:
        raise invalid("policies", "at least one policy", "an empty list")
    names = tuple(_name(p) for p in policy_list)
    if len(set(names)) != len(names):
        raise invalid("policies", "distinct policy names", repr(names))
    trials = int(check_positive_int("trials", trials))  # type: ignore[arg-type]
    seed = check_seed(seed)
    threads = check_threads(threads)
    if not (isinstance(confidence, numbers.Real) and 0.0 < confidence < 1.0):
        raise invalid("confidence", "a level in (0, 1)", repr(confidence))
    native = [(k, p) for k, p in enumerate(policy_list) if isinstance(p, (str, Balance))]
    slow = [(k, p) for k, p in enumerate(policy_list) if not isinstance(p, (str, Balance))]
    specs = [_spec(p) for _, p in native]
    start = time.perf_counter()
    keep = return_trials or bool(slow)
    big_p = len(policy_list)
    if native:
        with progress_reporter(progress, "simulate") as callback:
            out = _core.matching_simulate(instance._args(), specs, trials, seed, keep, threads, callback)
    else:
        out = {}
    if not slow:
        mean, cov = np.asarray(out["mean"]), np.asarray(out["cov"])
        per_trial = out.get("per_trial") if return_trials else None
    else:
        values = np.zeros((trials, 2 * big_p))
        p_native = len(native)
        for j, (k, _) in enumerate(native):
            values[:, k] = out["per_trial"][:, j]
            values[:, big_p + k] = out["per_trial"][:, p_native + j]
        for k, p in slow:
            rl = _python_trials(instance, p, trials, seed)
            values[:, k] = rl[:, 0]
            values[:, big_p + k] = rl[:, 1]
        moments = _core.matching_moments(np.ascontiguousarray(values))
        mean, cov = np.asarray(moments["mean"]), np.asarray(moments["cov"])
        per_trial = values if return_trials else None
    estimates, differences = _summarize(names, trials, mean, cov, instance.total_weight, float(confidence))
    return SimulationResult(
        policies=names,
        estimates=estimates,
        differences=differences,
        trials=trials,
        seed=seed,
        confidence=float(confidence),
        mean=_frozen(mean),
        cov=_frozen(cov),
        per_trial=None if per_trial is None else _frozen(np.asarray(per_trial)),
        total_weight=instance.total_weight,
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class Ratio:
    """``E[policy] / benchmark`` with its intervals (see :func:`competitive_ratio`).

    Attributes:
        policy: the policy's name.
        ratio: ``mean / benchmark``.
        ci_normal: ``ratio ± z se``.
        ci_bernstein: guaranteed-coverage interval: the policy's empirical-Bernstein interval
            divided by a deterministic benchmark, or, for an estimated benchmark, the quotient
            of the two Bernstein intervals at level ``1 - δ/2`` each (Bonferroni).
        benchmark: the benchmark value (its estimate when estimated).
        se: standard error of the ratio (the delta method for an estimated benchmark).
        benchmark_se: the benchmark's standard error (0 when deterministic).
        benchmark_name: the benchmark policy's name, or ``""`` for a deterministic value.
    """

    policy: str
    ratio: float
    ci_normal: tuple[float, float]
    ci_bernstein: tuple[float, float]
    benchmark: float
    se: float = 0.0
    benchmark_se: float = 0.0
    benchmark_name: str = ""


def competitive_ratio(sim: SimulationResult, benchmark: float | str) -> dict[str, Ratio]:
    """Per policy, the simulated value over a benchmark, with intervals.

    ``benchmark`` is either a deterministic value (``matching_lp(inst).value``,
    ``stochastic_configuration_lp(inst).value``, ``clairvoyant(inst)``): intervals are the
    policy's divided by it; or the name of a policy of ``sim`` that serves as an *estimated*
    benchmark played on the same coins (e.g. :func:`clairvoyant_policy`, or any callable):
    then ``r = Â / B̂`` with the delta-method standard error
    ``sqrt((Var A + r² Var B - 2 r Cov(A, B)) / n) / B̂`` from the per-trial covariance (common
    random numbers make the covariance large and the interval tight), and a Bonferroni
    empirical-Bernstein interval ``[A_lo / B_hi, A_hi / B_lo]``.
    """
    if not isinstance(sim, SimulationResult):
        raise invalid("sim", "a SimulationResult", type(sim).__name__)
    delta = 1.0 - sim.confidence
    z = NormalDist().inv_cdf(1.0 - delta / 2.0)
    out = {}
    if isinstance(benchmark, str):
        if benchmark not in sim.estimates:
            raise invalid("benchmark", f"a number or a policy of the simulation {sim.policies}", repr(benchmark))
        j = sim.policies.index(benchmark)
        b = float(sim.mean[j])
        if not b > 0:
            raise invalid("benchmark", "a policy with a positive mean", f"{benchmark!r} with mean {b}")
        n, width = sim.trials, sim.total_weight
        var_b = float(sim.cov[j, j])
        half_b = _bernstein_half(math.sqrt(var_b), n, width, delta / 2.0)
        b_lo, b_hi = max(b - half_b, 0.0), min(b + half_b, width)
        for k, name in enumerate(sim.policies):
            a = float(sim.mean[k])
            r = a / b
            var = max(float(sim.cov[k, k]) + r * r * var_b - 2.0 * r * float(sim.cov[k, j]), 0.0)
            se = math.sqrt(var / n) / b
            half_a = _bernstein_half(math.sqrt(float(sim.cov[k, k])), n, width, delta / 2.0)
            a_lo, a_hi = max(a - half_a, 0.0), min(a + half_a, width)
            out[name] = Ratio(
                policy=name,
                ratio=r,
                ci_normal=(r - z * se, r + z * se),
                ci_bernstein=(a_lo / b_hi, a_hi / b_lo if b_lo > 0 else math.inf),
                benchmark=b,
                se=se,
                benchmark_se=math.sqrt(var_b / n),
                benchmark_name=benchmark,
            )
        return out
    if isinstance(benchmark, bool) or not isinstance(benchmark, numbers.Real):
        raise invalid("benchmark", "a finite benchmark value > 0 or a policy name", repr(benchmark))
    b = float(benchmark)
    if not (math.isfinite(b) and b > 0):
        raise invalid("benchmark", "a finite benchmark value > 0", repr(benchmark))
    for name in sim.policies:
        e = sim[name]
        out[name] = Ratio(
            policy=name,
            ratio=e.mean / b,
            ci_normal=(e.ci_normal[0] / b, e.ci_normal[1] / b),
            ci_bernstein=(e.ci_bernstein[0] / b, e.ci_bernstein[1] / b),
            benchmark=b,
            se=e.se / b,
        )
    return out


def ratio_table(ratios: Mapping[str, Mapping[str, Ratio]], interval: str = "normal") -> str:
    """A plain-text report of ``{instance name: competitive_ratio(...)}``: one row per instance
    and policy with the ratio, its standard error and interval (``"normal"`` or
    ``"bernstein"``), and the benchmark."""
    pick = _interval_picker(interval)
    rows = [f"{'instance':<28} {'policy':<20} {'ratio':>8} {'se':>9} {'interval':>21} {'benchmark':>12}"]
    for inst_name, per_policy in ratios.items():
        for name, r in per_policy.items():
            lo, hi = pick(r)
            bench = f"{r.benchmark:.6g}" + (f" ({r.benchmark_name})" if r.benchmark_name else "")
            rows.append(f"{inst_name:<28} {name:<20} {r.ratio:>8.4f} {r.se:>9.2e} [{lo:>8.4f}, {hi:>8.4f}] {bench:>12}")
    return "\n".join(rows)


def _interval_picker(interval: str) -> Callable[[Ratio], tuple[float, float]]:
    if interval == "normal":
        return lambda r: r.ci_normal
    if interval == "bernstein":
        return lambda r: r.ci_bernstein
    raise invalid("interval", "'normal' or 'bernstein'", repr(interval))


def plot_ratios(
    ratios: Mapping[str, Mapping[str, Ratio]],
    *,
    interval: str = "normal",
    ax: Any = None,
    reference: Sequence[float] = (),
) -> Any:
    """Plots ``{instance name: competitive_ratio(...)}``: per instance (x axis) one point per
    policy with its interval as an error bar, policies side by side; ``reference`` draws
    horizontal lines (e.g. ``1 - 1/e``). Needs matplotlib (``pip install equilibria[plot]``).
    Returns the axes."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_ratios needs matplotlib: pip install 'equilibria[plot]'") from exc
    pick = _interval_picker(interval)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(ratios) + 2.0), 3.5))
    instances = list(ratios)
    policies: list[str] = []
    for per_policy in ratios.values():
        policies.extend(p for p in per_policy if p not in policies)
    width = 0.8 / max(len(policies), 1)
    for k, name in enumerate(policies):
        xs, ys, lo, hi = [], [], [], []
        for i, inst_name in enumerate(instances):
            r = ratios[inst_name].get(name)
            if r is None:
                continue
            a, b = pick(r)
            xs.append(i - 0.4 + width * (k + 0.5))
            ys.append(r.ratio)
            lo.append(r.ratio - a)
            hi.append(b - r.ratio)
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o", capsize=3, label=name)
    for level in reference:
        ax.axhline(level, color="grey", linestyle=":", linewidth=1)
    ax.set_xticks(range(len(instances)))
    ax.set_xticklabels(instances, rotation=20, ha="right")
    ax.set_ylabel("E[policy] / benchmark")
    ax.legend(fontsize="small")
    return ax


class _ClairvoyantPolicy:
    """The optimal clairvoyant policy as a slow-path policy (see :func:`clairvoyant_policy`)."""

    name = "clairvoyant"

    def __init__(self, instance: Instance, table: np.ndarray) -> None:
        self._values = table
        self._w = instance.w

    def __call__(self, v: int, neighbours: np.ndarray, probs: np.ndarray, weights: np.ndarray, available: np.ndarray) -> int | None:
        mask = int(np.dot(available.astype(np.int64), 1 << np.arange(len(available), dtype=np.int64)))
        after = self._values[v + 1]
        stay = after[mask]
        best, choice = stay, None
        for u, p, w in zip(neighbours.tolist(), probs.tolist(), weights.tolist()):
            if available[u]:
                val = p * (w + after[mask & ~(1 << u)]) + (1.0 - p) * stay
                if val > best:
                    best, choice = val, u
        return choice


def clairvoyant_policy(instance: Instance, *, threads: int | None = None) -> Callable[..., int | None]:
    """An optimal clairvoyant policy (Goyal–Udwani's benchmark) to play in :func:`simulate`
    (slow path, named ``"clairvoyant"``): it reads the exact value-to-go table ``V(t, A)`` of
    :func:`clairvoyant` (computed in Rust; ``(n_v + 1) 2^n_u <= 2^26`` entries) and attempts the
    neighbour maximizing ``p (w_u + V(t+1, A - u)) + (1 - p) V(t+1, A)`` (skipping when no
    attempt beats ``V(t+1, A)``). Simulated with the other policies on the same coins, it is an
    estimated benchmark for :func:`competitive_ratio` whose mean is :func:`clairvoyant`."""
    if not isinstance(instance, Instance):
        raise invalid("instance", "a matching.Instance", type(instance).__name__)
    flat = np.asarray(_core.matching_clairvoyant_values(instance._args(), check_threads(threads)))
    return _ClairvoyantPolicy(instance, flat.reshape(instance.n_v + 1, 1 << instance.n_u))


# ---------------------------------------------------------------------------------------------
# Exact values and benchmarks
# ---------------------------------------------------------------------------------------------


def evaluate(instance: Instance, policy: str | Balance, *, threads: int | None = None, progress: ProgressArg = None) -> float:
    """The exact expected reward of a policy on a small instance.

    Deterministic policies (``greedy``, ``stochastic_balance``, the balance family,
    ``nonadaptive``) and ``random`` by propagating the exact distribution over the states the
    policy reads (available set; failure counts; failed loads); ``ranking`` as the average over
    all ``n_u!`` rank orders (``n_u <= 9``). ``perturbed_greedy`` has no exact evaluation.
    """
    with progress_reporter(progress, "evaluate") as callback:
        return float(_core.matching_exact(instance._args(), "policy", _spec(policy), check_threads(threads), callback))


def clairvoyant(instance: Instance, *, threads: int | None = None) -> float:
    """The clairvoyant optimum (Goyal–Udwani): the best adaptive policy that knows the instance
    but not the outcomes and processes online vertices in arrival order; DP over ``2^n_u``
    available sets per arrival (``n_u <= 22``)."""
    return float(_core.matching_exact(instance._args(), "clairvoyant", None, check_threads(threads), None))


def fully_offline(instance: Instance, *, threads: int | None = None) -> float:
    """The fully-offline optimum (Goyal–Udwani): like :func:`clairvoyant`, but the policy also
    chooses which online vertex to process next (each at most once); DP over
    ``2^(n_u + n_v)`` states (``n_u + n_v <= 22``)."""
    return float(_core.matching_exact(instance._args(), "fully_offline", None, check_threads(threads), None))
