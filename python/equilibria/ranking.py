"""The Consensus Game's EQUILIBRIUM-RANKING (Jacob, Shen, Farina and Andreas, ICLR 2024,
arXiv 2310.09139): re-rank a language model's candidate answers by the equilibrium of a
KL-regularized signalling game between its generative and its discriminative self.

For a question with candidates ``y_1 .. y_K``, nature draws ``v`` in (correct, incorrect)
uniformly; the GENERATOR sees ``v`` and picks ``y ~ π_G(·|v)``; the DISCRIMINATOR sees ``y`` and
guesses ``v' ~ π_D(·|y)``; both get 1 when ``v' = v``. Each player is pulled (in KL) towards an
anchor made from the language model's scores ``p_gen[v, y] = P(y | x, v)`` and
``p_disc[y, v] = P(v | x, y)``, normalised across the *other* variable first::

    π_G¹(y|v) ∝ p_gen[v, y] / Σ_v' p_gen[v', y]      (then renormalised over y)
    π_D¹(v|y) ∝ p_disc[y, v] / Σ_y' p_disc[y', v]    (then renormalised over v)

Starting from the anchors, both players run piKL-Hedge on their average utilities, updating
simultaneously for ``t = 1 .. T`` (the averages include the current policies)::

    Q_G(y|v) = (1/2t) Σ_{τ<=t} π_D^τ(v|y)          Q_D(v|y) = (1/2t) Σ_{τ<=t} π_G^τ(y|v)
    π_G^{t+1}(y|v) ∝ exp[(Q_G(y|v) + λ_G log π_G¹(y|v)) / (1/(η_G t) + λ_G)]
    π_D^{t+1}(v|y) ∝ exp[(Q_D(v|y) + λ_D log π_D¹(v|y)) / (1/(η_D t) + λ_D)]

and the last iterate ``π^{T+1}`` ranks the candidates: ER-G by ``π_G(y|correct)``, ER-D by
``π_D(correct|y)``.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass
from typing import Any

import array_api_compat
import numpy as np

from . import _core, gpu
from ._ranking_inputs import check_ranking_inputs
from ._runtime import ProgressArg, check_nonnegative_float, check_threads, invalid, progress_reporter

__all__ = ["RankingResult", "equilibrium_ranking"]


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, repr=False)
class RankingResult:
    """The outcome of :func:`equilibrium_ranking`; read-only arrays.

    For a single question (inputs ``(2, K)`` and ``(K, 2)``) the arrays have no batch axis and
    ``residual`` is a float; for a batch they lead with the question axis ``B``. Masked-out
    candidates have probability 0 and come last in both rankings.

    Attributes:
        pi_gen: final generator policies ``π_G(y|v)``, ``(…, 2, K)``; row 0 is ``v = correct``.
        pi_disc: final discriminator policies ``π_D(v|y)``, ``(…, K, 2)``; column 0 is correct.
        score_gen: ER-G scores ``π_G(y|correct)``, ``(…, K)``.
        score_disc: ER-D scores ``π_D(correct|y)``, ``(…, K)``.
        ranking_gen: candidate indices by decreasing ER-G score (ties to the lower index),
            ``(…, K)`` int64; ``ranking_gen[..., 0]`` is ER-G's answer.
        ranking_disc: the same for ER-D.
        residual: fixed-point residual per question,
            ``‖π_G - softmax_y(log π_G¹ + π_D(v|·)/(2λ_G))‖₁ + ‖π_D - softmax_v(log π_D¹ + π_G(·|v)/(2λ_D))‖₁``:
            0 exactly at an equilibrium of the regularized game (for ``λ = 0`` the softmax is the
            anchor restricted to the best responses). The certificate; it shrinks as ``T`` grows
            but is not 0 at finite ``T`` (the ``1/(ηt)`` temperature decays like ``1/T``).
        anchor_gen: the anchors ``π_G¹``, ``(…, 2, K)``.
        anchor_disc: the anchors ``π_D¹``, ``(…, K, 2)``.
        iterations: ``T``.
        seconds: wall-clock time.
    """

    pi_gen: np.ndarray
    pi_disc: np.ndarray
    score_gen: np.ndarray
    score_disc: np.ndarray
    ranking_gen: np.ndarray
    ranking_disc: np.ndarray
    residual: float | np.ndarray
    anchor_gen: np.ndarray
    anchor_disc: np.ndarray
    iterations: int
    seconds: float = 0.0

    @property
    def batched(self) -> bool:
        """Whether the input was a batch of questions."""
        return self.pi_gen.ndim == 3

    def __repr__(self) -> str:
        if self.batched:
            residual = np.asarray(self.residual)
            return (
                f"RankingResult(questions={self.pi_gen.shape[0]}, candidates={self.pi_gen.shape[2]}, "
                f"iterations={self.iterations}, max_residual={float(residual.max()):.3e}, "
                f"seconds={self.seconds:.3g})"
            )
        return (
            f"RankingResult(candidates={self.pi_gen.shape[1]}, ranking_gen={self.ranking_gen.tolist()}, "
            f"ranking_disc={self.ranking_disc.tolist()}, residual={float(self.residual):.3e}, "
            f"iterations={self.iterations})"
        )


def _probabilities(value: Any, name: str, shape_doc: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise invalid(name, f"an array of shape {shape_doc}", f"an object numpy cannot convert ({exc})") from None
    if arr.dtype.kind not in "iuf":
        raise invalid(name, "a real numeric array (integer or float dtype)", f"dtype {arr.dtype}")
    return arr


def _check_eta(name: str, value: object) -> float:
    v = check_nonnegative_float(name, value)
    if v == 0:
        raise invalid(name, "a finite number > 0", repr(value))
    return v


def dynamics_settings(
    lambda_g: Any, lambda_d: Any, eta_g: Any, eta_d: Any, iterations: Any
) -> tuple[float, float, float, float, int]:
    """The validated ``(λ_G, λ_D, η_G, η_D, T)`` (shared with the device path)."""
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) or iterations < 0:
        raise invalid("iterations", "a non-negative integer", repr(iterations))
    return (
        check_nonnegative_float("lambda_g", lambda_g),
        check_nonnegative_float("lambda_d", lambda_d),
        _check_eta("eta_g", eta_g),
        _check_eta("eta_d", eta_d),
        int(iterations),
    )


def equilibrium_ranking(
    p_gen: Any,
    p_disc: Any,
    lambda_g: float = 0.1,
    lambda_d: float = 0.1,
    eta_g: float = 0.1,
    eta_d: float = 0.1,
    iterations: int = 5000,
    mask: Any = None,
    *,
    threads: int | None = None,
    progress: ProgressArg = False,
) -> RankingResult:
    """EQUILIBRIUM-RANKING of the candidates of one question or of a batch of questions.

    Args:
        p_gen: ``p_gen[v, y] = P_LM(y | x, v)``, the (length-normalised) probability of candidate
            ``y`` under a prompt asking for a correct (``v = 0``) or an incorrect (``v = 1``)
            answer; shape ``(2, K)``, or ``(B, 2, K)`` for ``B`` questions.
        p_disc: ``p_disc[y, v] = P_LM(v | x, y)``, the probability the model calls candidate ``y``
            correct (``v = 0``) or incorrect (``v = 1``); shape ``(K, 2)`` or ``(B, K, 2)``.
            Neither input needs to be normalised: only ratios matter.
        lambda_g, lambda_d: KL weights ``λ >= 0`` towards the anchors (``λ → ∞`` returns the
            anchors, ``λ = 0`` is plain Hedge started at the anchors).
        eta_g, eta_d: learning rates ``η > 0``.
        iterations: ``T >= 0`` (0 returns the anchors).
        mask: boolean, ``(K,)`` or ``(B, K)``, ``True`` for real candidates (questions with fewer
            candidates than ``K``); a ``(K,)`` mask applies to every question. Masked-out entries
            of ``p_gen`` and ``p_disc`` are never read (padding may be NaN); the result equals
            running each question on its real candidates alone, with zeros and last ranks for the
            others.
        (device arrays): torch or cupy ``p_gen``, ``p_disc`` (and ``mask``) run the same dynamics
            on their device through :mod:`equilibria.gpu`; the result's arrays stay there.
        threads: ``None`` uses all cores; an int a local pool of that many threads. Questions run
            in parallel; the answer is bit-for-bit the same for every thread count and does not
            depend on the other questions of the batch.
        progress: ``True`` shows a tqdm bar; a callable receives ``(done, total)`` in
            question-iterations.

    Real entries must be finite and non-negative, each row of ``p_gen`` and each real row of
    ``p_disc`` must have a positive entry, and each question a real candidate. A zero in an
    anchor is structural: that probability stays 0 for every ``λ`` (a candidate whose two
    ``p_gen`` entries are both 0 is never generated).

    Returns:
        A :class:`RankingResult` with the final policies, the ER-G and ER-D scores and rankings,
        the anchors and the fixed-point residual of each question.

    Raises:
        InvalidInputError: bad arguments (the message names the argument).
        KeyboardInterrupt: on Ctrl-C (the call returns within about 0.1 s).

    Sources. Checked against the paper's text that could be consulted here (abstract; the ICLR
    2024 reviews, which quote it): the game (a regularized imperfect-information signalling game
    between a generator that is told a correctness value and a discriminator that must recover
    it), the piKL dynamics of its eqs. (1)-(2) with weights ``λ_G`` and ``η_G t``, the
    normalised generator and discriminator probabilities of its section 2.2 and the two
    rankings ER-G and ER-D. Not confirmed from the paper itself (it could not be read in full):
    the exact anchor normalisation above, the ``1/(2t)`` averaging of ``Q`` (a reviewer asks
    whether ``Q`` carries a ``1/t``), the defaults ``λ = η = 0.1`` and ``T = 5000`` and the
    use of the last iterate; these follow the piKL-Hedge form of the authors' RECO paper and
    agreeing public re-implementations, and reproduce the project's golden example
    (``p_gen = [[.5,.3,.2],[.4,.3,.3]]``, ``p_disc = [[.3,.7],[.8,.2],[.5,.5]]``: final
    ``π_G(·|correct) = [0.012635, 0.971169, 0.016196]``, ranking ``[1, 2, 0]``).
    """
    device = gpu.device_call(
        "equilibrium_ranking",
        p_gen,
        p_disc,
        mask,
        lambda_g=lambda_g,
        lambda_d=lambda_d,
        eta_g=eta_g,
        eta_d=eta_d,
        iterations=iterations,
        progress=progress,
    )
    if device is not None:
        return device
    gen = _probabilities(p_gen, "p_gen", "(2, K) or (B, 2, K)")
    disc = _probabilities(p_disc, "p_disc", "(K, 2) or (B, K, 2)")
    gen, disc, real, batched = check_ranking_inputs(array_api_compat.array_namespace(gen), gen, disc, None if mask is None else np.asarray(mask))
    gen = np.ascontiguousarray(gen, dtype=np.float64)
    disc = np.ascontiguousarray(disc, dtype=np.float64)
    mask_arr = None if mask is None else np.ascontiguousarray(real)
    lg, ld, eg, ed, its = dynamics_settings(lambda_g, lambda_d, eta_g, eta_d, iterations)
    threads = check_threads(threads)
    start = time.perf_counter()
    with progress_reporter(progress, "equilibrium ranking") as callback:
        out = _core.equilibrium_ranking(gen, disc, mask_arr, lg, ld, eg, ed, its, threads, callback)
    seconds = time.perf_counter() - start
    pi_gen, pi_disc = out["pi_gen"], out["pi_disc"]
    fields = {
        "pi_gen": pi_gen,
        "pi_disc": pi_disc,
        "score_gen": np.ascontiguousarray(pi_gen[:, 0, :]),
        "score_disc": np.ascontiguousarray(pi_disc[:, :, 0]),
        "ranking_gen": out["ranking_gen"],
        "ranking_disc": out["ranking_disc"],
        "anchor_gen": out["anchor_gen"],
        "anchor_disc": out["anchor_disc"],
    }
    if not batched:
        fields = {name: np.ascontiguousarray(a[0]) for name, a in fields.items()}
    residual: float | np.ndarray = out["residual"] if batched else float(out["residual"][0])
    return RankingResult(
        **{name: _frozen(a) for name, a in fields.items()},
        residual=_frozen(residual) if isinstance(residual, np.ndarray) else residual,
        iterations=its,
        seconds=seconds,
    )
