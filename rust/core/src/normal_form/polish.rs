//! Support polish (a crossover step) for first-order matrix-game solvers.
//!
//! A first-order method points at the *supports* of an equilibrium long before it computes the
//! probabilities to high accuracy. At geometrically spaced checkpoints the polisher takes the
//! actions whose payoff against the current strategies is within a few duality gaps of the best
//! response, solves the game restricted to them *exactly* (the dense simplex of
//! [`super::exact`]), and grows the restricted sets with the whole game's best responses against
//! that answer (a double oracle) for a few rounds. Nothing is trusted: a candidate is returned
//! only when its duality gap over the *whole* game is `<= tol`.
//!
//! An attempt is skipped while it would cost too much next to the first-order work done so far
//! ([`affordable`]): a restricted solve of `r x c` takes about `r + c` pivots of `r c` updates,
//! and `t` iterations have read the `m x n` game `t` times, so the solve runs only when
//! `(r + c) r c <= WORK_RATIO t m n` (or the restricted game is tiny). Like ski rental, this
//! bounds the work a failed attempt can waste by a constant factor of the work already done,
//! whatever the game's size. Measured on random `U[-1, 1]` games to gap 1e-6 (PRM+, seed 0):
//! 3000x3000 candidate sets shrink from ~2,530 (t = 80, 40.7 s to solve) to ~1,880 (t = 160,
//! 13.9 s) and ~1,617 (t = 320, 6.7 s + 0.7 s for a second round); the rule waits for t = 320
//! and the whole solve takes ~7-9 s instead of 68 s of PRM+ alone (timings vary with the
//! machine's load; a fixed cap of 750 actions, used before, never let it run at that size). On
//! 1000x1000 it attempts at t = 160, as before. Restricted answers already within
//! [`REFINE_FRACTION`] of `tol` skip the simplex's final LU re-solve of the basis.
//!
//! Why not solve the equalizer system on a guessed support and correct it: measured on random
//! 300x300 games, drop-negatives/add-violators corrections cycle (see ARCHITECTURE.md); the
//! simplex on a restricted superset of the support cannot.

use super::exact::{resolve_extended, solve_exact_with_priority, ExactError, SimplexWorkspace};
use super::matrix::{gap_from_payoffs, MatrixGame, ProductScratch};
use crate::control::Control;
use crate::error::Result;

/// First iteration at which a polish is attempted.
const FIRST_ATTEMPT: u64 = 20;
/// Double-oracle rounds per attempt.
const ROUNDS: usize = 8;
/// A restricted solve may cost this many times the first-order work done so far (in entries
/// touched: `(r + c) r c` against `t m n`); see [`affordable`].
const WORK_RATIO: f64 = 4.0;
/// Restricted games of at most this many entries are always affordable (milliseconds).
const ALWAYS_AFFORDABLE: usize = 1 << 16;
/// Hard cap on an attempt's pivots, in entries updated (pivots times `r c`, summed over its
/// rounds): this many times the first-order work so far, `t m n`. Twice the start rule's ratio,
/// so a solve whose pivots exceed the `r + c` estimate still finishes, while an attempt that
/// cannot succeed wastes a bounded amount of work.
const BUDGET_RATIO: f64 = 2.0 * WORK_RATIO;
/// Initial candidates: payoff within this many duality gaps of the best response.
const GAP_MULTIPLE: f64 = 8.0;
/// Restricted answers whose gap is within this fraction of `tol` skip the basis re-solve (an LU
/// of the support, 0.6-0.9 s per round at 1,500 actions; the whole game's gap is checked anyway).
const REFINE_FRACTION: f64 = 0.01;
/// Pricing weight of an action at distance `d` duality gaps from the best response:
/// `1 / (1 + PRIORITY_SLOPE * d)` (see [`Polisher::set_priority`]).
const PRIORITY_SLOPE: f64 = 0.3;

/// Schedules and runs polish attempts during one solve.
#[derive(Debug, Clone)]
pub struct Polisher {
    next_attempt: u64,
    ay: Vec<f64>,
    atx: Vec<f64>,
    scratch: ProductScratch,
    workspace: SimplexWorkspace,
    sub: Vec<f64>,
    /// Distance of each row / column from the best response, in duality gaps, at the
    /// first-order point of the current attempt.
    row_distance: Vec<f64>,
    col_distance: Vec<f64>,
    /// Simplex pricing weights of the restricted game (see [`Polisher::set_priority`]).
    priority: Vec<f64>,
}

