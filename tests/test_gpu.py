"""The Array-API (GPU) path run on the CPU: the same code under numpy (``array_api_compat.numpy``)
and ``array_api_strict`` agrees with the Rust core to 1e-10 in float64; the dispatch hook keeps
numpy on the Rust path, refuses silent device copies and says when a method has no device
implementation. The torch tests run on torch's CPU tensors wherever torch imports (torch is not in
the ``test`` extra: its PyPI wheel is ~3 GB with the CUDA libraries, so they skip without it) and
on CUDA when a GPU is visible; the cupy tests need a GPU; all skip cleanly otherwise."""

from __future__ import annotations

import numpy as np
import pytest

import equilibria as eq
from equilibria import gpu
from equilibria.gpu import matrix as gmatrix
from equilibria.gpu import qre as gqre
from equilibria.gpu import tensor as gtensor

xps = pytest.importorskip("array_api_strict")



def host(x) -> np.ndarray:
    """A host copy of a strict or numpy array (tests only)."""
    if isinstance(x, np.ndarray):
        return x
    return np.from_dlpack(x)


def _torch_on_cpu():
    """torch when it imports (its CPU tensors run the torch code of the Array-API path), else None."""
    try:
        import torch
    except Exception:  # noqa: BLE001 - no torch, or a torch whose libraries fail to load
        return None
    return torch


def _jax_numpy():
    """jax.numpy with float64 enabled when jax imports (another Array-API library: immutable
    arrays, so any in-place update in the device code would fail), else None."""
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
    except Exception:  # noqa: BLE001 - no jax
        return None
    return jnp


torch_cpu = _torch_on_cpu()
jnp = _jax_numpy()
NAMESPACES = ["numpy", "array_api_strict"] + (["torch"] if torch_cpu is not None else [])


def wrap(a: np.ndarray, kind: str):
    if kind == "numpy":
        return a
    if kind == "torch":
        return torch_cpu.asarray(a)
    if kind == "jax":
        return jnp.asarray(a)
    return xps.asarray(a)


@pytest.mark.parametrize("kind", NAMESPACES)
def test_prm_plus_matches_rust(kind: str) -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (3, 7, 5))
    out = gmatrix.prm_plus(wrap(a, kind), 0.0, 300, 10)
    rust = eq.solve_matrix_games(a, "prm+", tol=0.0, max_iters=300, polish=False)
    np.testing.assert_allclose(host(out["x"]), rust.x, atol=1e-10)
    np.testing.assert_allclose(host(out["y"]), rust.y, atol=1e-10)
    np.testing.assert_allclose(host(out["gap"]), rust.gap, atol=1e-10)
    # With a tolerance each game stops at its own checkpoint, as in Rust.
    out = gmatrix.prm_plus(wrap(a, kind), 1e-3, 5000, 10)
    rust = eq.solve_matrix_games(a, "prm+", tol=1e-3, max_iters=5000, polish=False)
    np.testing.assert_array_equal(host(out["iterations"]), rust.iterations)
    np.testing.assert_allclose(host(out["x"]), rust.x, atol=1e-10)


@pytest.mark.parametrize("kind", NAMESPACES)
def test_mmd_matches_rust(kind: str) -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (4, 6, 5))
    rx = rng.dirichlet(np.ones(6), size=4)
    ry = rng.dirichlet(np.ones(5), size=4)
    for ref in (None, (rx, ry)):
        r = None if ref is None else (wrap(ref[0], kind), wrap(ref[1], kind))
        out = gqre.mmd(wrap(a, kind), 0.2, *(r or (None, None)), 0.0, 200, None)
        rust = eq.solve_qre_batch(a, 0.2, reference=ref, tol=0.0, max_iters=200)
        for f in ("x", "y", "gap", "residual", "nash_gap"):
            np.testing.assert_allclose(host(out[f]), getattr(rust, f), atol=1e-10, err_msg=f)
    out = gqre.mmd(wrap(a, kind), 0.5, None, None, 1e-9, 100_000, None)
    rust = eq.solve_qre_batch(a, 0.5, tol=1e-9)
    np.testing.assert_array_equal(host(out["iterations"]), rust.iterations)


