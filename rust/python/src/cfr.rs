//! Bindings of `equilibria_core::cfr`: the CFR family and Monte-Carlo CFR.

use crate::efg::PyGame;
use crate::runtime::{run_long, IntoPyResult};
use equilibria_core::cfr::mccfr::{Mccfr, Sampling};
use equilibria_core::cfr::{Cfr, CfrConfig, Variant};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use std::sync::Arc;

/// Registers this module's classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCfr>()?;
    m.add_class::<PyMccfr>()?;
    Ok(())
}

/// A CFR-family solver (see `equilibria_core::cfr::Cfr`).
#[pyclass(module = "equilibria._core", name = "CfrSolver")]
pub struct PyCfr {
    solver: Cfr,
}

#[pymethods]
impl PyCfr {
    #[new]
    #[pyo3(signature = (game, variant, alternating, gamma, alpha, beta))]
    fn new(
        py: Python<'_>,
        game: &PyGame,
        variant: &str,
        alternating: bool,
        gamma: Option<f64>,
        alpha: Option<f64>,
        beta: Option<f64>,
    ) -> PyResult<Self> {
        let mut config = CfrConfig::named(variant).into_py(py)?;
        config.alternating = alternating;
        if let Some(g) = gamma {
            config.gamma = g;
        }
        if let Variant::Discounted { alpha: a, beta: b } = &mut config.variant {
            *a = alpha.unwrap_or(*a);
            *b = beta.unwrap_or(*b);
        }
        let solver = Cfr::new(Arc::clone(&game.game), config).into_py(py)?;
        Ok(PyCfr { solver })
    }

    /// Runs more iterations (GIL released, Ctrl-C, progress).
    #[pyo3(signature = (iterations, checkpoint_every, threads, progress))]
    fn run(
        &mut self,
        py: Python<'_>,
        iterations: u64,
        checkpoint_every: Option<u64>,
        threads: Option<usize>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let solver = &mut self.solver;
        run_long(py, threads, progress.as_ref(), |ctl| {
            solver.run(iterations, checkpoint_every, ctl)
        })
    }

    /// Iterations run so far.
    #[getter]
    fn iterations(&self) -> u64 {
        self.solver.iterations()
    }

    /// `(iteration, exploitability)` checkpoints.
    #[getter]
    fn trace(&self) -> Vec<(u64, f64)> {
        self.solver.trace().to_vec()
    }

    /// The average strategy (flat, by slot).
    fn average_strategy<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.solver.average_strategy().into_pyarray(py)
    }

    /// The current strategy (flat, by slot).
    fn current_strategy<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.solver.current_strategy().to_vec().into_pyarray(py)
    }

    /// Exploitability of the average strategy.
    fn exploitability(&self, py: Python<'_>) -> f64 {
        py.detach(|| self.solver.exploitability())
    }
}

/// A Monte-Carlo CFR solver (see `equilibria_core::cfr::mccfr::Mccfr`).
#[pyclass(module = "equilibria._core", name = "MccfrSolver")]
pub struct PyMccfr {
    solver: Mccfr,
}

#[pymethods]
impl PyMccfr {
    #[new]
    #[pyo3(signature = (game, sampling, seed, epsilon))]
    fn new(
        py: Python<'_>,
        game: &PyGame,
        sampling: &str,
        seed: u64,
        epsilon: f64,
    ) -> PyResult<Self> {
        let sampling = match sampling {
            "external" => Sampling::External,
            "outcome" => Sampling::Outcome { epsilon },
            other => {
                return Err(crate::runtime::to_py_err(
                    py,
                    equilibria_core::Error::invalid(
                        "sampling",
                        "'external' or 'outcome'",
                        format!("{other:?}"),
                    ),
                ))
            }
        };
        let solver = Mccfr::new(Arc::clone(&game.game), sampling, seed).into_py(py)?;
        Ok(PyMccfr { solver })
    }

    /// Runs more iterations (GIL released, Ctrl-C, progress).
    #[pyo3(signature = (iterations, checkpoint_every, progress))]
    fn run(
        &mut self,
        py: Python<'_>,
        iterations: u64,
        checkpoint_every: Option<u64>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let solver = &mut self.solver;
        run_long(py, Some(1), progress.as_ref(), |ctl| {
            solver.run(iterations, checkpoint_every, ctl)
        })
    }

    /// Iterations run so far.
    #[getter]
    fn iterations(&self) -> u64 {
        self.solver.iterations()
    }

    /// `(iteration, exploitability)` checkpoints.
    #[getter]
    fn trace(&self) -> Vec<(u64, f64)> {
        self.solver.trace().to_vec()
    }

    /// The average strategy (flat, by slot).
    fn average_strategy<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.solver.average_strategy().into_pyarray(py)
    }

    /// The current (regret-matching) strategy.
    fn current_strategy<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.solver.current_strategy().into_pyarray(py)
    }

    /// Exploitability of the average strategy.
    fn exploitability(&self, py: Python<'_>) -> f64 {
        py.detach(|| self.solver.exploitability())
    }
}
