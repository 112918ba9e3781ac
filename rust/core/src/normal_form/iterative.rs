//! First-order solvers for zero-sum matrix games: RM+, PRM+ (simultaneous and alternating) and
//! optimistic multiplicative weights, over one shared loop with a duality-gap exit test.
//!
//! Each iteration reads `A` once (simultaneous methods use the fused product) or twice
//! (alternating methods). Every `check_every` iterations the gap of the strategies the method
//! would return (the weighted averages for the regret-matching family, the last iterate for
//! OMWU) is computed from scratch and recorded in the trace; the loop stops once it is `<= tol`.

use super::matrix::{gap_from_payoffs, MatrixGame, ProductScratch};
use super::polish::Polisher;
use crate::control::Control;
use crate::error::{Error, Result};
use crate::regret::{AverageWeight, OptimisticHedge, RegretMatchingPlus, RunningAverage};
use std::str::FromStr;

/// The first-order method to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IterativeMethod {
    /// Regret matching+ with alternating updates and linear averaging (the CFR+ recipe).
    RmPlus,
    /// Predictive RM+ with simultaneous updates and quadratic averaging.
    PrmPlus,
    /// Predictive RM+ with alternating updates and quadratic averaging.
    PrmPlusAlternating,
    /// Optimistic multiplicative weights; returns the last iterate.
    Omwu,
}

impl IterativeMethod {
    /// The name used in the Python API.
    pub fn name(self) -> &'static str {
        match self {
            IterativeMethod::RmPlus => "rm+",
            IterativeMethod::PrmPlus => "prm+",
            IterativeMethod::PrmPlusAlternating => "prm+alt",
            IterativeMethod::Omwu => "omwu",
        }
    }
}

impl FromStr for IterativeMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "rm+" => Ok(IterativeMethod::RmPlus),
            "prm+" => Ok(IterativeMethod::PrmPlus),
            "prm+alt" => Ok(IterativeMethod::PrmPlusAlternating),
            "omwu" => Ok(IterativeMethod::Omwu),
            other => Err(Error::invalid(
                "method",
                "one of 'rm+', 'prm+', 'prm+alt', 'omwu'",
                format!("'{other}'"),
            )),
        }
    }
}

/// Settings of an iterative solve.
#[derive(Debug, Clone)]
pub struct IterativeOptions {
    /// Which method.
    pub method: IterativeMethod,
    /// Stop once the duality gap of the returned strategies is `<= tol`.
    pub tol: f64,
    /// Hard cap on iterations.
    pub max_iters: u64,
    /// Iterations between gap checkpoints (0: choose automatically).
    pub check_every: u64,
    /// Try the support-based exact polish at checkpoints (see [`super::polish`]).
    pub polish: bool,
    /// OMWU step size (`None`: `0.3 / max|A|`).
    pub step_size: Option<f64>,
}

impl IterativeOptions {
    /// Defaults for `method`: `tol = 1e-6`, 100,000 iterations, automatic checkpoints, polish on.
    pub fn new(method: IterativeMethod) -> Self {
        IterativeOptions {
            method,
            tol: 1e-6,
            max_iters: 100_000,
            check_every: 0,
            polish: true,
            step_size: None,
        }
    }

    fn validate(&self) -> Result<()> {
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::invalid("tol", "a finite number >= 0", self.tol));
        }
        if self.max_iters == 0 {
            return Err(Error::invalid("max_iters", "a positive integer", 0));
        }
        if let Some(eta) = self.step_size {
            if !(eta.is_finite() && eta > 0.0) {
                return Err(Error::invalid("step_size", "a finite number > 0", eta));
            }
        }
        Ok(())
    }
}

/// A solved (or best-effort) matrix game with its certificate.
#[derive(Debug, Clone)]
pub struct MatrixSolution {
    /// Row strategy.
    pub x: Vec<f64>,
    /// Column strategy.
    pub y: Vec<f64>,
    /// `x^T A y`.
    pub value: f64,
    /// Duality gap of `(x, y)`, computed from them alone.
    pub gap: f64,
    /// Iterations run.
    pub iterations: u64,
    /// `(iteration, gap)` at every checkpoint.
    pub trace: Vec<(u64, f64)>,
    /// Whether the returned profile came from the support polish.
    pub polished: bool,
    /// Whether `gap <= tol`.
    pub converged: bool,
}

/// The strategies a method plays and the ones it returns.
enum Learners {
    RegretMatching {
        rx: RegretMatchingPlus,
        ry: RegretMatchingPlus,
        avg_x: RunningAverage,
        avg_y: RunningAverage,
        alternating: bool,
    },
    Hedge {
        hx: OptimisticHedge,
        hy: OptimisticHedge,
    },
}

/// Solves `game` with a first-order method; see [`IterativeOptions`]. Reports progress in
/// iterations through `ctl`.
pub fn solve_iterative(
    game: &MatrixGame,
    opts: &IterativeOptions,
    ctl: &Control,
) -> Result<MatrixSolution> {
    ctl.set_total(opts.max_iters);
    run_iterative(game, opts, ctl, |t| ctl.set_done(t))
}