@pytest.mark.parametrize("kind", NAMESPACES)
@pytest.mark.parametrize("method", gtensor.DEVICE_METHODS)
@pytest.mark.parametrize("actions", [(3, 2, 4), (3, 3, 3)], ids=["unequal", "equal"])
def test_tensor_dynamics_match_rust(kind: str, method: str, actions: tuple[int, ...]) -> None:
    # Equal action counts run the stacked (B, n, k) form of the dynamics, unequal ones the lists.
    rng = np.random.default_rng(2)
    pay = rng.uniform(-1, 1, (3, 3, *actions))
    rust = eq.solve_tensor_games(pay, method, 200, temperature=0.4)
    out = gtensor.solve(wrap(pay, kind), method, 200, 0.0, 10, None, 0.4, None, method not in ("qre", "pikl"), None)
    for i in range(3):
        np.testing.assert_allclose(host(out["strategies"][i]), rust.strategies[i], atol=1e-10)
    np.testing.assert_allclose(host(out["nash_conv"]), rust.nash_conv, atol=1e-10)
    if rust.cce_gap is not None:
        np.testing.assert_allclose(host(out["cce_gap"]), rust.cce_gap, atol=1e-10)
        np.testing.assert_allclose(host(out["joint"]), rust.joint, atol=1e-10)
    if method in ("qre", "pikl"):
        np.testing.assert_allclose(host(out["regularized_gap"]), rust.regularized_gap, atol=1e-10)


@pytest.mark.parametrize("kind", NAMESPACES)
def test_pikl_on_the_device_matches_rust_with_anchors(kind: str) -> None:
    # piKL-Hedge through the public function: anchors, a step size, and lambda = 0 (plain Hedge
    # from the anchors, whose regularized gap is defined as 0), against the Rust core.
    rng = np.random.default_rng(8)
    pay = rng.uniform(-1, 1, (3, 4, 2, 3))
    anchors = [rng.dirichlet(np.ones(k)) for k in (4, 2, 3)]
    for lam in (0.0, 0.3):
        want = eq.solve_tensor_game(pay, "pikl", 150, temperature=lam, reference=anchors, step_size=0.2)
        got = eq.solve_tensor_game(wrap(pay, kind), "pikl", 150, temperature=lam, reference=[wrap(a, kind) for a in anchors], step_size=0.2)
        for i in range(3):
            np.testing.assert_allclose(host(got.strategies[i]), want.strategies[i], atol=1e-10)
        assert float(got.nash_conv) == pytest.approx(want.nash_conv, abs=1e-10)
        assert float(got.regularized_gap) == pytest.approx(want.regularized_gap, abs=1e-10)
        assert got.iterations == want.iterations and bool(got.converged) == bool(want.converged)


@pytest.mark.parametrize("kind", NAMESPACES)
def test_tensor_metrics_match_rust(kind: str) -> None:
    rng = np.random.default_rng(3)
    actions = (3, 2, 4)
    pay = rng.uniform(-1, 1, (3, *actions))
    s = [rng.dirichlet(np.ones(k)) for k in actions]
    joint = rng.dirichlet(np.ones(24)).reshape(actions)
    cpu = eq.TensorGame(pay)
    if kind == "numpy":
        u = pay[None]
        dev = gtensor.deviation_payoffs(u, [p[None] for p in s])
        np.testing.assert_allclose(gtensor.cce_gap(u, joint[None])[0], cpu.cce_gap(joint), atol=1e-12)
        np.testing.assert_allclose(gtensor.ce_gap(u, joint[None])[0], cpu.ce_gap(joint), atol=1e-12)
        for d, w in zip(dev, cpu.deviation_payoffs(s)):
            np.testing.assert_allclose(d[0], w, atol=1e-12)
        return
    game = eq.TensorGame(xps.asarray(pay))  # the public class on the Array-API path
    assert game.on_device
    sd = [xps.asarray(p) for p in s]
    for d, w in zip(game.deviation_payoffs(sd), cpu.deviation_payoffs(s)):
        np.testing.assert_allclose(host(d), w, atol=1e-12)
    np.testing.assert_allclose(host(game.expected_payoffs(sd)), cpu.expected_payoffs(s), atol=1e-12)
    assert game.nash_conv(sd) == pytest.approx(cpu.nash_conv(s), abs=1e-12)
    assert game.cce_gap(xps.asarray(joint)) == pytest.approx(cpu.cce_gap(joint), abs=1e-12)
    assert game.ce_gap(xps.asarray(joint)) == pytest.approx(cpu.ce_gap(joint), abs=1e-12)
    r = eq.solve_tensor_game(game, "rm+", 100)
    want = eq.solve_tensor_game(pay, "rm+", 100)
    assert isinstance(r.strategies[0], type(sd[0]))
    np.testing.assert_allclose(host(r.strategies[1]), want.strategies[1], atol=1e-10)
    assert r.cce_gap == pytest.approx(want.cce_gap, abs=1e-10)
    np.testing.assert_allclose(host(r.trace), want.trace, atol=1e-10)