impl Polisher {
    /// A polisher for an `m x n` game.
    pub fn new(m: usize, n: usize) -> Self {
        Polisher {
            next_attempt: FIRST_ATTEMPT,
            ay: vec![0.0; m],
            atx: vec![0.0; n],
            scratch: ProductScratch::default(),
            workspace: SimplexWorkspace::new(),
            sub: Vec::new(),
            row_distance: vec![0.0; m],
            col_distance: vec![0.0; n],
            priority: Vec::new(),
        }
    }

    /// Tries to polish at iteration `t`, given `ay = A y`, `atx = A^T x` of the current
    /// strategies and their gap. Returns a profile whose whole-game gap is `<= tol`, or `None`.
    #[allow(clippy::too_many_arguments)]
    pub fn attempt(
        &mut self,
        game: &MatrixGame,
        t: u64,
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
        let best_row = ay.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let best_col = atx.iter().copied().fold(f64::INFINITY, f64::min);
        let slack = GAP_MULTIPLE * gap;
        let mut rows = closest(ay.len(), |i| best_row - ay[i], slack);
        let mut cols = closest(atx.len(), |j| atx[j] - best_col, slack);
        set_distances(ay, atx, gap, &mut self.row_distance, &mut self.col_distance);
        self.workspace.set_refine_above(REFINE_FRACTION * tol);
        let size = (game.rows(), game.cols());
        let mut budget = BUDGET_RATIO * t as f64 * size.0 as f64 * size.1 as f64;
        for round in 0..ROUNDS {
            ctl.check()?;
            if !affordable(rows.len(), cols.len(), t, size) {
                return Ok(None);
            }
            let entries = rows.len() * cols.len();
            let allowed =
                (entries > ALWAYS_AFFORDABLE).then(|| (budget / entries as f64).max(0.0) as usize);
            let warm = round > 0;
            let solved = self.solve_restricted(game, &rows, &cols, warm, allowed, ctl)?;
            let Some((x, y, value, pivots)) = solved else {
                return Ok(None);
            };
            budget -= pivots as f64 * entries as f64;
            game.payoffs(&x, &y, &mut self.ay, &mut self.atx, &mut self.scratch);
            if gap_from_payoffs(&self.ay, &self.atx) <= tol {
                return Ok(Some((x, y)));
            }
            // Best responses outside the restricted game, most violated first.
            let threshold = 1e-12 * game.max_abs().max(1.0);
            let row_gain = |i: usize| self.ay[i] - value;
            let col_gain = |j: usize| value - self.atx[j];
            let added_rows = extend_with(&mut rows, self.ay.len(), row_gain, threshold);
            let added_cols = extend_with(&mut cols, self.atx.len(), col_gain, threshold);
            if !added_rows && !added_cols {
                return Ok(None);
            }
            // Later rounds keep the first-order point's distances: steering them by the
            // restricted answer instead was measured to cost more pivots (1,264 vs 1,084).
        }
        Ok(None)
    }

    /// Solves the game restricted to `rows x cols` exactly within `allowed` pivots (`None`: the
    /// simplex's default limit), a failed warm start and the cold solve after it together;
    /// returns the embedded strategies, the restricted value and the pivots taken (`None` if the
    /// simplex failed numerically or ran out of pivots). With `warm`, `rows` and
    /// `cols` extend the previous round's sets (new actions appended), and the simplex starts
    /// from that round's optimal basis ([`resolve_extended`]; from scratch if it cannot).
    #[allow(clippy::type_complexity)]
    fn solve_restricted(
        &mut self,
        game: &MatrixGame,
        rows: &[usize],
        cols: &[usize],
        warm: bool,
        allowed: Option<usize>,
        ctl: &Control,
    ) -> Result<Option<(Vec<f64>, Vec<f64>, f64, usize)>> {
        self.sub.clear();
        for &i in rows {
            let row = game.row(i);
            self.sub.extend(cols.iter().map(|&j| row[j]));
        }
        let mut xs = vec![0.0; rows.len()];
        let mut ys = vec![0.0; cols.len()];
        let (r, c) = (rows.len(), cols.len());
        self.set_priority(rows, cols);
        let ws = &mut self.workspace;
        let prio = Some(&self.priority[..]);
        let sub = &self.sub;
        ws.reset_pivots_spent();
        ws.set_pivot_budget(allowed);
        let warm_sol = if warm {
            resolve_extended(sub, r, c, &mut xs, &mut ys, ws, ctl, prio)
        } else {
            Ok(None)
        };
        let sol = match warm_sol.and_then(|sol| match sol {
            Some(sol) => Ok(sol),
            None => {
                // The cold solve gets what a failed warm start left of the allowance.
                ws.set_pivot_budget(allowed.map(|a| a.saturating_sub(ws.pivots_spent())));
                solve_exact_with_priority(sub, r, c, &mut xs, &mut ys, ws, ctl, prio)
            }
        }) {
            Ok(sol) => sol,
            Err(ExactError::Cancelled) => return Err(crate::error::Error::Cancelled),
            Err(_) => return Ok(None),
        };
        let mut x = vec![0.0; game.rows()];
        let mut y = vec![0.0; game.cols()];
        rows.iter().zip(&xs).for_each(|(&i, &p)| x[i] = p);
        cols.iter().zip(&ys).for_each(|(&j, &p)| y[j] = p);
        Ok(Some((x, y, sol.value, ws.pivots_spent())))
    }

