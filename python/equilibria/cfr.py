"""The CFR family and Monte-Carlo CFR for two-player zero-sum extensive-form games.

:class:`CFR` runs CFR, CFR+, LCFR, DCFR and PCFR+ as one sequence-form traversal with small
per-infoset update rules (conventions of OpenSpiel, so iterates match ``pyspiel.CFRSolver`` and
friends); :class:`MCCFR` runs external- and outcome-sampling Monte-Carlo CFR. Both keep their
state between :meth:`run` calls, release the GIL, stop on Ctrl-C (keeping every finished
iteration) and record ``(iteration, exploitability)`` checkpoints.
"""

from __future__ import annotations

from typing import Any

from . import _core
from ._runtime import (
    ProgressArg,
    check_nonnegative_float,
    check_positive_int,
    check_seed,
    check_threads,
    invalid,
    progress_reporter,
)
from .efg import BehaviorStrategy, ExtensiveGame

__all__ = ["CFR", "MCCFR", "CFR_VARIANTS"]

#: The CFR variants and their default settings.
CFR_VARIANTS = {
    "cfr": "vanilla CFR (Zinkevich et al. 2007), uniform average",
    "cfr+": "CFR+ (Tammelin 2014): regrets floored at 0, linear average",
    "lcfr": "linear CFR = DCFR(alpha=1, beta=1, gamma=1) (Brown and Sandholm 2019)",
    "dcfr": "discounted CFR, alpha=1.5, beta=0, gamma=2 (Brown and Sandholm 2019)",
    "pcfr+": "predictive CFR+ (Farina, Kroer and Sandholm 2021), quadratic average",
}


def _check_game(game: Any) -> ExtensiveGame:
    if not isinstance(game, ExtensiveGame):
        raise invalid("game", "an equilibria.ExtensiveGame", type(game).__name__)
    return game


def _check_iterations(iterations: Any, checkpoint_every: Any) -> tuple[int, int | None]:
    its = check_positive_int("iterations", iterations)
    every = check_positive_int("checkpoint_every", checkpoint_every, allow_none=True)
    assert its is not None
    return its, every


