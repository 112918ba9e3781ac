"""The ``equilibria`` command line (also ``python -m equilibria``)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence

import numpy as np

from . import __version__, games
from ._runtime import EquilibriaError, invalid
from .cfr import CFR, MCCFR
from .efg import ExtensiveGame, read_efg
from .normal_form import METHODS, random_matrix_game, solve_matrix_game


def _shape(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX,]\s*(\d+)\s*", text)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLS such as 1000x1000, found {text!r}")
    return int(match[1]), int(match[2])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="equilibria",
        description="High-throughput game solving with a Rust core.",
    )
    parser.add_argument("--version", action="version", version=f"equilibria {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    matrix = commands.add_parser(
        "matrix",
        help="solve a zero-sum matrix game (row player maximizes x^T A y)",
        description="Solve a zero-sum matrix game and print its duality-gap certificate.",
    )
    source = matrix.add_mutually_exclusive_group(required=True)
    source.add_argument("--random", type=_shape, metavar="MxN", help="uniform [-1,1) game of this shape")
    source.add_argument("--file", metavar="A.npy", help="a saved 2-D numpy array")
    matrix.add_argument("--seed", type=int, default=0, help="seed of --random (default 0)")
    matrix.add_argument("--method", choices=METHODS, default="prm+", help="solver (default prm+)")
    matrix.add_argument("--tol", type=float, default=1e-6, help="duality-gap tolerance (default 1e-6)")
    matrix.add_argument("--max-iters", type=int, default=None, help="iteration cap of first-order methods")
    matrix.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    matrix.add_argument("--no-polish", action="store_true", help="disable the support polish")
    matrix.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    matrix.add_argument("--json", action="store_true", help="print the certificate as JSON")
    matrix.set_defaults(run=_run_matrix)

    solve = commands.add_parser(
        "solve",
        help="solve a two-player zero-sum extensive-form game with CFR (built-in or .efg file)",
        description=(
            "Run a CFR-family solver on a built-in game (kuhn_poker, leduc_poker, liars_dice, "
            "goofspiel, with optional parameters such as 'goofspiel(cards=5)') or a Gambit .efg "
            "file, printing the exploitability of the average strategy at each checkpoint."
        ),
    )
    solve.add_argument("game", metavar="GAME", help="built-in game name (with optional (key=value,...)) or a .efg path")
    solve.add_argument("--algo", choices=ALGORITHMS, default="dcfr", help="solver (default dcfr)")
    solve.add_argument("--iters", type=int, default=1000, help="iterations (default 1000)")
    solve.add_argument("--checkpoints", type=int, default=10, help="number of exploitability checkpoints (default 10)")
    solve.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    solve.add_argument("--seed", type=int, default=0, help="seed of the MCCFR samplers (default 0)")
    solve.add_argument("--save-strategy", metavar="OUT.json", help="write the average strategy as JSON")
    solve.add_argument("--json", action="store_true", help="print the result as JSON")
    solve.set_defaults(run=_run_solve)

    matching = commands.add_parser(
        "matching",
        help="simulate online matching policies with stochastic rewards against the matching LP",
        description=(
            "Generate (e.g. 'er(n_u=300, n_v=300, q=0.111, p=0.01:1)', 'g_k(k=3, m=50, "
            "labels=adversarial)', 'thick_z(n=20, alpha=0.42, m=20)', 'z_graph') or load "
            "(u,v,p[,w] .csv or .npz) an instance, simulate the policies with common random "
            "numbers and print mean, standard error, normal and empirical-Bernstein intervals, "
            "the expected-load estimator and the ratio to the matching LP."
        ),
    )
    instance_source = matching.add_mutually_exclusive_group(required=True)
    instance_source.add_argument("--generate", metavar="SPEC", help="generator spec name(key=value, ...)")
    instance_source.add_argument("--load", metavar="FILE", help="an instance as .csv (u,v,p[,w]) or .npz")
    matching.add_argument("--policies", default="greedy,ranking,stochastic_balance", help="comma-separated policy names")
    matching.add_argument("--trials", type=int, default=100_000, help="Monte Carlo trials (default 100000)")
    matching.add_argument("--seed", type=int, default=0, help="seed of the coins (default 0)")
    matching.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    matching.add_argument("--confidence", type=float, default=0.95, help="confidence level (default 0.95)")
    matching.add_argument("--clairvoyant", action="store_true", help="also compute the clairvoyant optimum (n_u <= 22)")
    matching.add_argument(
        "--benchmarks",
        default="matching",
        help=(
            "comma-separated LP benchmarks: matching (the matching LP), configuration (Huang-Zhang's "
            "configuration LP), stochastic (the reconstructed stochastic configuration LP, arrival "
            "order: bounds the clairvoyant optimum), stochastic_any (its any-order form: bounds the "
            "fully-offline optimum), all by column generation; clairvoyant is accepted too "
            "(default: matching)"
        ),
    )
    matching.add_argument("--json", action="store_true", help="print the results as JSON")
    matching.set_defaults(run=_run_matching)
    return parser


def _run_matching(args: argparse.Namespace) -> int:
    from . import matching as mt

    if args.generate is not None:
        inst, source = mt.generate(args.generate), args.generate
    elif args.load.endswith(".npz"):
        inst, source = mt.Instance.load_npz(args.load), args.load
    else:
        inst, source = mt.Instance.read_csv(args.load), args.load
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    wanted = [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    known = ("matching", "configuration", "stochastic", "stochastic_any", "clairvoyant")
    configuration_lps = {
        "configuration": ("configuration_lp", mt.configuration_lp, {}),
        "stochastic": ("stochastic_configuration_lp", mt.stochastic_configuration_lp, {}),
        "stochastic_any": ("stochastic_configuration_lp_any_order", mt.stochastic_configuration_lp, {"order": "any"}),
    }
    unknown = [b for b in wanted if b not in known]
    if unknown or not wanted:
        raise invalid("--benchmarks", f"comma-separated names in {', '.join(known)}", repr(args.benchmarks))
    if args.clairvoyant and "clairvoyant" not in wanted:
        wanted.append("clairvoyant")
    benchmarks: dict[str, float] = {}
    notes: dict[str, str] = {}
    for name in wanted:
        if name == "matching":
            benchmarks["matching_lp"] = mt.matching_lp(inst).value
        elif name == "clairvoyant":
            benchmarks["clairvoyant"] = mt.clairvoyant(inst, threads=args.threads)
        else:
            key, solve, options = configuration_lps[name]
            result = solve(inst, threads=args.threads, **options)
            benchmarks[key] = result.value
            notes[key] = (
                f"column generation: {result.iterations} master solves, {result.num_columns} columns, "
                f"{'converged' if result.converged else 'NOT converged'}, bound {result.bound:.6f}, {result.seconds:.3f} s"
            )
    sim = mt.simulate(inst, policies, args.trials, seed=args.seed, threads=args.threads, confidence=args.confidence)
    ratios = {key: mt.competitive_ratio(sim, value) for key, value in benchmarks.items() if value > 0}
    if args.json:
        out = {
            "instance": {"source": source, "n_u": inst.n_u, "n_v": inst.n_v, "edges": inst.num_edges},
            "benchmarks": benchmarks,
            "ratios": {key: {p: vars(r) for p, r in per.items()} for key, per in ratios.items()},
            "trials": sim.trials,
            "seed": sim.seed,
            "seconds": sim.seconds,
            "policies": {name: vars(sim[name]) for name in sim.policies},
        }
        print(json.dumps(out))
        return 0
    print(f"equilibria {__version__}: {source}: {inst!r}")
    print("  " + ", ".join(f"{k} = {v:.6f}" for k, v in benchmarks.items()))
    for key, note in notes.items():
        print(f"  {key}: {note}")
    print(f"  {sim.trials:,} trials, seed {sim.seed}, {sim.seconds:.3f} s")
    first = next(iter(benchmarks))
    print(sim.table(benchmarks[first], "LP" if first == "matching_lp" else first))
    if len(ratios) > 1:
        print(mt.ratio_table(ratios).replace("instance", "benchmark", 1))
    return 0


#: Solvers of ``equilibria solve``: the CFR variants and the two MCCFR samplers.
ALGORITHMS = ("cfr", "cfr+", "lcfr", "dcfr", "pcfr+", "mccfr-external", "mccfr-outcome")


def _load_game(spec: str) -> tuple[ExtensiveGame, str]:
    if spec.endswith(".efg") or os.path.sep in spec or os.path.exists(spec):
        return read_efg(spec), spec
    return games.load(spec), spec


def _run_solve(args: argparse.Namespace) -> int:
    if args.iters < 1 or args.checkpoints < 1:
        raise invalid("--iters/--checkpoints", "positive integers", f"{args.iters}/{args.checkpoints}")
    start = time.perf_counter()
    game, name = _load_game(args.game)
    loaded = time.perf_counter() - start
    if args.algo.startswith("mccfr-"):
        solver: CFR | MCCFR = MCCFR(game, sampling=args.algo.split("-", 1)[1], seed=args.seed)
    else:
        solver = CFR(game, args.algo, threads=args.threads)
    if not args.json:
        print(
            f"equilibria {__version__}: {name} ({game.num_histories:,} histories, "
            f"{game.num_infosets:,} infosets, built in {loaded:.3f} s), {args.algo}, {args.iters} iterations"
        )
        print(f"{'iteration':>10}  {'exploitability':>14}  {'seconds':>8}")
    every = max(1, args.iters // args.checkpoints)
    solving = 0.0
    done = 0
    while done < args.iters:
        step = min(every, args.iters - done)
        t0 = time.perf_counter()
        solver.run(step)
        solving += time.perf_counter() - t0
        done += step
        expl = solver.exploitability()
        if not args.json:
            print(f"{done:>10d}  {expl:>14.6e}  {solving:>8.3f}", flush=True)
    strategy = solver.average_strategy()
    values = game.expected_payoffs(strategy)
    result = {
        "game": name,
        "algorithm": args.algo,
        "iterations": solver.iterations,
        "exploitability": solver.exploitability(),
        "value_player_0": float(values[0]),
        "solve_seconds": solving,
    }
    if args.save_strategy:
        with open(args.save_strategy, "w", encoding="utf-8") as f:
            json.dump({k: v.tolist() for k, v in strategy.to_dict().items()}, f)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"average strategy: exploitability {result['exploitability']:.6e}, value to player 0 {values[0]:.6f}")
    return 0


def _run_matrix(args: argparse.Namespace) -> int:
    if args.random is not None:
        m, n = args.random
        a = random_matrix_game(m, n, seed=args.seed)
        source = f"random {m}x{n} U[-1,1) game, seed {args.seed}"
    else:
        a = np.load(args.file, allow_pickle=False)
        source = f"{args.file} {'x'.join(map(str, a.shape))}"
    if not args.json:
        print(f"equilibria {__version__}: {source}, method {args.method}, tol {args.tol:g}")
    result = solve_matrix_game(
        a,
        method=args.method,
        tol=args.tol,
        max_iters=args.max_iters,
        threads=args.threads,
        progress=not args.no_progress and not args.json,
        polish=not args.no_polish,
    )
    certificate = {
        "method": result.method,
        "value": result.value,
        "duality_gap": result.gap,
        "converged": result.converged,
        "iterations": result.iterations,
        "polished": result.polished,
        "row_support": int(np.count_nonzero(result.x > 0)),
        "column_support": int(np.count_nonzero(result.y > 0)),
        "seconds": result.seconds,
    }
    if args.json:
        print(json.dumps(certificate))
    else:
        for when, gap in result.trace[-5:]:
            print(f"  checkpoint {int(when):>8d}: gap {gap:.3e}")
        for key, value in certificate.items():
            print(f"{key:>15}: {value:.12g}" if isinstance(value, float) else f"{key:>15}: {value}")
    return 0 if result.converged else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (1 when the tolerance was not reached)."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (EquilibriaError, OSError) as exc:
        print(f"equilibria: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("equilibria: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