    /// Pricing weights of the restricted game in the simplex's label order (columns, then row
    /// slacks): a column at distance `d` gaps from the best response weighs
    /// `1 / (1 + PRIORITY_SLOPE d)`, so likely support columns enter first; a row's slack
    /// (the row leaving the tight set) weighs the same with `GAP_MULTIPLE - min(d, GAP_MULTIPLE)`,
    /// so rows far from the best response leave first. Measured on random 1000x1000 games:
    /// about 1,700 -> 1,080 pivots per restricted solve (slopes 0.1-3 and exponential weights
    /// gave 1,070-1,320).
    fn set_priority(&mut self, rows: &[usize], cols: &[usize]) {
        let weight = |d: f64| 1.0 / (1.0 + PRIORITY_SLOPE * d);
        self.priority.clear();
        self.priority
            .extend(cols.iter().map(|&j| weight(self.col_distance[j])));
        self.priority.extend(
            rows.iter()
                .map(|&i| weight(GAP_MULTIPLE - self.row_distance[i].min(GAP_MULTIPLE))),
        );
    }
}

/// Whether solving an `r x c` restricted game at iteration `t` of an `m x n` game is worth it:
/// tiny games always, others when `(r + c) r c <= WORK_RATIO t m n` (about `r + c` simplex pivots
/// of `r c` updates each, against `t` reads of the game so far).
fn affordable(r: usize, c: usize, t: u64, (m, n): (usize, usize)) -> bool {
    let entries = r.saturating_mul(c);
    entries <= ALWAYS_AFFORDABLE
        || (r + c) as f64 * entries as f64 <= WORK_RATIO * t as f64 * m as f64 * n as f64
}

/// Distances from the best responses in units of `gap`: `(max(A y) - (A y)_i) / gap` for rows
/// and `((A^T x)_j - min(A^T x)) / gap` for columns; non-finite results (a zero gap) become 0.
fn set_distances(ay: &[f64], atx: &[f64], gap: f64, rows: &mut [f64], cols: &mut [f64]) {
    let best_row = ay.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let best_col = atx.iter().copied().fold(f64::INFINITY, f64::min);
    let finite = |d: f64| if d.is_finite() { d.max(0.0) } else { 0.0 };
    rows.iter_mut()
        .zip(ay)
        .for_each(|(d, &v)| *d = finite((best_row - v) / gap));
    cols.iter_mut()
        .zip(atx)
        .for_each(|(d, &v)| *d = finite((v - best_col) / gap));
}

/// Indices whose `distance` is within `slack` (at least the closest one), sorted by index.
fn closest(len: usize, distance: impl Fn(usize) -> f64, slack: f64) -> Vec<usize> {
    let mut picked: Vec<usize> = (0..len).filter(|&i| distance(i) <= slack).collect();
    if picked.is_empty() {
        let best = (0..len).fold(0, |b, i| if distance(i) < distance(b) { i } else { b });
        picked.push(best);
    }
    picked
}

/// Appends the actions outside `set` whose `gain` exceeds `threshold` (most profitable first, at
/// most a quarter of the set plus eight per round; appended, not sorted in, so that the next
/// restricted solve extends the previous tableau). Returns whether anything was added.
fn extend_with(
    set: &mut Vec<usize>,
    len: usize,
    gain: impl Fn(usize) -> f64,
    threshold: f64,
) -> bool {
    let mut inside = vec![false; len];
    set.iter().for_each(|&i| inside[i] = true);
    let mut candidates: Vec<usize> = (0..len)
        .filter(|&i| !inside[i] && gain(i) > threshold)
        .collect();
    candidates.sort_by(|&a, &b| gain(b).total_cmp(&gain(a)).then(a.cmp(&b)));
    candidates.truncate(set.len() / 4 + 8);
    let added = !candidates.is_empty();
    set.extend(candidates);
    added
}
