"""equilibria: high-throughput game solving with a Rust core.

Public API (everything else is private):

- zero-sum matrix games: :func:`solve_matrix_game`, :func:`solve_matrix_games`,
  :func:`duality_gap`, :func:`random_matrix_game`;
- exceptions: :class:`EquilibriaError` (root), :class:`InvalidInputError` (bad arguments, also a
  ``ValueError``), :class:`NumericalError`.
"""

from ._core import __version__
from ._runtime import EquilibriaError, InvalidInputError, NumericalError
from .normal_form import (
    MatrixGameResult,
    MatrixGamesResult,
    duality_gap,
    random_matrix_game,
    solve_matrix_game,
    solve_matrix_games,
)

__all__ = [
    "__version__",
    "EquilibriaError",
    "InvalidInputError",
    "NumericalError",
    "MatrixGameResult",
    "MatrixGamesResult",
    "duality_gap",
    "random_matrix_game",
    "solve_matrix_game",
    "solve_matrix_games",
]
