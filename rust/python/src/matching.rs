//! Bindings of `equilibria_core::matching`: instances, generators, Monte Carlo and exact values
//! of online matching with stochastic rewards.
//!
//! An instance crosses the boundary as the tuple `(n_u, v_ptr, e_u, e_p, w)` (int64, int64,
//! float64, float64 arrays; the CSR layout of `matching::Instance`) and is re-validated on entry.

use crate::runtime::{contiguous, run_long, IntoPyResult};
use equilibria_core::error::parse_choice;
use equilibria_core::matching::coins::Coins;
use equilibria_core::matching::generators::{self, Labels, Sampler};
use equilibria_core::matching::pricing::{self, Column, Kind, OfflineEdges};
use equilibria_core::matching::stats::Moments;
use equilibria_core::matching::{exact, simulate, Instance, Policy, Psi};
use equilibria_core::{Control, Error};
use numpy::{
    IntoPyArray, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(matching_from_edges, m)?)?;
    m.add_function(wrap_pyfunction!(matching_check, m)?)?;
    m.add_function(wrap_pyfunction!(matching_generate, m)?)?;
    m.add_function(wrap_pyfunction!(matching_transform, m)?)?;
    m.add_function(wrap_pyfunction!(matching_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(matching_moments, m)?)?;
    m.add_function(wrap_pyfunction!(matching_uniforms, m)?)?;
    m.add_function(wrap_pyfunction!(matching_psi, m)?)?;
    m.add_function(wrap_pyfunction!(matching_exact, m)?)?;
    m.add_function(wrap_pyfunction!(matching_clairvoyant_values, m)?)?;
    m.add_function(wrap_pyfunction!(matching_columns, m)?)?;
    Ok(())
}

/// The instance tuple `(n_u, v_ptr, e_u, e_p, w)`.
type InstanceArgs<'py> = (
    usize,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, f64>,
    PyReadonlyArray1<'py, f64>,
);

/// A policy as the Python layer spells it: `(name, parameter, table)`; the parameter is
/// `Rational`'s coefficient or the table's step.
type PolicyArgs<'py> = (String, f64, Option<PyReadonlyArray1<'py, f64>>);

fn instance(py: Python<'_>, args: &InstanceArgs<'_>) -> PyResult<Instance> {
    let (n_u, v_ptr, e_u, e_p, w) = args;
    let v_ptr = contiguous("v_ptr", v_ptr.as_slice())?;
    let e_u = contiguous("e_u", e_u.as_slice())?;
    let mut ptr = Vec::with_capacity(v_ptr.len());
    for &x in v_ptr {
        if x < 0 {
            return Err(Error::invalid("v_ptr", "non-negative offsets", x)).into_py(py);
        }
        ptr.push(x as usize);
    }
    let mut us = Vec::with_capacity(e_u.len());
    for (i, &u) in e_u.iter().enumerate() {
        if u < 0 || u >= *n_u as i64 {
            return Err(Error::invalid(
                format!("u[{i}]"),
                format!("an index in [0, {n_u})"),
                u,
            ))
            .into_py(py);
        }
        us.push(u as u32);
    }
    let e_p = contiguous("e_p", e_p.as_slice())?.to_vec();
    let w = contiguous("w", w.as_slice())?.to_vec();
    Instance::from_csr(*n_u, ptr, us, e_p, w).into_py(py)
}

fn instance_dict<'py>(py: Python<'py>, inst: &Instance) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("n_u", inst.n_u())?;
    let v_ptr: Vec<i64> = inst.v_ptr().iter().map(|&x| x as i64).collect();
    let e_u: Vec<i64> = inst.e_u().iter().map(|&x| x as i64).collect();
    out.set_item("v_ptr", v_ptr.into_pyarray(py))?;
    out.set_item("e_u", e_u.into_pyarray(py))?;
    out.set_item("e_p", inst.e_p().to_vec().into_pyarray(py))?;
    out.set_item("w", inst.w().to_vec().into_pyarray(py))?;
    Ok(out)
}

fn labels(py: Python<'_>, name: &str, seed: u64) -> PyResult<Labels> {
    match name {
        "identity" => Ok(Labels::Identity),
        "adversarial" => Ok(Labels::Adversarial),
        "random" => Ok(Labels::Random(seed)),
        other => Err(Error::invalid(
            "labels",
            "'identity', 'adversarial' or 'random'",
            format!("{other:?}"),
        ))
        .into_py(py),
    }
}

