"""The configuration LPs of online matching with stochastic rewards: Huang–Zhang's configuration
LP and the (reconstructed) stochastic configuration LP, by column generation (pricing in Rust),
full enumeration and the compact form; outside truths are closed forms, the notes' hand-checked
counterexamples, the benchmark orderings, and agreement between independent formulations.
Also estimated benchmarks: the clairvoyant policy played on the same coins, paired ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from equilibria import InvalidInputError, matching as M


def random_instance(rng: np.random.Generator, max_u: int = 5, max_v: int = 7, weighted: bool = False) -> M.Instance | None:
    n_u, n_v = int(rng.integers(1, max_u + 1)), int(rng.integers(1, max_v + 1))
    mask = rng.random((n_u, n_v)) < 0.5
    if not mask.any():
        return None
    u, v = np.nonzero(mask)
    p = rng.uniform(0.05, 1.0, u.size)
    w = rng.uniform(0.5, 2.0, n_u) if weighted else None
    return M.Instance.from_edges(u, v, p, w, n_u=n_u, n_v=n_v)


# ----------------------------------------------------------------------------------------------
# Closed forms and hand-checked values
# ----------------------------------------------------------------------------------------------


def test_single_offline_vertex_closed_forms():
    """k neighbours of probability p: SCLP = clairvoyant = 1 - (1-p)^k; ConfigLP = min(kp, 1)."""
    for k, p in [(5, 0.3), (3, 0.5), (1, 1.0), (12, 0.05)]:
        inst = M.Instance.from_edges(np.zeros(k, int), np.arange(k), np.full(k, p))
        target = 1.0 - (1.0 - p) ** k
        for method in ("column_generation", "enumerate", "compact"):
            assert M.stochastic_configuration_lp(inst, method=method).value == pytest.approx(target, abs=1e-9)
        for method in ("column_generation", "enumerate"):
            assert M.configuration_lp(inst, method=method).value == pytest.approx(min(k * p, 1.0), abs=1e-9)
    inst = M.Instance.from_edges([0] * 5, range(5), [0.3] * 5)
    assert M.stochastic_configuration_lp(inst).value == pytest.approx(0.83193, abs=1e-9)


def test_notes_counterexamples():
    """The notes' §8 table: (edges, clairvoyant, SCLP, ConfigLP, matching LP)."""
    cases = [
        (([0, 0, 1], [0, 1, 1], [0.5, 0.5, 0.4]), 0.95, 0.95, 1.0, 1.0),
        (([0, 1, 0], [0, 0, 1], [0.9, 0.1, 0.5]), 0.95, 0.95, None, 1.044444),
        # ConfigLP 1.5 < clairvoyant 1.725: HZ20's LP is only a benchmark for vanishing p.
        (([1, 0, 0, 1], [0, 1, 2, 2], [0.5, 0.5, 0.9, 1.0]), 1.725, None, 1.5, 1.95),
    ]
    for (u, v, p), cv, sclp, config, lp in cases:
        inst = M.Instance.from_edges(u, v, p)
        assert M.clairvoyant(inst) == pytest.approx(cv, abs=1e-12)
        if sclp is not None:
            for method in ("column_generation", "enumerate", "compact"):
                assert M.stochastic_configuration_lp(inst, method=method).value == pytest.approx(sclp, abs=1e-9)
        if config is not None:
            for method in ("column_generation", "enumerate"):
                assert M.configuration_lp(inst, method=method).value == pytest.approx(config, abs=1e-9)
        assert M.matching_lp(inst).value == pytest.approx(lp, abs=1e-6)


def test_naive_sclp_without_survival_is_below_clairvoyant():
    """Why the survival factors are needed: the 'naive' LP (unit coefficients, objective
    1 - Π(1-p)) gives 0.90 < clairvoyant 0.95 on the notes' first counterexample; checked here by
    enumerating the naive LP through the same columns with coefficients reset to 1."""
    from equilibria import _core
    from equilibria._matching_lp import _Lp

    inst = M.Instance.from_edges([0, 0, 1], [0, 1, 1], [0.5, 0.5, 0.4])
    cols = _core.matching_columns(inst._args(), "stochastic", None, None, 100, None)
    k = len(cols["u"])
    rows, colidx, vals = [], [], []
    for j in range(k):
        a, b = cols["ptr"][j], cols["ptr"][j + 1]
        rows += [int(cols["u"][j])] + [inst.n_u + int(inst.e_v[e]) for e in cols["edges"][a:b]]
        colidx += [j] * (1 + b - a)
        vals += [1.0] * (1 + b - a)
    lp = _Lp.from_triplets(np.full(inst.n_u + inst.n_v, -np.inf), np.ones(inst.n_u + inst.n_v), cols["cost"], np.array(rows), np.array(colidx), np.array(vals))
    assert lp.solve()[0] == pytest.approx(0.90, abs=1e-9)
    assert M.stochastic_configuration_lp(inst).value == pytest.approx(0.95, abs=1e-9)


