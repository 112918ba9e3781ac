"""Timings of the matching benchmark LPs: Huang-Zhang's configuration LP and the (reconstructed)
stochastic configuration LP by column generation (arrival order and any order), the stochastic
LP's compact form, and the matching LP, on Erdős–Rényi instances (best of 3 wall-clock runs each).

Run: ``python benches/matching_lp_timings.py``
"""

from __future__ import annotations

import time

from equilibria import matching as M

CASES = [
    (100, 0.111, (0.01, 1.0)),
    (300, 0.111, (0.01, 1.0)),
    (300, 0.333, (0.01, 1.0)),
    (100, 0.111, (0.01, 0.2)),
    (300, 0.111, (0.01, 0.2)),
]

SOLVERS = [
    ("configuration_lp (CG)", lambda i: M.configuration_lp(i)),
    ("stochastic (CG)", lambda i: M.stochastic_configuration_lp(i)),
    ("stochastic (compact)", lambda i: M.stochastic_configuration_lp(i, method="compact")),
    ("stochastic any (CG)", lambda i: M.stochastic_configuration_lp(i, order="any")),
    ("matching_lp", lambda i: M.matching_lp(i)),
]


def main() -> None:
    """Prints one line per instance and LP."""
    for n, q, p in CASES:
        inst = M.erdos_renyi(n, n, q, p, seed=1)
        for name, solve in SOLVERS:
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                r = solve(inst)
                best = min(best, time.perf_counter() - t)
            extra = ""
            if isinstance(r, M.ConfigurationLp):
                extra = f"  solves={r.iterations} columns={r.num_columns} converged={r.converged} bound-value={r.bound - r.value:.1e}"
            print(f"ER {n}x{n} q={q} p~U{p} edges={inst.num_edges}  {name:<22} value={r.value:.6f}  {best:.3f} s{extra}", flush=True)


if __name__ == "__main__":
    main()
