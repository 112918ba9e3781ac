"""Type stubs of the compiled module ``equilibria._core`` (private; use the ``equilibria`` API)."""

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str

def solve_matrix_game(
    a: npt.NDArray[np.float64],
    method: str,
    tol: float,
    max_iters: int,
    check_every: int,
    polish: bool,
    step_size: float | None,
    threads: int | None,
    progress: Callable[[int, int], object] | None,
) -> dict[str, Any]: ...
def solve_matrix_games(
    a: npt.NDArray[np.float64],
    method: str,
    tol: float,
    max_iters: int,
    check_every: int,
    polish: bool,
    step_size: float | None,
    threads: int | None,
    progress: Callable[[int, int], object] | None,
) -> dict[str, Any]: ...
def duality_gap(
    a: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> float: ...
def uniform_games(
    batch: int, rows: int, cols: int, low: float, high: float, seed: int
) -> npt.NDArray[np.float64]: ...
