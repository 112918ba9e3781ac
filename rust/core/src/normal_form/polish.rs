//! Support polish (a crossover step) for first-order matrix-game solvers.
//!
//! A first-order method identifies the *supports* of an equilibrium long before it computes the
//! probabilities to high accuracy. Given a guess `(S_x, S_y)` with `|S_x| = |S_y| = k`, the
//! equalizer system
//!
//! ```text
//!   A[S_x, S_y] y_S = v 1,   1^T y_S = 1        (the row player is indifferent on S_x)
//!   A[S_x, S_y]^T x_S = v 1, 1^T x_S = 1        (the column player is indifferent on S_y)
//! ```
//!
//! is one LU factorization of the bordered matrix `M = [[A_S, -1], [1^T, 0]]` and two solves (with
//! `M` and with `M^T`). When the guess is right the answer is the exact equilibrium. Nothing is
//! trusted: the candidate is accepted only if both strategies are non-negative and its duality gap
//! over the *whole* game is `<= tol`; otherwise the supports are corrected (negative entries
//! dropped, the most violated outside actions added) for a few rounds, and if that fails the
//! first-order method simply goes on. Attempts are spaced geometrically in iterations so their
//! cost (`O(k^3)` each) stays a fraction of the iterations'.

use super::matrix::{gap_from_payoffs, MatrixGame, ProductScratch};
use crate::control::Control;
use crate::error::Result;
use crate::linalg::Lu;

/// First iteration at which a polish is attempted.
const FIRST_ATTEMPT: u64 = 50;
/// Correction rounds per attempt.
const ROUNDS: usize = 6;
/// Relative pivot threshold under which the equalizer system counts as singular.
const SINGULAR_REL_TOL: f64 = 1e-13;

/// Schedules and runs polish attempts during one solve.
#[derive(Debug, Clone)]
pub struct Polisher {
    next_attempt: u64,
    ay: Vec<f64>,
    atx: Vec<f64>,
    scratch: ProductScratch,
}

/// A candidate equilibrium built from supports.
struct Candidate {
    x: Vec<f64>,
    y: Vec<f64>,
}

impl Polisher {
    /// A polisher for an `m x n` game.
    pub fn new(m: usize, n: usize) -> Self {
        Polisher {
            next_attempt: FIRST_ATTEMPT,
            ay: vec![0.0; m],
            atx: vec![0.0; n],
            scratch: ProductScratch::default(),
        }
    }

    /// Tries to polish the profile `(x, y)` at iteration `t`, given `ay = A y`, `atx = A^T x`
    /// and its gap. Returns a profile whose whole-game gap is `<= tol`, or `None`.
    #[allow(clippy::too_many_arguments)]
    pub fn attempt(
        &mut self,
        game: &MatrixGame,
        t: u64,
        x: &[f64],
        y: &[f64],
        ay: &[f64],
        atx: &[f64],
        gap: f64,
        tol: f64,
        ctl: &Control,
    ) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
        if t < self.next_attempt || !gap.is_finite() {
            return Ok(None);
        }
        self.next_attempt = t.saturating_mul(2);
        let (mut rows, mut cols) = guess_supports(x, y, ay, atx, gap);
        for _ in 0..ROUNDS {
            ctl.check()?;
            let Some(c) = solve_equalizer(game, &rows, &cols) else {
                return Ok(None);
            };
            game.payoffs(&c.x, &c.y, &mut self.ay, &mut self.atx, &mut self.scratch);
            let feasible = c.x.iter().chain(&c.y).all(|&p| p >= 0.0);
            if feasible && gap_from_payoffs(&self.ay, &self.atx) <= tol {
                return Ok(Some((c.x, c.y)));
            }
            if !correct_supports(&mut rows, &mut cols, &c, &self.ay, &self.atx) {
                return Ok(None);
            }
        }
        Ok(None)
    }
}

/// Support guess from an approximate equilibrium with duality gap `gap`: the actions whose
/// payoff is within `gap` of the best response and that the strategy actually plays, trimmed to
/// equal sizes by payoff rank.
fn guess_supports(
    x: &[f64],
    y: &[f64],
    ay: &[f64],
    atx: &[f64],
    gap: f64,
) -> (Vec<usize>, Vec<usize>) {
    let best_row = ay.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let best_col = atx.iter().copied().fold(f64::INFINITY, f64::min);
    let x_floor = 1e-3 / x.len() as f64;
    let y_floor = 1e-3 / y.len() as f64;
    let mut rows: Vec<usize> = (0..x.len())
        .filter(|&i| ay[i] >= best_row - gap && x[i] > x_floor)
        .collect();
    let mut cols: Vec<usize> = (0..y.len())
        .filter(|&j| atx[j] <= best_col + gap && y[j] > y_floor)
        .collect();
    if rows.is_empty() {
        rows.push(argmax(ay));
    }
    if cols.is_empty() {
        cols.push(argmin(atx));
    }
    let k = rows.len().min(cols.len());
    rows.sort_by(|&a, &b| ay[b].total_cmp(&ay[a]).then(a.cmp(&b)));
    cols.sort_by(|&a, &b| atx[a].total_cmp(&atx[b]).then(a.cmp(&b)));
    rows.truncate(k);
    cols.truncate(k);
    rows.sort_unstable();
    cols.sort_unstable();
    (rows, cols)
}