def test_deterministic_z_graph_and_g_k():
    z = M.z_graph()
    for f in (M.configuration_lp, M.stochastic_configuration_lp, M.matching_lp):
        assert f(z).value == pytest.approx(2.0, abs=1e-9)
    # p = 1/m: ConfigLP = matching LP = k (HZ20); on G_1 the SCLP is the single-vertex form.
    for k, m in [(1, 6), (2, 5), (3, 4)]:
        g = M.g_k(k, m, labels="adversarial")
        assert M.configuration_lp(g).value == pytest.approx(k, abs=1e-8)
        assert M.matching_lp(g).value == pytest.approx(k, abs=1e-8)
    g1 = M.g_k(1, 10)
    assert M.stochastic_configuration_lp(g1).value == pytest.approx(1 - 0.9**10, abs=1e-9)


def test_any_order_lp_bounds_the_fully_offline_optimum_on_the_notes_example():
    """v0-u0 (0.9), v0-u1 (0.1), v1-u0 (0.5): fully offline processes v1 first and gets
    0.5 (1 + 0.1) + 0.5 (0.9) = 1.0 > clairvoyant 0.95. The any-order LP reaches 1.0 by hand:
    u0 tries (v1, v0) (value 0.95, v0's coefficient 0.5) and u1 takes the other half of v0
    (0.05); the arrival-order LP stays at the clairvoyant 0.95."""
    inst = M.Instance.from_edges([0, 1, 0], [0, 0, 1], [0.9, 0.1, 0.5], n_u=2, n_v=2)
    assert M.fully_offline(inst) == pytest.approx(1.0, abs=1e-12)
    assert M.stochastic_configuration_lp(inst).value == pytest.approx(0.95, abs=1e-9)
    for method in ("column_generation", "enumerate", "compact"):
        r = M.stochastic_configuration_lp(inst, order="any", method=method)
        assert r.kind == "stochastic_any_order"
        assert r.value == pytest.approx(1.0, abs=1e-9)
    cg = M.stochastic_configuration_lp(inst, order="any")
    sequences = {(int(u), tuple(s.tolist())) for u, s in zip(cg.columns_u, cg.columns)}
    assert (0, (1, 0)) in sequences  # v1 before v0: against arrival order
    assert cg.z == pytest.approx([0.5, 0.5, 1.0], abs=1e-9)


def test_any_order_orderings_and_equal_forms():
    """Random small instances: the any-order LP's three forms (sequences by column generation,
    every sequence, the polymatroid) agree, and clairvoyant <= SCLP(arrival) <= SCLP(any),
    fully offline <= SCLP(any) <= matching LP."""
    rng = np.random.default_rng(11)
    checked = 0
    for trial in range(40):
        inst = random_instance(rng, max_u=4, max_v=5, weighted=trial % 2 == 1)
        if inst is None:
            continue
        checked += 1
        cg = M.stochastic_configuration_lp(inst, order="any")
        en = M.stochastic_configuration_lp(inst, order="any", method="enumerate").value
        co = M.stochastic_configuration_lp(inst, order="any", method="compact").value
        assert cg.converged
        assert cg.value == pytest.approx(en, abs=1e-8) and co == pytest.approx(en, abs=1e-8)
        arrival = M.stochastic_configuration_lp(inst, method="compact").value
        assert M.clairvoyant(inst) <= arrival + 1e-8 <= en + 2e-8
        assert M.fully_offline(inst) <= en + 1e-8 <= M.matching_lp(inst).value + 2e-8
    assert checked >= 30