fn sampler(range: Option<(f64, f64)>) -> Option<Sampler> {
    range.map(|(a, b)| {
        if a == b {
            Sampler::Constant(a)
        } else {
            Sampler::Uniform(a, b)
        }
    })
}

fn policy(py: Python<'_>, spec: &PolicyArgs<'_>) -> PyResult<Policy> {
    let (name, param, table) = spec;
    let p = match name.as_str() {
        "greedy" => Policy::Greedy,
        "random" => Policy::Random,
        "ranking" => Policy::Ranking,
        "perturbed_greedy" => Policy::PerturbedGreedy,
        "stochastic_balance" => Policy::StochasticBalance,
        "nonadaptive" => Policy::NonAdaptive,
        "balance_exp" => Policy::Balance(Psi::Exp),
        "balance_gu" => Policy::Balance(Psi::GoyalUdwani),
        "balance_rational" => Policy::Balance(Psi::Rational(*param)),
        "balance_hz" => Policy::Balance(Psi::HuangZhang),
        "balance_table" => {
            let values = match table {
                Some(t) => contiguous("psi", t.as_slice())?.to_vec(),
                None => Vec::new(),
            };
            Policy::Balance(Psi::Table {
                step: *param,
                values,
            })
        }
        other => {
            return Err(Error::invalid(
                "policies",
                "a known policy name",
                format!("{other:?}"),
            ))
            .into_py(py)
        }
    };
    if let Policy::Balance(psi) = &p {
        psi.validate().into_py(py)?;
    }
    Ok(p)
}

/// Validates edge lists and returns the CSR instance as a dict.
#[pyfunction]
#[pyo3(signature = (n_u, n_v, u, v, p, w))]
fn matching_from_edges<'py>(
    py: Python<'py>,
    n_u: usize,
    n_v: usize,
    u: PyReadonlyArray1<'py, i64>,
    v: PyReadonlyArray1<'py, i64>,
    p: PyReadonlyArray1<'py, f64>,
    w: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let w = match &w {
        Some(w) => Some(contiguous("w", w.as_slice())?),
        None => None,
    };
    let inst = Instance::from_edges(
        n_u,
        n_v,
        contiguous("u", u.as_slice())?,
        contiguous("v", v.as_slice())?,
        contiguous("p", p.as_slice())?,
        w,
    )
    .into_py(py)?;
    instance_dict(py, &inst)
}

/// Validates a CSR instance (raises `InvalidInputError` when it is not one).
#[pyfunction]
fn matching_check(py: Python<'_>, inst: InstanceArgs<'_>) -> PyResult<()> {
    instance(py, &inst).map(|_| ())
}

/// Generates a family member: `family` in `erdos_renyi`, `chung_lu`, `upper_triangular`,
/// `thick_z`, `z_graph`; unused arguments are ignored.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (family, n_u, n_v, x, y, m, p, w, labels_name, label_seed, seed))]
fn matching_generate<'py>(
    py: Python<'py>,
    family: &str,
    n_u: usize,
    n_v: usize,
    x: f64,
    y: f64,
    m: usize,
    p: (f64, f64),
    w: Option<(f64, f64)>,
    labels_name: &str,
    label_seed: u64,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let lab = labels(py, labels_name, label_seed)?;
    let ps = sampler(Some(p)).unwrap_or(Sampler::Constant(1.0));
    let inst = match family {
        "erdos_renyi" => generators::erdos_renyi(n_u, n_v, x, ps, sampler(w), lab, seed),
        "chung_lu" => generators::chung_lu(n_u, n_v, x, y, ps, sampler(w), lab, seed),
        "upper_triangular" => generators::upper_triangular(n_u, m, p.0, lab),
        "thick_z" => generators::thick_z(n_u, x, m, lab),
        "z_graph" => generators::z_graph(lab),
        other => Err(Error::invalid("family", "a known generator", other)),
    }
    .into_py(py)?;
    instance_dict(py, &inst)
}

