"""GPU benchmark of the Array-API path: time per iteration and the achieved fraction of the
device's measured copy bandwidth.

Run: python benches/gpu_bandwidth.py [--iters 50] [--device cuda]

Workloads (torch on CUDA, float32):
- PRM+ on a 20,000 x 20,000 zero-sum matrix game (``equilibria.gpu.matrix.prm_plus``): each
  iteration reads A twice (``A y`` and ``A^T x``), 2 x 1.6 GB;
- RM on a 4-player game with 64 actions each (``equilibria.gpu.tensor.solve``, method ``rm``):
  each iteration reads the 4 x 64^4 payoff array once (268 MB);
- RM on a batch of 16 such games with 32 actions each (``--batch-actions``; 16 x 4 x 32^4,
  268 MB): the same number of kernels per iteration as one game, so it shows how far batching
  amortizes kernel launches.

Copy bandwidth is measured with ``dst.copy_(src)`` on a 1 GiB buffer, counted as bytes read plus
bytes written; an iteration's traffic is counted as the payoff bytes it must read. The fraction
``(bytes read per iteration / time per iteration) / copy bandwidth`` is what is reported (goal:
>= 0.7). The time per iteration is *marginal*: the difference between two runs with the same
number of gap / NashConv checkpoints (PRM+: only the last; RM: powers of two and the last, so
``2^j + 1`` and ``2^(j+1) - 1`` iterations), divided by the difference in iterations, so setup
and certificates cancel. Exits with status 2 and a clear message when torch or a CUDA device is
missing; ``--device cpu`` runs the same code on torch's CPU tensors (a smoke test, not a figure).
"""

from __future__ import annotations

import argparse
import math
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=50, help="timed iterations per workload")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--matrix-size", type=int, default=20_000)
    parser.add_argument("--actions", type=int, default=64)
    parser.add_argument(
        "--batch-actions",
        type=int,
        default=32,
        help="also time RM on a batch of 4-player games with this many actions (16 x 4 x k^4 floats; 0 skips)",
    )
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("gpu_bandwidth: torch is not installed; this benchmark needs torch with a CUDA device", file=sys.stderr)
        return 2
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("gpu_bandwidth: no CUDA device is available (torch.cuda.is_available() is False); nothing to measure", file=sys.stderr)
        return 2
    from equilibria.gpu import matrix as gmatrix
    from equilibria.gpu import tensor as gtensor

    dev = torch.device(args.device)

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    # Copy bandwidth: read + write of a 1 GiB float32 buffer.
    n_copy = (1 << 30) // 4
    src = torch.empty(n_copy, dtype=torch.float32, device=dev).uniform_()
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    sync()
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        dst.copy_(src)
    sync()
    copy_bw = 2 * src.numel() * 4 * reps / (time.perf_counter() - t0)
    del src, dst
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else str(dev)
    print(f"device: {name}")
    print(f"copy bandwidth (read + write): {copy_bw / 1e9:.1f} GB/s")

    def seconds(run, iterations: int) -> float:
        sync()
        t = time.perf_counter()
        run(iterations)
        sync()
        return time.perf_counter() - t

    def marginal(run, short: int, long: int) -> float:
        """Seconds per iteration between runs of ``short`` and ``long`` iterations (median of 3)."""
        run(short)  # warm-up: allocator, kernels, cuBLAS handles
        diffs = sorted(seconds(run, long) - seconds(run, short) for _ in range(3))
        return diffs[1] / (long - short)

    m = args.matrix_size
    gen = torch.Generator(device=dev).manual_seed(0)
    A = (torch.rand((1, m, m), generator=gen, device=dev, dtype=torch.float32) * 2 - 1)
    # check_every > iterations: the only gap checkpoint is the last one, in both runs.
    per_iter = marginal(lambda k: gmatrix.prm_plus(A, 0.0, k, k + 1), 5, 5 + args.iters)
    bytes_read = 2 * A.numel() * 4
    print(
        f"PRM+ {m}x{m} float32: {per_iter * 1e3:.3f} ms/iteration, "
        f"{bytes_read / per_iter / 1e9:.1f} GB/s read, fraction of copy bandwidth {bytes_read / per_iter / copy_bw:.2f}"
    )
    del A

    k = args.actions
    U = torch.rand((1, 4, k, k, k, k), generator=gen, device=dev, dtype=torch.float32) * 2 - 1
    j = max(2, math.ceil(math.log2(args.iters + 2)))
    short, long = 2**j + 1, 2 ** (j + 1) - 1  # the same number of NashConv checkpoints
    per_iter = marginal(lambda it: gtensor.solve(U, "rm", it, 0.0, it + 1, None, 0.1, None, False), short, long)
    bytes_read = U.numel() * 4
    print(
        f"RM 4 players x {k} actions float32: {per_iter * 1e3:.3f} ms/iteration, "
        f"{bytes_read / per_iter / 1e9:.1f} GB/s read, fraction of copy bandwidth {bytes_read / per_iter / copy_bw:.2f}"
    )
    del U
    if args.batch_actions > 0:
        # The same kernels per iteration serve every game of a batch: how far batching amortizes
        # the launches that bound a single game.
        kb, games = args.batch_actions, 16
        U = torch.rand((games, 4, kb, kb, kb, kb), generator=gen, device=dev, dtype=torch.float32) * 2 - 1
        per_iter = marginal(lambda it: gtensor.solve(U, "rm", it, 0.0, it + 1, None, 0.1, None, False), short, long)
        bytes_read = U.numel() * 4
        print(
            f"RM batch of {games} games, 4 players x {kb} actions float32: {per_iter * 1e3:.3f} ms/iteration, "
            f"{bytes_read / per_iter / 1e9:.1f} GB/s read, fraction of copy bandwidth {bytes_read / per_iter / copy_bw:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
