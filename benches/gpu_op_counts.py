"""Torch ops per iteration of the Array-API (GPU) dynamics, counted with a ``TorchDispatchMode``
on torch's CPU tensors: the difference between runs of ``2^j + 1`` and ``2^(j+1) - 1``
iterations (the same checkpoints), divided by the difference in iterations. On a device each
non-view op is a kernel launch, which is what bounds a small game. Needs torch.

Run: ``python benches/gpu_op_counts.py``
"""

from __future__ import annotations

import collections
import sys


def main() -> int:
    try:
        import torch
        from torch.utils._python_dispatch import TorchDispatchMode
    except Exception:  # noqa: BLE001 - no torch, or one that fails to load
        print("gpu_op_counts: torch is not installed", file=sys.stderr)
        return 2
    from equilibria.gpu import matrix as gmatrix
    from equilibria.gpu import tensor as gtensor

    class Count(TorchDispatchMode):
        def __init__(self) -> None:
            super().__init__()
            self.ops: collections.Counter[str] = collections.Counter()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
            self.ops[str(func)] += 1
            return func(*args, **(kwargs or {}))

    def per_iteration(run, short: int = 65, long: int = 127) -> collections.Counter[str]:
        counts = []
        for its in (short, long):
            c = Count()
            with c:
                run(its)
            counts.append(c.ops)
        diff = collections.Counter({k: (counts[1][k] - counts[0][k]) / (long - short) for k in counts[1]})
        return +diff

    views = {"aten.view.default", "aten.unsqueeze.default", "aten.select.int", "aten.expand.default", "aten._unsafe_view.default"}
    u = torch.rand((1, 4, 3, 3, 3, 3), dtype=torch.float64)
    a = torch.rand((1, 5, 5), dtype=torch.float64)
    runs = {
        "PRM+ (matrix)": lambda k: gmatrix.prm_plus(a, 0.0, k, k + 1),
        **{f"{m} (4 players)": (lambda m: lambda k: gtensor.solve(u, m, k, 0.0, k + 1, None, 0.1, None, False))(m) for m in ("rm", "qre", "pikl")},
    }
    for name, run in runs.items():
        ops = per_iteration(run)
        kernels = sum(v for k, v in ops.items() if k not in views)
        print(f"{name}: {sum(ops.values()):.0f} ops per iteration, {kernels:.0f} non-view")
    return 0


if __name__ == "__main__":
    sys.exit(main())
