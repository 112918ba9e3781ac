//! Many independent matrix games of one shape, solved in parallel over the batch.
//!
//! Games are processed in fixed chunks; each game's answer depends only on its own matrix, so the
//! result is identical for any thread count.

use super::exact::{solve_exact_with_control, ExactError, SimplexWorkspace};
use super::iterative::{run_iterative, IterativeOptions};
use super::matrix::{gap_from_payoffs, MatrixGame, ProductScratch};
use crate::control::Control;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Games per parallel task (also the granularity of cancellation checks and progress).
const GAMES_PER_TASK: usize = 256;

/// How to solve each game of a batch.
#[derive(Debug, Clone)]
pub enum BatchMethod {
    /// The exact dense simplex of [`super::exact`].
    Exact,
    /// A first-order method per game.
    Iterative(IterativeOptions),
}

/// Per-game answers, batch-first.
#[derive(Debug, Clone)]
pub struct BatchSolution {
    /// Row strategies, `batch x rows`.
    pub x: Vec<f64>,
    /// Column strategies, `batch x cols`.
    pub y: Vec<f64>,
    /// Game values `x^T A y`.
    pub value: Vec<f64>,
    /// Duality gaps computed from the returned strategies.
    pub gap: Vec<f64>,
    /// Iterations (first-order methods) or simplex pivots (exact).
    pub iterations: Vec<u64>,
}

/// Solves every game in `a` (`batch x rows x cols`, row-major).
pub fn solve_batch(
    a: &[f64],
    batch: usize,
    rows: usize,
    cols: usize,
    method: &BatchMethod,
    ctl: &Control,
) -> Result<BatchSolution> {
    if batch == 0 || rows == 0 || cols == 0 || a.len() != batch * rows * cols {
        return Err(Error::invalid(
            "A",
            "a non-empty array of shape (batch, rows, cols)",
            format!("{} entries for shape ({batch}, {rows}, {cols})", a.len()),
        ));
    }
    let mut out = BatchSolution {
        x: vec![0.0; batch * rows],
        y: vec![0.0; batch * cols],
        value: vec![0.0; batch],
        gap: vec![0.0; batch],
        iterations: vec![0; batch],
    };
    ctl.set_total(batch as u64);
    let size = rows * cols;
    let tasks = a
        .par_chunks(size * GAMES_PER_TASK)
        .zip(out.x.par_chunks_mut(rows * GAMES_PER_TASK))
        .zip(out.y.par_chunks_mut(cols * GAMES_PER_TASK))
        .zip(out.value.par_chunks_mut(GAMES_PER_TASK))
        .zip(out.gap.par_chunks_mut(GAMES_PER_TASK))
        .zip(out.iterations.par_chunks_mut(GAMES_PER_TASK))
        .enumerate();
    tasks.try_for_each(|(task, (((((games, xs), ys), values), gaps), iters))| {
        ctl.check()?;
        let mut ws = SimplexWorkspace::new();
        let mut scratch = ProductScratch::default();
        let (mut ay, mut atx) = (vec![0.0; rows], vec![0.0; cols]);
        for (k, game) in games.chunks_exact(size).enumerate() {
            let index = task * GAMES_PER_TASK + k;
            let g = MatrixGame::new(game, rows, cols).map_err(|e| in_game(e, index))?;
            let x = &mut xs[k * rows..(k + 1) * rows];
            let y = &mut ys[k * cols..(k + 1) * cols];
            match method {
                BatchMethod::Exact => {
                    let sol = solve_exact_with_control(game, rows, cols, x, y, &mut ws, ctl)
                        .map_err(|e| match e {
                            ExactError::Cancelled => Error::Cancelled,
                            other => Error::Numerical(format!("game {index}: {other}")),
                        })?;
                    iters[k] = sol.pivots as u64;
                    // The certificate is recomputed here, outside the simplex.
                    g.payoffs(x, y, &mut ay, &mut atx, &mut scratch);
                    gaps[k] = gap_from_payoffs(&ay, &atx);
                    values[k] = super::matrix::dot(x, &ay);
                }
                BatchMethod::Iterative(opts) => {
                    // `run_iterative` already recomputes gap and value from the returned profile.
                    let sol = run_iterative(&g, opts, ctl, |_| ())?;
                    x.copy_from_slice(&sol.x);
                    y.copy_from_slice(&sol.y);
                    (iters[k], gaps[k], values[k]) = (sol.iterations, sol.gap, sol.value);
                }
            }
        }
        ctl.advance((games.len() / size) as u64);
        Ok(())
    })?;
    Ok(out)
}

fn in_game(e: Error, index: usize) -> Error {
    match e {
        Error::InvalidInput {
            argument,
            expected,
            found,
        } => Error::InvalidInput {
            argument: format!("{argument}[{index}]"),
            expected,
            found,
        },
        other => other,
    }
}