def test_dispatch_keeps_numpy_on_the_rust_path_and_runs_device_arrays() -> None:
    rng = np.random.default_rng(4)
    a = rng.uniform(-1, 1, (6, 5))
    assert gpu.device_call("solve_matrix_game", a, method="prm+") is None
    assert gpu.device_call("solve_qre", a.tolist(), 0.1) is None
    res = gpu.device_call("solve_matrix_game", xps.asarray(a), method="prm+", tol=0.0, max_iters=500)
    rust = eq.solve_matrix_game(a, "prm+", tol=0.0, max_iters=500, polish=False)
    assert isinstance(res, eq.MatrixGameResult) and not res.polished
    np.testing.assert_allclose(host(res.x), rust.x, atol=1e-10)
    assert res.gap == pytest.approx(rust.gap, abs=1e-10) and res.iterations == rust.iterations
    np.testing.assert_allclose(host(res.trace), rust.trace, atol=1e-10)
    batch = gpu.device_call("solve_matrix_games", xps.asarray(a[None]), method="prm+", tol=1e-4)
    assert isinstance(batch, eq.MatrixGamesResult)
    q = gpu.device_call("solve_qre", xps.asarray(a), 0.3, tol=1e-12)
    want = eq.solve_qre(a, 0.3, tol=1e-12)
    assert isinstance(q, eq.QreResult) and q.iterations == want.iterations
    np.testing.assert_allclose(host(q.x), want.x, atol=1e-10)
    np.testing.assert_allclose(np.array(q.trace), np.array(want.trace), atol=1e-10)
    qb = gpu.device_call("solve_qre_batch", xps.asarray(a[None]), 0.3, tol=1e-12)
    assert isinstance(qb, eq.QreBatchResult)
    np.testing.assert_allclose(host(qb.y)[0], want.y, atol=1e-10)
    # The public functions take device arrays the same way.
    pub = eq.solve_matrix_game(xps.asarray(a), tol=0.0, max_iters=500)
    np.testing.assert_allclose(host(pub.x), rust.x, atol=1e-10)
    pubs = eq.solve_matrix_games(xps.asarray(a[None]), method="prm+", tol=0.0, max_iters=500)
    np.testing.assert_allclose(host(pubs.y)[0], rust.y, atol=1e-10)
    pq = eq.solve_qre(xps.asarray(a), 0.3, tol=1e-12)
    np.testing.assert_allclose(host(pq.x), want.x, atol=1e-10)
    pqb = eq.solve_qre_batch(xps.asarray(a[None]), 0.3, tol=1e-12)
    np.testing.assert_allclose(host(pqb.x)[0], want.x, atol=1e-10)


