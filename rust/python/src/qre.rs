//! Bindings of `equilibria_core::regularized::qre`: KL-regularized (logit QRE) matrix games.

use crate::efg::contiguous;
use crate::runtime::{run_long, IntoPyResult};
use equilibria_core::normal_form::MatrixGame;
use equilibria_core::regularized::qre::{self, QreOptions};
use numpy::{
    IntoPyArray, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(solve_qre, m)?)?;
    m.add_function(wrap_pyfunction!(solve_qre_batch, m)?)?;
    Ok(())
}

/// Solves one regularized matrix game by MMD; returns a dict.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (a, temperature, rho_x, rho_y, tol, max_iters, step_size, threads, progress))]
fn solve_qre<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, f64>,
    temperature: f64,
    rho_x: Option<PyReadonlyArray1<'py, f64>>,
    rho_y: Option<PyReadonlyArray1<'py, f64>>,
    tol: f64,
    max_iters: u64,
    step_size: Option<f64>,
    threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (m, n) = (a.shape()[0], a.shape()[1]);
    let game = MatrixGame::new(contiguous("A", a.as_slice())?, m, n).into_py(py)?;
    let rx = match &rho_x {
        Some(r) => Some(contiguous("reference", r.as_slice())?),
        None => None,
    };
    let ry = match &rho_y {
        Some(r) => Some(contiguous("reference", r.as_slice())?),
        None => None,
    };
    let opts = QreOptions {
        temperature,
        tol,
        max_iters,
        step_size,
    };
    let sol = run_long(py, threads, progress.as_ref(), |ctl| {
        qre::solve_qre(&game, rx, ry, &opts, ctl)
    })?;
    let out = PyDict::new(py);
    let (trace_iters, trace_gaps): (Vec<u64>, Vec<f64>) = sol.trace.into_iter().unzip();
    out.set_item("x", sol.x.into_pyarray(py))?;
    out.set_item("y", sol.y.into_pyarray(py))?;
    out.set_item("gap", sol.gap)?;
    out.set_item("distance_bound", sol.distance_bound)?;
    out.set_item("residual", sol.residual)?;
    out.set_item("value", sol.value)?;
    out.set_item("iterations", sol.iterations)?;
    out.set_item("converged", sol.converged)?;
    out.set_item("trace_iterations", trace_iters.into_pyarray(py))?;
    out.set_item("trace_gaps", trace_gaps.into_pyarray(py))?;
    Ok(out)
}

/// Solves a batch `(B, m, n)` of regularized games; returns a dict of stacked arrays.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (a, temperature, rho_x, rho_y, tol, max_iters, step_size, threads, progress))]
fn solve_qre_batch<'py>(
    py: Python<'py>,
    a: PyReadonlyArray3<'py, f64>,
    temperature: f64,
    rho_x: Option<PyReadonlyArray2<'py, f64>>,
    rho_y: Option<PyReadonlyArray2<'py, f64>>,
    tol: f64,
    max_iters: u64,
    step_size: Option<f64>,
    threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (b, m, n) = (a.shape()[0], a.shape()[1], a.shape()[2]);
    let data = contiguous("A", a.as_slice())?;
    let rx = match &rho_x {
        Some(r) => Some(contiguous("reference", r.as_slice())?),
        None => None,
    };
    let ry = match &rho_y {
        Some(r) => Some(contiguous("reference", r.as_slice())?),
        None => None,
    };
    let opts = QreOptions {
        temperature,
        tol,
        max_iters,
        step_size,
    };
    let sol = run_long(py, threads, progress.as_ref(), |ctl| {
        qre::solve_qre_batch(data, b, m, n, rx, ry, &opts, ctl)
    })?;
    let out = PyDict::new(py);
    out.set_item("x", sol.x.into_pyarray(py).reshape([b, m])?)?;
    out.set_item("y", sol.y.into_pyarray(py).reshape([b, n])?)?;
    out.set_item("gap", sol.gap.into_pyarray(py))?;
    out.set_item("residual", sol.residual.into_pyarray(py))?;
    out.set_item("iterations", sol.iterations.into_pyarray(py))?;
    Ok(out)
}
