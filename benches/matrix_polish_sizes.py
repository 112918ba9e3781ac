"""Wall-clock time of the default ``solve_matrix_game`` (PRM+ with the support polish) to duality
gap 1e-6 on random U[-1, 1] games of several sizes, best of 3 (one run above 1000x1000), with
the iteration at which the polish succeeded. The figures of the work-budget polish rule in
BENCHMARKS.md come from this script.

Run: ``python benches/matrix_polish_sizes.py``
"""

from __future__ import annotations

import time

import numpy as np

import equilibria as eq

CASES = [(100, 100, 0), (300, 300, 0), (500, 800, 0), (1000, 1000, 0), (1000, 1000, 1), (2000, 2000, 0)]


def main() -> None:
    """Prints one line per game."""
    for m, n, seed in CASES:
        a = np.random.default_rng(seed).uniform(-1, 1, (m, n))
        best = float("inf")
        for _ in range(3 if m <= 1000 else 1):
            t = time.perf_counter()
            r = eq.solve_matrix_game(a, tol=1e-6)
            best = min(best, time.perf_counter() - t)
        print(f"{m}x{n} seed {seed}: {best:.3f} s, iterations {r.iterations}, gap {r.gap:.1e}, polished {r.polished}", flush=True)


if __name__ == "__main__":
    main()