@pytest.mark.parametrize("kind", NAMESPACES)
@pytest.mark.parametrize("schedule", ["annealed", "moving"])
def test_mmd_nash_schedules_match_rust(kind: str, schedule: str) -> None:
    # The two Nash schedules (temperature and step annealed like 1/sqrt(t); magnet moving towards
    # the iterate) step for step like Rust: iterates, certificates, exit on the Nash gap.
    rng = np.random.default_rng(4)
    a = rng.uniform(-1, 1, (3, 5, 4))
    rx = rng.dirichlet(np.ones(5), size=3)
    ry = rng.dirichlet(np.ones(4), size=3)
    for ref, tol in ((None, 0.0), ((rx, ry), 0.0), (None, 0.05)):
        r = (None, None) if ref is None else (wrap(ref[0], kind), wrap(ref[1], kind))
        out = gqre.mmd(wrap(a, kind), 0.5, *r, tol, 400, None, None, schedule, 0.1)
        rust = eq.solve_qre_batch(a, 0.5, reference=ref, tol=tol, max_iters=400, schedule=schedule, magnet_rate=0.1)
        for f in ("x", "y", "gap", "residual", "nash_gap"):
            np.testing.assert_allclose(host(out[f]), getattr(rust, f), atol=1e-10, err_msg=f"{schedule} {f}")
        np.testing.assert_array_equal(host(out["iterations"]), rust.iterations)
        one = eq.solve_qre(wrap(a[1], kind), 0.5, reference=None if ref is None else (r[0][1, ...], r[1][1, ...]), tol=tol, max_iters=400, schedule=schedule, magnet_rate=0.1)
        want = eq.solve_qre(a[1], 0.5, reference=None if ref is None else (rx[1], ry[1]), tol=tol, max_iters=400, schedule=schedule, magnet_rate=0.1)
        assert one.converged == want.converged and one.iterations == want.iterations
        for f in ("gap", "distance_bound", "residual", "value", "nash_gap"):
            assert getattr(one, f) == pytest.approx(getattr(want, f), abs=1e-10), f
        assert [t for t, _ in one.trace] == [t for t, _ in want.trace]
        np.testing.assert_allclose([g for _, g in one.trace], [g for _, g in want.trace], atol=1e-10)


def test_dispatch_errors_are_clear() -> None:
    a = xps.asarray(np.eye(3))
    with pytest.raises(gpu.NotImplementedOnDeviceError, match="method='exact'"):
        gpu.device_call("solve_matrix_games", xps.asarray(np.ones((1, 2, 2))), method="exact")
    with pytest.raises(eq.InvalidInputError, match="^magnet_rate"):
        gpu.device_call("solve_qre", a, 0.1, schedule="moving", magnet_rate=1.5)
    with pytest.raises(NotImplementedError):  # the class is also a NotImplementedError
        eq.correlated_equilibrium(eq.TensorGame(xps.asarray(np.ones((2, 2, 2)))))
    with pytest.raises(eq.InvalidInputError, match="no silent device copies"):
        gpu.device_call("solve_qre", a, 0.1, reference=(np.ones(3) / 3, np.ones(3) / 3))
    with pytest.raises(eq.InvalidInputError, match="^A: expected finite"):
        gpu.device_call("solve_matrix_game", xps.asarray(np.full((2, 2), np.nan)))
    game = eq.TensorGame(xps.asarray(np.ones((2, 2, 2))))
    with pytest.raises(eq.InvalidInputError, match="^profile\\[0\\]"):
        game.nash_conv([np.ones(2) / 2, np.ones(2) / 2])
    with pytest.raises(eq.InvalidInputError, match="^profile\\[1\\]"):
        game.nash_conv([xps.asarray(np.ones(2) / 2), xps.asarray(np.array([0.9, 0.9]))])
    cpu = eq.TensorGame(np.ones((2, 2, 2)))
    with pytest.raises(eq.InvalidInputError, match="no silent device copies"):
        cpu.nash_conv([xps.asarray(np.ones(2) / 2), np.ones(2) / 2])