/// Transforms an instance: `relabel` (labels, seed), `replicate` (m), `decomposable` (p_u, p_v).
#[pyfunction]
#[pyo3(signature = (inst, op, labels_name, seed, m, p_u, p_v))]
#[allow(clippy::too_many_arguments)]
fn matching_transform<'py>(
    py: Python<'py>,
    inst: InstanceArgs<'py>,
    op: &str,
    labels_name: &str,
    seed: u64,
    m: usize,
    p_u: Option<PyReadonlyArray1<'py, f64>>,
    p_v: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let inst = instance(py, &inst)?;
    let out = match op {
        "relabel" => generators::relabel(&inst, labels(py, labels_name, seed)?),
        "replicate" => generators::replicate(&inst, m),
        "decomposable" => {
            let (Some(a), Some(b)) = (&p_u, &p_v) else {
                return Err(Error::invalid("p_u, p_v", "two factor arrays", "None")).into_py(py);
            };
            generators::decomposable(
                &inst,
                contiguous("p_u", a.as_slice())?,
                contiguous("p_v", b.as_slice())?,
            )
        }
        other => Err(Error::invalid(
            "op",
            "relabel, replicate or decomposable",
            other,
        )),
    }
    .into_py(py)?;
    instance_dict(py, &out)
}

fn moments_dict<'py>(py: Python<'py>, m: &Moments) -> PyResult<Bound<'py, PyDict>> {
    let d = m.dim();
    let out = PyDict::new(py);
    out.set_item("n", m.n)?;
    out.set_item("mean", m.mean.clone().into_pyarray(py))?;
    out.set_item("cov", m.covariance().into_pyarray(py).reshape([d, d])?)?;
    Ok(out)
}

/// Monte Carlo of `policies` on `inst`: dict with `n`, `mean` (2P: rewards then expected
/// loads), `cov` (2P x 2P) and, when asked, `per_trial` (trials x 2P).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (inst, policies, trials, seed, return_trials, threads, progress))]
fn matching_simulate<'py>(
    py: Python<'py>,
    inst: InstanceArgs<'py>,
    policies: Vec<PolicyArgs<'py>>,
    trials: u64,
    seed: u64,
    return_trials: bool,
    threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let inst = instance(py, &inst)?;
    let policies: Vec<Policy> = policies
        .iter()
        .map(|s| policy(py, s))
        .collect::<PyResult<_>>()?;
    let sim = run_long(py, threads, progress.as_ref(), |ctl| {
        simulate(&inst, &policies, trials, seed, return_trials, ctl)
    })?;
    let out = moments_dict(py, &sim.moments)?;
    if let Some(rows) = sim.per_trial {
        let d = 2 * policies.len();
        out.set_item(
            "per_trial",
            rows.into_pyarray(py).reshape([trials as usize, d])?,
        )?;
    }
    Ok(out)
}

/// Block-ordered moments of per-trial values `(trials, d)` (the same reduction as simulate).
#[pyfunction]
fn matching_moments<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = values.shape()[1];
    let rows = contiguous("values", values.as_slice())?;
    let mut m = Moments::empty(d);
    for block in rows.chunks(d * simulate::BLOCK as usize) {
        m.merge(&Moments::from_rows(block, d));
    }
    moments_dict(py, &m)
}

