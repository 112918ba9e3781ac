"""Exploitability of the average strategy after 100 and 1000 iterations, per CFR variant.

Run: python benches/cfr_convergence.py [game ...]   (default: kuhn_poker leduc_poker)
Prints a Markdown table (single thread, alternating updates, each variant's default averaging).
"""

from __future__ import annotations

import sys
import time

import equilibria as eq


def main(names: list[str]) -> None:
    print("| game | variant | expl@100 | expl@1000 | ms/iteration |")
    print("|---|---|---|---|---|")
    for name in names:
        game = eq.games.load(name)
        for variant in eq.CFR_VARIANTS:
            solver = eq.CFR(game, variant, threads=1)
            start = time.perf_counter()
            solver.run(1000, checkpoint_every=100)
            seconds = time.perf_counter() - start
            trace = dict(solver.trace)
            # Checkpoint time is included; it is about one iteration per checkpoint.
            per_iteration = seconds / 1000 * 1e3
            print(f"| {name} | {variant} | {trace[100]:.3g} | {trace[1000]:.3g} | {per_iteration:.4f} |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["kuhn_poker", "leduc_poker"])