def test_any_order_limits_and_bad_order():
    inst = M.Instance.from_edges(np.zeros(6, int), np.arange(6), np.full(6, 0.3), n_u=1, n_v=6)
    # One vertex with k neighbours: every form gives 1 - (1-p)^k.
    for method in ("column_generation", "compact"):
        assert M.stochastic_configuration_lp(inst, order="any", method=method).value == pytest.approx(1 - 0.7**6, abs=1e-9)
    # 6 neighbours: 1956 sequences, 63 polymatroid rows.
    with pytest.raises(InvalidInputError, match="sequences"):
        M.stochastic_configuration_lp(inst, order="any", method="enumerate", limit=1000)
    assert M.stochastic_configuration_lp(inst, order="any", method="enumerate", limit=1956).value == pytest.approx(1 - 0.7**6, abs=1e-9)
    with pytest.raises(InvalidInputError, match="polymatroid rows"):
        M.stochastic_configuration_lp(inst, order="any", method="compact", limit=62)
    with pytest.raises(InvalidInputError, match="order"):
        M.stochastic_configuration_lp(inst, order="sorted")
    for method in ("enumerate", "compact"):
        with pytest.raises(InvalidInputError, match="limit"):
            M.stochastic_configuration_lp(inst, order="any", method=method, limit=-1)


# ----------------------------------------------------------------------------------------------
# Orderings and equality of formulations
# ----------------------------------------------------------------------------------------------


def test_orderings_and_column_generation_equals_enumeration():
    """On random small instances: CG = enumeration (both LPs), SCLP configuration form = compact
    form, ConfigLP <= matching LP, clairvoyant <= SCLP <= matching LP."""
    rng = np.random.default_rng(6)
    checked = 0
    for trial in range(60):
        inst = random_instance(rng, weighted=trial % 2 == 1)
        if inst is None:
            continue
        checked += 1
        lp = M.matching_lp(inst).value
        cv = M.clairvoyant(inst)
        hz_cg = M.configuration_lp(inst)
        hz_en = M.configuration_lp(inst, method="enumerate")
        st_cg = M.stochastic_configuration_lp(inst)
        st_en = M.stochastic_configuration_lp(inst, method="enumerate")
        st_co = M.stochastic_configuration_lp(inst, method="compact")
        assert hz_cg.converged and st_cg.converged
        assert hz_cg.value == pytest.approx(hz_en.value, abs=1e-8)
        assert st_cg.value == pytest.approx(st_en.value, abs=1e-8)
        assert st_co.value == pytest.approx(st_en.value, abs=1e-8)
        assert hz_cg.value <= lp + 1e-8
        assert cv <= st_en.value + 1e-8
        assert st_en.value <= lp + 1e-8
        for r in (hz_cg, st_cg):
            assert r.value <= r.bound + 1e-12 and r.bound - r.value <= inst.n_u * 1e-9 + 1e-9
            # Every logged bound is an upper bound on the LP (dual raised to feasibility).
            exact = hz_en.value if r.kind == "huang_zhang" else st_en.value
            assert all(row[2] >= exact - 1e-8 for row in r.log)
    assert checked >= 50


def test_column_generation_solution_is_consistent():
    """On a 40x40 ER instance: the CG solution's per-edge shares z satisfy the compact form's
    constraints and reproduce the value; ConfigLP's z satisfies the matching LP's rows."""
    inst = M.erdos_renyi(40, 40, 0.2, (0.05, 1.0), w=(0.5, 2.0), seed=3)
    st = M.stochastic_configuration_lp(inst)
    assert st.converged and st.iterations >= 2
    wp = inst.w[inst.e_u] * inst.e_p
    assert float(wp @ st.z) == pytest.approx(st.value, abs=1e-7)
    assert st.value == pytest.approx(M.stochastic_configuration_lp(inst, method="compact").value, abs=1e-7)
    # z_{u v_k} + Σ_{i<k} p_i z_i <= 1 per offline vertex in arrival order, Σ_u z_uv <= 1.
    for u in range(inst.n_u):
        edges = np.flatnonzero(inst.e_u == u)
        prefix = np.r_[0.0, np.cumsum(inst.e_p[edges] * st.z[edges])[:-1]]
        assert np.all(st.z[edges] + prefix <= 1 + 1e-8)
    assert np.all(np.bincount(inst.e_v, st.z, inst.n_v) <= 1 + 1e-8)
    assert np.all(st.x > 0) and len(st.columns) == len(st.x) == len(st.columns_u)
    hz = M.configuration_lp(inst)
    assert np.all(np.bincount(inst.e_v, hz.z, inst.n_v) <= 1 + 1e-8)
    assert hz.value <= M.matching_lp(inst).value + 1e-8
    assert "master value" in st.log_table()


def test_results_do_not_depend_on_threads():
    inst = M.erdos_renyi(30, 30, 0.25, (0.05, 1.0), seed=9)
    for f in (M.configuration_lp, M.stochastic_configuration_lp):
        a, b = f(inst, threads=1), f(inst, threads=2)
        assert a.value == b.value and a.iterations == b.iterations
        assert [row[:5] for row in a.log] == [row[:5] for row in b.log]