/// The solve loop: cancellable through `ctl`, calling `on_iteration(t)` after each iteration
/// (batches solve many games under one `Control` and report games, not iterations).
pub fn run_iterative(
    game: &MatrixGame,
    opts: &IterativeOptions,
    ctl: &Control,
    mut on_iteration: impl FnMut(u64),
) -> Result<MatrixSolution> {
    opts.validate()?;
    let (m, n) = (game.rows(), game.cols());
    let mut learners = match opts.method {
        IterativeMethod::Omwu => {
            let eta = opts
                .step_size
                .unwrap_or(0.3 / game.max_abs().max(f64::MIN_POSITIVE));
            Learners::Hedge {
                hx: OptimisticHedge::new(m, eta),
                hy: OptimisticHedge::new(n, eta),
            }
        }
        method => {
            let (predictive, alternating, weight) = match method {
                IterativeMethod::RmPlus => (false, true, AverageWeight::Linear),
                IterativeMethod::PrmPlus => (true, false, AverageWeight::Quadratic),
                _ => (true, true, AverageWeight::Quadratic),
            };
            Learners::RegretMatching {
                rx: RegretMatchingPlus::new(m, predictive),
                ry: RegretMatchingPlus::new(n, predictive),
                avg_x: RunningAverage::new(m, weight),
                avg_y: RunningAverage::new(n, weight),
                alternating,
            }
        }
    };
    let check_every = if opts.check_every > 0 {
        opts.check_every
    } else {
        10
    };
    let mut x = vec![1.0 / m as f64; m];
    let mut y = vec![1.0 / n as f64; n];
    let mut ay = vec![0.0; m];
    let mut atx = vec![0.0; n];
    let mut neg = vec![0.0; n];
    let mut scratch = ProductScratch::default();
    let mut trace = Vec::new();
    let mut polisher = opts.polish.then(|| Polisher::new(m, n));

    let mut t = 0;
    while t < opts.max_iters {
        ctl.check()?;
        t += 1;
        match &mut learners {
            Learners::RegretMatching {
                rx,
                ry,
                avg_x,
                avg_y,
                alternating: false,
            } => {
                rx.strategy(&mut x);
                ry.strategy(&mut y);
                game.payoffs(&x, &y, &mut ay, &mut atx, &mut scratch);
                negate_into(&atx, &mut neg);
                rx.observe(&ay, &x);
                ry.observe(&neg, &y);
                avg_x.add(&x, t);
                avg_y.add(&y, t);
            }
            Learners::RegretMatching {
                rx,
                ry,
                avg_x,
                avg_y,
                alternating: true,
            } => {
                rx.strategy(&mut x);
                ry.strategy(&mut y);
                game.row_payoffs(&y, &mut ay);
                rx.observe(&ay, &x);
                avg_x.add(&x, t);
                rx.strategy(&mut x);
                game.col_payoffs(&x, &mut atx, &mut scratch);
                negate_into(&atx, &mut neg);
                ry.observe(&neg, &y);
                avg_y.add(&y, t);
            }
            Learners::Hedge { hx, hy } => {
                hx.strategy(&mut x);
                hy.strategy(&mut y);
                game.payoffs(&x, &y, &mut ay, &mut atx, &mut scratch);
                negate_into(&atx, &mut neg);
                hx.observe(&ay);
                hy.observe(&neg);
            }
        }
        on_iteration(t);
        if t % check_every == 0 || t == opts.max_iters {
            let (ox, oy) = output(&learners, &mut x, &mut y);
            game.payoffs(ox, oy, &mut ay, &mut atx, &mut scratch);
            let gap = gap_from_payoffs(&ay, &atx);
            trace.push((t, gap));
            if gap <= opts.tol {
                return Ok(finish(game, ox, oy, t, trace, false, opts.tol));
            }
            if let Some(p) = polisher.as_mut() {
                if let Some((px, py)) = p.attempt(game, t, &ay, &atx, gap, opts.tol, ctl)? {
                    let sol = finish(game, &px, &py, t, trace, true, opts.tol);
                    if sol.gap <= opts.tol {
                        return Ok(sol);
                    }
                    trace = sol.trace;
                }
            }
        }
    }
    let (ox, oy) = output(&learners, &mut x, &mut y);
    Ok(finish(game, ox, oy, t, trace, false, opts.tol))
}

/// The strategies the method returns now (averages, or the last iterate for OMWU).
fn output<'a>(
    learners: &'a Learners,
    x: &'a mut [f64],
    y: &'a mut [f64],
) -> (&'a [f64], &'a [f64]) {
    match learners {
        Learners::RegretMatching { avg_x, avg_y, .. } => (avg_x.mean(), avg_y.mean()),
        Learners::Hedge { .. } => (x, y),
    }
}

fn negate_into(src: &[f64], dst: &mut [f64]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = -s;
    }
}

/// Packs a profile with its certificate, recomputed from the profile alone.
fn finish(
    game: &MatrixGame,
    x: &[f64],
    y: &[f64],
    iterations: u64,
    trace: Vec<(u64, f64)>,
    polished: bool,
    tol: f64,
) -> MatrixSolution {
    let gap = game.duality_gap(x, y);
    MatrixSolution {
        x: x.to_vec(),
        y: y.to_vec(),
        value: game.value(x, y),
        gap,
        iterations,
        trace,
        polished,
        converged: gap <= tol,
    }
}