@pytest.mark.parametrize("kind", NAMESPACES)
def test_equilibrium_ranking_matches_rust(kind: str) -> None:
    from equilibria.gpu import ranking as granking

    rng = np.random.default_rng(8)
    b, k = 6, 7
    gen = rng.uniform(0.01, 1, (b, 2, k))
    disc = rng.uniform(0.01, 1, (b, k, 2))
    gen[1, :, 3] = 0.0  # a candidate the generator never produces: structural zero
    mask = rng.uniform(size=(b, k)) < 0.8
    mask[:, 0] = True
    padded_gen = np.where(mask[:, None, :], gen, np.nan)  # padding is never read
    for lam, m in ((0.1, None), (0.5, mask), (0.0, mask)):
        real = np.ones((b, k), dtype=bool) if m is None else m
        g = gen if m is None else padded_gen
        out = granking.equilibrium_ranking(
            wrap(np.where(real[:, None, :], g, 0.0), kind), wrap(disc, kind), wrap(real, kind), lam, lam, 0.1, 0.2, 300
        )
        rust = eq.equilibrium_ranking(g, disc, lam, lam, 0.1, 0.2, 300, mask=m)
        for f in ("pi_gen", "pi_disc", "anchor_gen", "anchor_disc", "residual"):
            np.testing.assert_allclose(host(out[f]), getattr(rust, f), atol=1e-10, err_msg=f"{f} lambda={lam}")
        for f in ("ranking_gen", "ranking_disc"):
            np.testing.assert_array_equal(host(out[f]), getattr(rust, f), err_msg=f)


def test_equilibrium_ranking_through_the_public_function() -> None:
    # The golden toy of the notes, on the device path through the public function.
    gen = np.array([[0.5, 0.3, 0.2], [0.4, 0.3, 0.3]])
    disc = np.array([[0.3, 0.7], [0.8, 0.2], [0.5, 0.5]])
    res = eq.equilibrium_ranking(xps.asarray(gen), xps.asarray(disc))
    np.testing.assert_allclose(host(res.score_gen), [0.012635, 0.971169, 0.016196], atol=1e-6)
    assert host(res.ranking_gen).tolist() == [1, 2, 0]
    want = eq.equilibrium_ranking(gen, disc)
    assert res.residual == pytest.approx(want.residual, abs=1e-10)
    with pytest.raises(eq.InvalidInputError, match="^p_disc"):
        eq.equilibrium_ranking(xps.asarray(gen), xps.asarray(-disc))
    with pytest.raises(eq.InvalidInputError, match="no silent device copies"):
        eq.equilibrium_ranking(xps.asarray(gen), disc)
    with pytest.raises(eq.InvalidInputError, match="^mask"):
        eq.equilibrium_ranking(xps.asarray(gen), xps.asarray(disc), mask=xps.asarray([False, False, False]))
    with pytest.raises(eq.InvalidInputError, match="^lambda_g"):
        eq.equilibrium_ranking(xps.asarray(gen), xps.asarray(disc), lambda_g=-1.0)


def _ranking_error(p_gen, p_disc, mask=None) -> str:
    with pytest.raises(eq.InvalidInputError) as info:
        eq.equilibrium_ranking(p_gen, p_disc, mask=mask, iterations=5)
    return str(info.value)


@pytest.mark.parametrize("kind", [k for k in NAMESPACES if k != "numpy"])
def test_equilibrium_ranking_errors_are_the_hosts(kind: str) -> None:
    # One set of checks serves both paths: the device path names the same argument, question,
    # row and index as the host path, for every kind of bad input.
    rng = np.random.default_rng(9)
    gen, disc = rng.uniform(0.1, 1, (3, 2, 4)), rng.uniform(0.1, 1, (3, 4, 2))
    mask = np.ones((3, 4), bool)
    cases = []
    g = gen.copy()
    g[1, 0, 2] = np.nan
    cases.append((g, disc, None))
    d = disc.copy()
    d[2, 1, 0] = -0.5
    cases.append((gen, d, None))
    d = disc.copy()
    d[1, 3] = 0.0
    cases.append((gen, d, None))
    g = gen.copy()
    g[2, 1] = 0.0
    cases.append((g, disc, None))
    m = mask.copy()
    m[2] = False
    cases.append((gen, disc, m))
    cases.append((gen, disc, np.ones(5, bool)))
    cases.append((gen, disc[:, :3], None))
    g = gen.copy()
    g[0, :, 1] = np.inf  # padding is never read: the masked-out candidate may hold anything
    m = mask.copy()
    m[0, 1] = False
    d = disc.copy()
    d[0, 3] = 0.0
    cases.append((g, d, m))
    # Each case's text is pinned, so the shared checks are tested on their own as well.
    expected = [
        "p_gen: expected finite, non-negative probabilities, found nan at index (1, 0, 2)",
        "p_disc: expected finite, non-negative probabilities, found -0.5 at index (2, 1, 0)",
        "p_disc: expected rows with a positive entry, found row 3 of question 1 all zero",
        "p_gen: expected rows with a positive entry among the real candidates, found row 1 of question 2 all zero",
        "mask: expected at least one real candidate per question, found none in question 2",
        "mask: expected a boolean array of shape (4,) or (3, 4), found shape (5,)",
        "p_disc: expected an array of shape (3, 4, 2) to match p_gen (3, 2, 4), found shape (3, 3, 2)",
        "p_disc: expected rows with a positive entry, found row 3 of question 0 all zero",
    ]
    for (g, d, m), text in zip(cases, expected, strict=True):
        on_host = _ranking_error(g, d, m)
        on_device = _ranking_error(wrap(g, kind), wrap(d, kind), None if m is None else wrap(m, kind))
        assert on_host == text
        assert on_device == on_host


