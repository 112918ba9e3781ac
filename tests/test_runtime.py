"""Runtime conventions: Ctrl-C, progress reporting, thread-count independence, results."""

import dataclasses
import os
import signal
import threading
import time

import numpy as np
import pytest

import equilibria as eq


def _send_sigint_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_ctrl_c_interrupts_a_long_solve(threads):
    a = eq.random_matrix_game(400, 400, seed=1)
    timer = _send_sigint_after(0.3)
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            # tol=0 and no polish: would run 10^7 iterations (minutes) if not interrupted.
            eq.solve_matrix_game(a, tol=0.0, max_iters=10_000_000, polish=False, threads=threads)
    finally:
        timer.cancel()
    elapsed = time.perf_counter() - start
    assert elapsed < 0.3 + 0.5, f"KeyboardInterrupt arrived {elapsed - 0.3:.2f}s after SIGINT"


def test_ctrl_c_interrupts_a_batch():
    a = np.random.default_rng(0).uniform(-1, 1, (3000, 60, 60))
    timer = _send_sigint_after(0.3)
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            eq.solve_matrix_games(a, method="prm+", tol=0.0, max_iters=100_000, polish=False)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 0.8


def test_progress_callback_reports_done_and_total():
    calls = []
    a = eq.random_matrix_game(300, 300, seed=2)
    r = eq.solve_matrix_game(a, tol=0.0, max_iters=3000, polish=False, progress=lambda d, t: calls.append((d, t)))
    assert calls, "the callback was never called"
    assert all(t == 3000 for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert done[-1] == r.iterations == 3000


def test_progress_callback_for_batches():
    calls = []
    a = np.random.default_rng(1).uniform(-1, 1, (2000, 3, 3))
    eq.solve_matrix_games(a, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (2000, 2000)


def test_progress_callback_exception_stops_the_solve():
    class Stop(Exception):
        pass

    def callback(done, total):
        raise Stop()

    a = eq.random_matrix_game(300, 300, seed=3)
    start = time.perf_counter()
    with pytest.raises(Stop):
        eq.solve_matrix_game(a, tol=0.0, max_iters=10_000_000, polish=False, progress=callback)
    assert time.perf_counter() - start < 1.0


def test_progress_bar(capsys):
    a = eq.random_matrix_game(50, 50, seed=3)
    eq.solve_matrix_game(a, tol=0.0, max_iters=500, polish=False, progress=True)
    err = capsys.readouterr().err
    assert "500/500" in err


@pytest.mark.parametrize("method", ["prm+", "prm+alt", "rm+", "omwu"])
def test_one_and_two_threads_give_identical_answers(method):
    # Large enough that the products run in parallel row blocks.
    a = eq.random_matrix_game(600, 500, seed=4)
    r1 = eq.solve_matrix_game(a, method=method, tol=0.0, max_iters=300, threads=1)
    r2 = eq.solve_matrix_game(a, method=method, tol=0.0, max_iters=300, threads=2)
    assert r1.x.tobytes() == r2.x.tobytes()
    assert r1.y.tobytes() == r2.y.tobytes()
    assert r1.gap == r2.gap and r1.value == r2.value
    assert np.array_equal(r1.trace, r2.trace)


def test_batches_are_identical_across_thread_counts():
    a = np.random.default_rng(5).uniform(-1, 1, (3000, 4, 3))
    for method in ["exact", "prm+"]:
        r1 = eq.solve_matrix_games(a, method=method, threads=1)
        r2 = eq.solve_matrix_games(a, method=method, threads=2)
        assert r1.x.tobytes() == r2.x.tobytes() and r1.y.tobytes() == r2.y.tobytes()
        assert r1.gap.tobytes() == r2.gap.tobytes()


def test_generator_is_reproducible_and_thread_independent():
    a = eq.random_matrix_game(50, 40, seed=9)
    b = eq.random_matrix_game(50, 40, seed=9)
    c = eq.random_matrix_game(50, 40, seed=10)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= -1 and a.max() < 1 and abs(a.mean()) < 0.05
    batch = eq.random_matrix_game(50, 40, batch=3, seed=9)
    assert batch.shape == (3, 50, 40)
    assert np.array_equal(batch[0], a)


def test_results_are_frozen_and_readable():
    r = eq.solve_matrix_game(np.eye(2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.gap = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.x[0] = 1.0
    text = repr(r)
    assert "MatrixGameResult(method='prm+'" in text and "gap=" in text
    assert r.trace.ndim == 2 and r.trace.shape[1] == 2
    batch = eq.solve_matrix_games(np.stack([np.eye(2)] * 3))
    assert "games=3" in repr(batch) and len(batch) == 3


def test_trace_is_monotone_in_iterations_and_ends_at_the_answer():
    a = eq.random_matrix_game(60, 60, seed=6)
    r = eq.solve_matrix_game(a, tol=1e-5, polish=False)
    its = r.trace[:, 0]
    assert (np.diff(its) > 0).all()
    assert its[-1] == r.iterations
    assert r.trace[-1, 1] == pytest.approx(r.gap, abs=1e-15)
    assert r.trace[0, 1] > r.gap


def test_unconverged_result_is_reported():
    a = eq.random_matrix_game(60, 60, seed=6)
    r = eq.solve_matrix_game(a, tol=1e-12, max_iters=50, polish=False)
    assert not r.converged and r.iterations == 50 and r.gap > 1e-12


def test_ctrl_c_interrupts_a_single_exact_solve():
    # A 1500x1500 dense simplex runs for seconds; the pivot loop checks the cancel flag.
    a = eq.random_matrix_game(1500, 1500, seed=7)
    timer = _send_sigint_after(0.3)
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            eq.solve_matrix_game(a, method="exact")
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 0.8