def test_bad_input_names_the_argument():
    inst = M.z_graph()
    with pytest.raises(InvalidInputError, match="method"):
        M.configuration_lp(inst, method="compact")
    with pytest.raises(InvalidInputError, match="tol"):
        M.stochastic_configuration_lp(inst, tol=0.0)
    with pytest.raises(InvalidInputError, match="max_iterations"):
        M.configuration_lp(inst, max_iterations=0)
    with pytest.raises(InvalidInputError, match="instance"):
        M.configuration_lp("not an instance")  # type: ignore[arg-type]
    big = M.erdos_renyi(3, 40, 1.0, 0.5)
    with pytest.raises(InvalidInputError, match="instance"):
        M.configuration_lp(big, method="enumerate", limit=1000)
    with pytest.raises(InvalidInputError, match="threads"):
        M.configuration_lp(inst, threads=0)


def test_empty_instance():
    inst = M.Instance.from_edges([], [], [], n_u=2, n_v=3)
    for method in ("column_generation", "enumerate", "compact"):
        assert M.stochastic_configuration_lp(inst, method=method).value == 0.0
    assert M.configuration_lp(inst).value == 0.0


# ----------------------------------------------------------------------------------------------
# Estimated benchmarks and reports
# ----------------------------------------------------------------------------------------------


def test_clairvoyant_policy_and_paired_ratio():
    """The clairvoyant policy simulated on the same coins: its mean agrees with the exact DP
    within 4 SE, and the paired delta-method ratio covers the exact ratio."""
    rng = np.random.default_rng(11)
    inst = None
    while inst is None or inst.num_edges < 8:
        inst = random_instance(rng, 4, 8)
    policy = M.clairvoyant_policy(inst)
    sim = M.simulate(inst, ["greedy", "stochastic_balance", policy], trials=20_000, seed=5)
    exact_cv = M.clairvoyant(inst)
    est = sim["clairvoyant"]
    assert abs(est.mean - exact_cv) <= 4 * est.se + 1e-12
    ratios = M.competitive_ratio(sim, "clairvoyant")
    assert ratios["clairvoyant"].ratio == 1.0 and ratios["clairvoyant"].se == 0.0
    for name in ("greedy", "stochastic_balance"):
        r = ratios[name]
        exact = M.evaluate(inst, name) / exact_cv
        assert r.benchmark_name == "clairvoyant" and r.benchmark_se > 0
        assert abs(r.ratio - exact) <= 4 * r.se + 1e-12
        assert r.ci_bernstein[0] <= exact <= r.ci_bernstein[1]
        # Common random numbers: the paired standard error beats treating A and B as independent.
        e = sim[name]
        independent = math.sqrt(e.se**2 + r.ratio**2 * r.benchmark_se**2) / r.benchmark
        assert r.se <= independent
    det = M.competitive_ratio(sim, exact_cv)
    assert det["greedy"].se == pytest.approx(sim["greedy"].se / exact_cv)
    with pytest.raises(InvalidInputError, match="benchmark"):
        M.competitive_ratio(sim, "ranking")
    with pytest.raises(InvalidInputError, match="benchmark"):
        M.competitive_ratio(sim, -1.0)


def test_clairvoyant_policy_on_the_deterministic_z_graph():
    inst = M.z_graph()
    sim = M.simulate(inst, ["greedy", M.clairvoyant_policy(inst)], trials=200, seed=0)
    assert sim["clairvoyant"].mean == 2.0 and sim["greedy"].mean == 1.0
    assert M.competitive_ratio(sim, "clairvoyant")["greedy"].ratio == 0.5


def test_ratio_table_and_plot(tmp_path):
    ratios = {}
    for name, inst in {"z_graph": M.z_graph(), "g_2": M.g_k(2, 5, labels="adversarial")}.items():
        sim = M.simulate(inst, ["greedy", "stochastic_balance"], trials=2000, seed=1)
        ratios[name] = M.competitive_ratio(sim, M.stochastic_configuration_lp(inst).value)
    text = M.ratio_table(ratios)
    assert "z_graph" in text and "stochastic_balance" in text and text.count("\n") == 4
    with pytest.raises(InvalidInputError, match="interval"):
        M.ratio_table(ratios, interval="wide")
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = M.plot_ratios(ratios, interval="bernstein", reference=[1 - 1 / math.e])
    ax.figure.savefig(tmp_path / "ratios.png")
    assert (tmp_path / "ratios.png").stat().st_size > 0
