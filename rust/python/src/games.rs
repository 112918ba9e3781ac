//! Bindings of `equilibria_core::games`: the built-in extensive-form games.

use crate::efg::PyGame;
use crate::runtime::IntoPyResult;
use equilibria_core::games::{self, PointsOrder};
use pyo3::prelude::*;

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(kuhn_poker, m)?)?;
    m.add_function(wrap_pyfunction!(leduc_poker, m)?)?;
    m.add_function(wrap_pyfunction!(liars_dice, m)?)?;
    m.add_function(wrap_pyfunction!(goofspiel, m)?)?;
    Ok(())
}

/// Kuhn poker.
#[pyfunction]
fn kuhn_poker(py: Python<'_>) -> PyResult<PyGame> {
    Ok(PyGame::new(py.detach(games::kuhn_poker).into_py(py)?))
}

/// Leduc hold'em.
#[pyfunction]
fn leduc_poker(py: Python<'_>) -> PyResult<PyGame> {
    Ok(PyGame::new(py.detach(games::leduc_poker).into_py(py)?))
}

/// Liar's Dice with one die of `faces` sides each.
#[pyfunction]
fn liars_dice(py: Python<'_>, faces: usize) -> PyResult<PyGame> {
    Ok(PyGame::new(
        py.detach(|| games::liars_dice(faces)).into_py(py)?,
    ))
}

/// Goofspiel with `cards` cards.
#[pyfunction]
fn goofspiel(
    py: Python<'_>,
    cards: usize,
    imperfect_information: bool,
    points_order: &str,
) -> PyResult<PyGame> {
    let order: PointsOrder = points_order.parse().into_py(py)?;
    Ok(PyGame::new(
        py.detach(|| games::goofspiel(cards, imperfect_information, order))
            .into_py(py)?,
    ))
}