class CFR:
    """A CFR-family solver for a two-player zero-sum game with perfect recall.

    Args:
        game: the game.
        variant: ``"cfr"``, ``"cfr+"`` (default), ``"lcfr"``, ``"dcfr"`` or ``"pcfr+"`` (see
            :data:`CFR_VARIANTS`).
        alternating: alternating updates (default, as OpenSpiel) or simultaneous.
        threads: ``None`` (all cores) or a thread count; results are identical for any count.
        alpha, beta: DCFR/LCFR discount exponents (positive regrets ``t^a/(t^a+1)``, negative
            ``t^b/(t^b+1)``); only for ``"dcfr"``/``"lcfr"``.
        gamma: average-strategy weight exponent ``t^gamma`` (default per variant: 0, 1, 1, 2, 2).

    Example::

        solver = CFR(equilibria.games.kuhn_poker(), "dcfr").run(1000, checkpoint_every=100)
        solver.average_strategy(), solver.trace[-1]
    """

    def __init__(
        self,
        game: ExtensiveGame,
        variant: str = "cfr+",
        alternating: bool = True,
        threads: int | None = None,
        *,
        alpha: float | None = None,
        beta: float | None = None,
        gamma: float | None = None,
    ) -> None:
        self.game = _check_game(game)
        if variant not in CFR_VARIANTS:
            raise invalid("variant", f"one of {sorted(CFR_VARIANTS)}", repr(variant))
        if (alpha is not None or beta is not None) and variant not in ("dcfr", "lcfr"):
            raise invalid("alpha/beta", "discount exponents only with variant 'dcfr' or 'lcfr'", repr(variant))
        for name, value in (("alpha", alpha), ("beta", beta)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise invalid(name, "a finite number", repr(value))
        if gamma is not None:
            gamma = check_nonnegative_float("gamma", gamma)
        self.variant = variant
        self.alternating = bool(alternating)
        self.threads = check_threads(threads)
        self._solver = _core.CfrSolver(
            game._core,
            variant,
            self.alternating,
            gamma,
            None if alpha is None else float(alpha),
            None if beta is None else float(beta),
        )

    def run(self, iterations: int, progress: ProgressArg = False, checkpoint_every: int | None = None) -> CFR:
        """Runs ``iterations`` more iterations; with ``checkpoint_every=k`` records the average
        strategy's exploitability every ``k`` iterations and after the last. Returns ``self``."""
        its, every = _check_iterations(iterations, checkpoint_every)
        with progress_reporter(progress, f"{self.variant}") as report:
            self._solver.run(its, every, self.threads, report)
        return self

    @property
    def iterations(self) -> int:
        """Iterations run so far."""
        return self._solver.iterations

    @property
    def trace(self) -> list[tuple[int, float]]:
        """``(iteration, exploitability of the average strategy)`` checkpoints."""
        return self._solver.trace

    def average_strategy(self) -> BehaviorStrategy:
        """The weighted average of the strategies played: the equilibrium approximation."""
        return BehaviorStrategy(self.game, self._solver.average_strategy())

    def current_strategy(self) -> BehaviorStrategy:
        """The strategy the next iteration plays (the last iterate)."""
        return BehaviorStrategy(self.game, self._solver.current_strategy())

    def exploitability(self) -> float:
        """OpenSpiel's exploitability (NashConv / 2) of the average strategy."""
        return self._solver.exploitability()

    def __repr__(self) -> str:
        return f"CFR(variant={self.variant!r}, alternating={self.alternating}, iterations={self.iterations})"


class MCCFR:
    """Monte-Carlo CFR (Lanctot et al. 2009) for a two-player zero-sum perfect-recall game.

    Args:
        game: the game.
        sampling: ``"external"`` (sample chance and the opponent, simple averaging) or
            ``"outcome"`` (one trajectory, exploration ``epsilon``, stochastically-weighted
            averaging), as OpenSpiel's Python MCCFR solvers.
        seed: reproducible randomness; ``None`` draws one (kept in :attr:`seed`). Each traversal
            uses its own stream keyed by (seed, iteration, player); the run is sequential, so
            the result does not depend on the thread count.
        epsilon: exploration of outcome sampling (default 0.6, OpenSpiel's).
    """

    def __init__(
        self,
        game: ExtensiveGame,
        sampling: str = "external",
        seed: int | None = None,
        epsilon: float = 0.6,
    ) -> None:
        self.game = _check_game(game)
        if sampling not in ("external", "outcome"):
            raise invalid("sampling", "'external' or 'outcome'", repr(sampling))
        eps = check_nonnegative_float("epsilon", epsilon)
        if not 0.0 < eps <= 1.0:
            raise invalid("epsilon", "an exploration in (0, 1]", repr(epsilon))
        self.sampling = sampling
        self.seed = check_seed(seed)
        self._solver = _core.MccfrSolver(game._core, sampling, self.seed, eps)

    def run(self, iterations: int, progress: ProgressArg = False, checkpoint_every: int | None = None) -> MCCFR:
        """Runs ``iterations`` more iterations (one traversal per player each); see
        :meth:`CFR.run`. Returns ``self``."""
        its, every = _check_iterations(iterations, checkpoint_every)
        with progress_reporter(progress, f"mccfr-{self.sampling}") as report:
            self._solver.run(its, every, report)
        return self

    @property
    def iterations(self) -> int:
        """Iterations run so far."""
        return self._solver.iterations

    @property
    def trace(self) -> list[tuple[int, float]]:
        """``(iteration, exploitability of the average strategy)`` checkpoints."""
        return self._solver.trace

    def average_strategy(self) -> BehaviorStrategy:
        """The average strategy: the equilibrium approximation."""
        return BehaviorStrategy(self.game, self._solver.average_strategy())

    def current_strategy(self) -> BehaviorStrategy:
        """Regret matching on the accumulated regrets."""
        return BehaviorStrategy(self.game, self._solver.current_strategy())

    def exploitability(self) -> float:
        """OpenSpiel's exploitability (NashConv / 2) of the average strategy."""
        return self._solver.exploitability()

    def __repr__(self) -> str:
        return f"MCCFR(sampling={self.sampling!r}, seed={self.seed}, iterations={self.iterations})"