/// Swaps out the most negative support entries for the most violated outside actions, keeping
/// the supports square. Returns `false` when nothing can be improved.
fn correct_supports(
    rows: &mut Vec<usize>,
    cols: &mut Vec<usize>,
    c: &Candidate,
    ay: &[f64],
    atx: &[f64],
) -> bool {
    let v_row = rows.iter().map(|&i| ay[i]).sum::<f64>() / rows.len() as f64;
    let v_col = cols.iter().map(|&j| atx[j]).sum::<f64>() / cols.len() as f64;
    // Outside actions that beat the candidate's value, most violated first.
    let mut add_rows: Vec<usize> = (0..ay.len())
        .filter(|i| !rows.contains(i) && ay[*i] > v_row)
        .collect();
    add_rows.sort_by(|&a, &b| ay[b].total_cmp(&ay[a]));
    let mut add_cols: Vec<usize> = (0..atx.len())
        .filter(|j| !cols.contains(j) && atx[*j] < v_col)
        .collect();
    add_cols.sort_by(|&a, &b| atx[a].total_cmp(&atx[b]));
    // Support entries with negative probability, most negative first.
    let mut drop_rows: Vec<usize> = rows.iter().copied().filter(|&i| c.x[i] < 0.0).collect();
    drop_rows.sort_by(|&a, &b| c.x[a].total_cmp(&c.x[b]));
    let mut drop_cols: Vec<usize> = cols.iter().copied().filter(|&j| c.y[j] < 0.0).collect();
    drop_cols.sort_by(|&a, &b| c.y[a].total_cmp(&c.y[b]));
    if add_rows.is_empty() && add_cols.is_empty() && drop_rows.is_empty() && drop_cols.is_empty() {
        return false;
    }
    // A row enters for each column that leaves and vice versa (square systems need equal sizes).
    let row_swaps = add_rows
        .len()
        .min(drop_cols.len().max(add_cols.len().min(drop_rows.len())));
    let _ = row_swaps;
    rows.retain(|i| !drop_rows.contains(i));
    cols.retain(|j| !drop_cols.contains(j));
    rows.extend(add_rows.iter().take(add_rows.len()));
    cols.extend(add_cols.iter().take(add_cols.len()));
    // Re-square by payoff rank.
    let k = rows.len().min(cols.len()).max(1);
    rows.sort_by(|&a, &b| ay[b].total_cmp(&ay[a]).then(a.cmp(&b)));
    cols.sort_by(|&a, &b| atx[a].total_cmp(&atx[b]).then(a.cmp(&b)));
    rows.truncate(k);
    cols.truncate(k);
    rows.sort_unstable();
    cols.sort_unstable();
    true
}

/// Solves the equalizer system on square supports; `None` if it is singular or the supports are
/// not square.
fn solve_equalizer(game: &MatrixGame, rows: &[usize], cols: &[usize]) -> Option<Candidate> {
    let k = rows.len();
    if k == 0 || k != cols.len() {
        return None;
    }
    let size = k + 1;
    let mut mat = vec![0.0; size * size];
    for (r, &i) in rows.iter().enumerate() {
        let row = game.row(i);
        for (c, &j) in cols.iter().enumerate() {
            mat[r * size + c] = row[j];
        }
        mat[r * size + k] = -1.0;
    }
    mat[k * size..k * size + k].fill(1.0);
    let lu = Lu::factor(mat, size, SINGULAR_REL_TOL)?;
    // M [y; v] = [0; 1].
    let mut ys = vec![0.0; size];
    ys[k] = 1.0;
    lu.solve(&mut ys);
    // M^T [x; s] = [0; -1] gives A_S^T x = -s 1 and 1^T x = 1.
    let mut xs = vec![0.0; size];
    xs[k] = -1.0;
    lu.solve_transpose(&mut xs);
    let mut x = vec![0.0; game.rows()];
    let mut y = vec![0.0; game.cols()];
    for (r, &i) in rows.iter().enumerate() {
        x[i] = xs[r];
    }
    for (c, &j) in cols.iter().enumerate() {
        y[j] = ys[c];
    }
    if !x.iter().chain(&y).all(|p| p.is_finite()) {
        return None;
    }
    Some(Candidate { x, y })
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

fn argmin(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] < v[b] { i } else { b })
}