def test_float32_stays_float32() -> None:
    a = xps.asarray(np.random.default_rng(5).uniform(-1, 1, (5, 4)), dtype=xps.float32)
    res = gpu.device_call("solve_matrix_game", a, method="prm+", tol=1e-3)
    assert res.x.dtype == xps.float32 and res.gap < 1e-2
    g = eq.TensorGame(xps.asarray(np.random.default_rng(6).uniform(size=(2, 3, 3)), dtype=xps.float32))
    r = eq.solve_tensor_game(g, "rm+", 100)
    assert r.strategies[0].dtype == xps.float32


def _cuda_backends() -> list[str]:
    found = []
    if torch_cpu is not None and torch_cpu.cuda.is_available():
        found.append("torch")
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            found.append("cupy")
    except Exception:  # noqa: BLE001 - no cupy, or no driver
        pass
    return found


@pytest.mark.parametrize(("backend", "device"), [("torch", "cpu"), ("jax", "cpu"), ("torch", "cuda"), ("cupy", "cuda")])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_library_arrays_stay_on_their_device(backend: str, device: str, dtype: str) -> None:
    """Every public entry point on torch (CPU or CUDA), jax (CPU; immutable arrays) or cupy arrays:
    results are arrays of the input's library, device and dtype, and agree with the Rust core
    (1e-10 in float64, 1e-4 in float32). torch's CPU tensors run the same torch code as CUDA
    ones, so this runs wherever torch imports; the CUDA cases need a device."""
    if backend == "torch" and device == "cpu" and torch_cpu is None:
        pytest.skip("torch is not installed")
    if backend == "jax" and (jnp is None or dtype == "float32"):
        # Eager jax compiles every primitive per shape (~15 s for this test); float32 is torch's.
        pytest.skip("jax is not installed" if jnp is None else "jax runs in float64 only here")
    if device == "cuda" and backend not in _cuda_backends():
        pytest.skip(f"no CUDA device visible to {backend}")
    rng = np.random.default_rng(7)
    a_np = rng.uniform(-1, 1, (64, 48))
    pay_np = rng.uniform(-1, 1, (3, 6, 5, 4))
    gen_np = rng.uniform(0.1, 1, (4, 2, 5))
    disc_np = rng.uniform(0.1, 1, (4, 5, 2))
    if backend == "torch":
        lib_dtype = getattr(torch_cpu, dtype)
        put = lambda x: torch_cpu.asarray(x, dtype=lib_dtype, device=device)  # noqa: E731
        back = lambda t: t.cpu().numpy()  # noqa: E731
    elif backend == "jax":
        put = lambda x: jnp.asarray(x, dtype=getattr(jnp, dtype))  # noqa: E731
        back = np.asarray
    else:
        import cupy

        put = lambda x: cupy.asarray(x, dtype=dtype)  # noqa: E731
        back = cupy.asnumpy
    a, pay = put(a_np), put(pay_np)
    tol = 1e-10 if dtype == "float64" else 1e-4

    def same_place(out) -> None:
        assert type(out) is type(a) and out.device == a.device and out.dtype == a.dtype

    its = 40 if backend == "jax" else 200  # eager jax pays ~0.1 ms per op
    res = eq.solve_matrix_game(a, "prm+", tol=0.0, max_iters=its)
    rust = eq.solve_matrix_game(a_np, "prm+", tol=0.0, max_iters=its, polish=False)
    same_place(res.x)
    np.testing.assert_allclose(back(res.x), rust.x, atol=tol)
    np.testing.assert_allclose(float(res.gap), rust.gap, atol=tol)
    batch = eq.solve_matrix_games(put(np.stack([a_np, -a_np])), "prm+", tol=0.0, max_iters=its // 2)
    same_place(batch.y)
    np.testing.assert_allclose(back(batch.y), eq.solve_matrix_games(np.stack([a_np, -a_np]), "prm+", tol=0.0, max_iters=its // 2, polish=False).y, atol=tol)
    q = eq.solve_qre(a, 0.3, tol=0.0, max_iters=its)
    same_place(q.x)
    np.testing.assert_allclose(back(q.x), eq.solve_qre(a_np, 0.3, tol=0.0, max_iters=its).x, atol=tol)
    qb = eq.solve_qre_batch(put(np.stack([a_np, -a_np])), 0.3, tol=0.0, max_iters=50)
    same_place(qb.y)
    np.testing.assert_allclose(back(qb.y), eq.solve_qre_batch(np.stack([a_np, -a_np]), 0.3, tol=0.0, max_iters=50).y, atol=tol)
    ranked = eq.equilibrium_ranking(put(gen_np), put(disc_np), iterations=its)
    want = eq.equilibrium_ranking(gen_np, disc_np, iterations=its)
    same_place(ranked.pi_gen)
    np.testing.assert_allclose(back(ranked.pi_gen), want.pi_gen, atol=tol)
    r = eq.solve_tensor_game(pay, "rm", its)
    want_t = eq.solve_tensor_game(pay_np, "rm", its)
    same_place(r.strategies[0])
    np.testing.assert_allclose(back(r.strategies[0]), want_t.strategies[0], atol=tol)
    g, g_np = eq.TensorGame(pay), eq.TensorGame(pay_np)
    profile_np = [np.full(k, 1.0 / k) for k in (6, 5, 4)]
    conv = g.nash_conv([put(p) for p in profile_np])
    np.testing.assert_allclose(float(conv), g_np.nash_conv(profile_np), atol=tol)
    with pytest.raises(eq.InvalidInputError, match="no silent device copies"):
        eq.solve_qre(a, 0.3, reference=(np.full(64, 1 / 64), np.full(48, 1 / 48)))


def test_results_stay_on_a_non_default_device() -> None:
    # array_api_strict's extra devices stand in for a GPU on machines without one: strict arrays
    # refuse to mix devices, so any silent host round trip or default-device allocation in the
    # Array-API code fails here.
    dev = xps.Device("device1")
    rng = np.random.default_rng(12)
    a = xps.asarray(rng.uniform(-1, 1, (6, 5)), device=dev)
    assert eq.solve_matrix_game(a, tol=1e-4).x.device == dev
    assert eq.solve_matrix_games(xps.stack([a, a]), method="prm+", tol=1e-4).y.device == dev
    assert eq.solve_qre(a, 0.3).x.device == dev
    assert eq.solve_qre_batch(xps.stack([a, a]), 0.3).gap.device == dev
    gen = xps.asarray(rng.uniform(0.1, 1, (4, 2, 5)), device=dev)
    disc = xps.asarray(rng.uniform(0.1, 1, (4, 5, 2)), device=dev)
    mask = xps.asarray(rng.uniform(size=(4, 5)) < 0.8, device=dev)
    mask = xps.where(xps.arange(5, device=dev) == 0, xps.asarray(True, device=dev), mask)
    ranked = eq.equilibrium_ranking(gen, disc, mask=mask, iterations=200)
    assert ranked.pi_gen.device == dev and ranked.ranking_disc.device == dev
    g = eq.TensorGame(xps.asarray(rng.uniform(size=(3, 3, 3, 3)), device=dev))
    assert eq.solve_tensor_game(g, "rm+", 50).strategies[0].device == dev
    with pytest.raises(eq.InvalidInputError, match="no silent device copies"):
        eq.solve_qre(a, 0.3, reference=(xps.ones(6) / 6, xps.ones(5) / 5))
