"""Long CFR calls: Ctrl-C, progress, resumable runs, thread-count independence, MCCFR seeds."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import equilibria as eq


@pytest.fixture(scope="module")
def liars_dice() -> eq.ExtensiveGame:
    return eq.games.liars_dice()


@pytest.fixture(scope="module")
def leduc() -> eq.ExtensiveGame:
    return eq.games.leduc_poker()


def _send_sigint_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_cfr_and_keeps_finished_iterations(liars_dice) -> None:
    solver = eq.CFR(liars_dice, "cfr+")
    timer = _send_sigint_after(0.3)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        solver.run(10_000_000)
    elapsed = time.perf_counter() - start
    timer.join()
    assert elapsed < 0.3 + 0.5
    done = solver.iterations
    assert 0 < done < 10_000_000
    # The solver is intact: it continues from where it stopped.
    solver.run(2)
    assert solver.iterations == done + 2
    assert 0 < solver.exploitability() < 1


def test_ctrl_c_stops_mccfr(leduc) -> None:
    solver = eq.MCCFR(leduc, "outcome", seed=1)
    timer = _send_sigint_after(0.3)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        solver.run(10**9)
    timer.join()
    assert time.perf_counter() - start < 0.8
    assert solver.iterations > 0


def test_progress_callback_and_checkpoints(leduc) -> None:
    seen: list[tuple[int, int]] = []
    solver = eq.CFR(leduc, "dcfr").run(300, progress=lambda d, t: seen.append((d, t)), checkpoint_every=100)
    assert seen and seen[-1] == (300, 300)
    assert [t for t, _ in solver.trace] == [100, 200, 300]
    exps = [e for _, e in solver.trace]
    assert exps[-1] == pytest.approx(solver.exploitability(), rel=0, abs=0)
    assert exps[0] > exps[-1]
    # Runs resume: 300 + 200 in two calls equals 500 in one.
    solver.run(200, checkpoint_every=250)
    assert [t for t, _ in solver.trace] == [100, 200, 300, 500]
    once = eq.CFR(leduc, "dcfr").run(500)
    np.testing.assert_array_equal(once.average_strategy().probabilities, solver.average_strategy().probabilities)


def test_progress_bar(leduc, capsys) -> None:
    eq.CFR(leduc).run(50, progress=True)
    assert "50/50" in capsys.readouterr().err


@pytest.mark.parametrize("variant", ["cfr+", "dcfr", "pcfr+"])
@pytest.mark.parametrize("alternating", [True, False])
def test_one_and_two_threads_give_identical_iterates(liars_dice, variant: str, alternating: bool) -> None:
    one = eq.CFR(liars_dice, variant, alternating=alternating, threads=1).run(3)
    two = eq.CFR(liars_dice, variant, alternating=alternating, threads=2).run(3)
    np.testing.assert_array_equal(one.average_strategy().probabilities, two.average_strategy().probabilities)
    np.testing.assert_array_equal(one.current_strategy().probabilities, two.current_strategy().probabilities)
    assert one.exploitability() == two.exploitability()


def test_mccfr_is_reproducible_from_its_seed(leduc) -> None:
    for sampling in ("external", "outcome"):
        a = eq.MCCFR(leduc, sampling, seed=7).run(300)
        b = eq.MCCFR(leduc, sampling, seed=7).run(100).run(200)
        c = eq.MCCFR(leduc, sampling, seed=8).run(300)
        np.testing.assert_array_equal(a.average_strategy().probabilities, b.average_strategy().probabilities)
        assert not np.array_equal(a.average_strategy().probabilities, c.average_strategy().probabilities)
    drawn = eq.MCCFR(leduc)
    assert isinstance(drawn.seed, int)


@pytest.mark.parametrize("sampling, iterations, bound", [("external", 20_000, 5e-3), ("outcome", 200_000, 2e-2)])
def test_mccfr_converges_on_kuhn(sampling: str, iterations: int, bound: float) -> None:
    game = eq.games.kuhn_poker()
    solver = eq.MCCFR(game, sampling, seed=3).run(iterations, checkpoint_every=iterations // 4)
    assert solver.exploitability() < bound
    assert solver.trace[-1][1] < solver.trace[0][1]
    assert game.expected_payoffs(solver.average_strategy())[0] == pytest.approx(-1 / 18, abs=3 * bound)