/// The uniforms `(seed, trial, stream, index)` for each index (the simulator's coins).
#[pyfunction]
fn matching_uniforms<'py>(
    py: Python<'py>,
    seed: u64,
    trial: u64,
    stream: u64,
    indices: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let c = Coins::new(seed, trial, stream);
    let idx = contiguous("indices", indices.as_slice())?;
    Ok(idx
        .iter()
        .map(|&i| c.uniform(i as u64))
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

/// `psi(l)` of a balance policy at each load.
#[pyfunction]
fn matching_psi<'py>(
    py: Python<'py>,
    spec: PolicyArgs<'py>,
    loads: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let Policy::Balance(psi) = policy(py, &spec)? else {
        return Err(Error::invalid("policy", "a balance policy", &spec.0)).into_py(py);
    };
    let l = contiguous("loads", loads.as_slice())?;
    Ok(l.iter()
        .map(|&x| psi.eval(x))
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

/// Exact values: `what` is `policy` (with `spec`), `clairvoyant` or `fully_offline`.
#[pyfunction]
#[pyo3(signature = (inst, what, spec, threads, progress))]
fn matching_exact<'py>(
    py: Python<'py>,
    inst: InstanceArgs<'py>,
    what: &str,
    spec: Option<PolicyArgs<'py>>,
    threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<f64> {
    let inst = instance(py, &inst)?;
    let pol = spec.as_ref().map(|s| policy(py, s)).transpose()?;
    let what = what.to_string();
    run_long(py, threads, progress.as_ref(), |ctl: &Control| {
        match (what.as_str(), &pol) {
            ("policy", Some(p)) => exact::evaluate(&inst, p, ctl),
            ("clairvoyant", _) => exact::clairvoyant(&inst, ctl),
            ("fully_offline", _) => exact::fully_offline(&inst, ctl),
            (other, _) => Err(Error::invalid(
                "what",
                "policy, clairvoyant or fully_offline",
                other,
            )),
        }
    })
}

/// The clairvoyant value-to-go table `V(t, A)`, flat row-major `(n_v + 1) x 2^n_u`.
#[pyfunction]
#[pyo3(signature = (inst, threads))]
fn matching_clairvoyant_values<'py>(
    py: Python<'py>,
    inst: InstanceArgs<'py>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let inst = instance(py, &inst)?;
    let table = run_long(py, threads, None, |ctl: &Control| {
        exact::clairvoyant_values(&inst, ctl)
    })?;
    Ok(table.into_pyarray(py))
}

fn kind(py: Python<'_>, name: &str) -> PyResult<Kind> {
    parse_choice("kind", &Kind::ALL, Kind::name, name).into_py(py)
}

/// Columns as flat arrays: `u`, `ptr` (CSR offsets into `edges` / `coef`), `edges`, `coef`,
/// `cost`, and `reduced` when priced.
fn columns_dict<'py>(
    py: Python<'py>,
    cols: Vec<&Column>,
    reduced: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut ptr = Vec::with_capacity(cols.len() + 1);
    ptr.push(0i64);
    let (mut u, mut edges, mut coef, mut cost) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for c in cols {
        u.push(c.u as i64);
        edges.extend(c.edges.iter().map(|&e| e as i64));
        coef.extend_from_slice(&c.coef);
        cost.push(c.cost);
        ptr.push(edges.len() as i64);
    }
    let out = PyDict::new(py);
    out.set_item("u", u.into_pyarray(py))?;
    out.set_item("ptr", ptr.into_pyarray(py))?;
    out.set_item("edges", edges.into_pyarray(py))?;
    out.set_item("coef", coef.into_pyarray(py))?;
    out.set_item("cost", cost.into_pyarray(py))?;
    if let Some(r) = reduced {
        out.set_item("reduced", r.into_pyarray(py))?;
    }
    Ok(out)
}

/// Configuration-LP columns of `kind` (`huang_zhang`, `stochastic` or `stochastic_any_order`): with `alpha` and `beta`,
/// every offline vertex's best column under those duals and its reduced profit (exact
/// pricing, parallel over offline vertices); without them, every configuration (at most
/// `limit`).
#[pyfunction]
#[pyo3(signature = (inst, kind_name, alpha, beta, limit, threads))]
fn matching_columns<'py>(
    py: Python<'py>,
    inst: InstanceArgs<'py>,
    kind_name: &str,
    alpha: Option<PyReadonlyArray1<'py, f64>>,
    beta: Option<PyReadonlyArray1<'py, f64>>,
    limit: usize,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let inst = instance(py, &inst)?;
    let k = kind(py, kind_name)?;
    match (alpha, beta) {
        (Some(a), Some(b)) => {
            let a = contiguous("alpha", a.as_slice())?.to_vec();
            let b = contiguous("beta", b.as_slice())?.to_vec();
            let adj = OfflineEdges::new(&inst);
            let priced = run_long(py, threads, None, |ctl: &Control| {
                pricing::price(&inst, &adj, k, &a, &b, ctl)
            })?;
            let reduced = priced.iter().map(|p| p.reduced_profit).collect();
            columns_dict(
                py,
                priced.iter().map(|p| &p.column).collect(),
                Some(reduced),
            )
        }
        (None, None) => {
            let cols = pricing::enumerate(&inst, k, limit).into_py(py)?;
            columns_dict(py, cols.iter().collect(), None)
        }
        _ => Err(Error::invalid(
            "alpha, beta",
            "both duals or neither",
            "only one of them",
        ))
        .into_py(py),
    }
}
