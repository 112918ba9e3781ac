"""Zero-sum matrix games with equilibria: one large game, a batch of small ones, certificates.

Run: python examples/matrix_games.py
"""

import numpy as np

import equilibria as eq

# One large game: PRM+ with the support polish, certified by the duality gap.
A = eq.random_matrix_game(500, 500, seed=0)
r = eq.solve_matrix_game(A, method="prm+", tol=1e-6)
print(r)
print("independent certificate:", eq.duality_gap(A, r.x, r.y))

# The same game by HiGHS, for comparison (values agree within the gaps).
lp = eq.solve_matrix_game(A, method="lp")
print(f"LP value {lp.value:.12f} vs PRM+ value {r.value:.12f}")

# A batch of 10,000 small games solved exactly, in parallel.
batch = np.random.default_rng(1).uniform(-1, 1, (10_000, 4, 4))
rb = eq.solve_matrix_games(batch)
print(rb)
print("largest gap in the batch:", rb.gap.max())
