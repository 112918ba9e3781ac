//! KL-regularized preference games (Nash learning from human feedback, NLHF), solved by the
//! tabular forms of INPO, ONPO and MNPO, with the closed-form duality gap as certificate.
//!
//! # The game
//!
//! `P[y, y'] = P(y beats y')` over `K` responses, with `P + P^T = 1` (so the diagonal is 1/2),
//! a reference policy `ref > 0` and a temperature `tau > 0`. Player 1 maximizes and player 2
//! minimizes
//!
//! ```text
//! J(pi1, pi2) = pi1^T P pi2 - tau KL(pi1 || ref) + tau KL(pi2 || ref)
//! ```
//!
//! (INPO: Zhang et al., "Iterative Nash Policy Optimization", ICLR 2025, arXiv 2407.00617, §3;
//! ONPO: Zhang et al., arXiv 2502.16852; the same objective in MNPO, Wu et al., arXiv 2509.23102,
//! eq. 2). The game is symmetric, so its unique equilibrium is one policy `pi*` with
//! `pi* = softmax(log ref + P pi* / tau)`.
//!
//! # The certificate
//!
//! `DualGap(pi) = max_{pi1} J(pi1, pi) - min_{pi2} J(pi, pi2)` (ONPO's definition; also
//! `zhourunlong/EGPO: simulations/utils.py: dual_gap`). Both inner problems have closed-form
//! (logit) best responses, and with `P + P^T = 1` (so `pi^T P pi = 1/2` and
//! `min_{pi2} J(pi, pi2) = 1 - max_{pi1} J(pi1, pi)`):
//!
//! ```text
//! DualGap(pi) = 2 [tau logsumexp(log ref + P pi / tau) + tau KL(pi || ref)] - 1
//!             = 2 tau KL(pi || b(pi)),        b(pi) = softmax(log ref + P pi / tau)
//! ```
//!
//! (derived in `shared/notes/regularized-and-halpern.md` §3.1; the second line follows by
//! expanding `KL(pi || b)`). It is `>= 0`, and `0` exactly at `pi*`. This module evaluates the
//! second form as the sum of non-negative terms `pi_i (e^{-d_i} - 1 + d_i)` with
//! `d_i = log pi_i - log b_i`, so the gap keeps its relative accuracy near the solution instead
//! of losing everything below `1e-16` to the cancellation of the literal `2 [...] - 1`.
//!
//! # The methods (all in the log domain, one product `P pi` per iteration)
//!
//! With `a = eta tau` and the win rates `u_t = P pi_t` (`u_t(y) = P(y beats pi_t)`):
//!
//! - **INPO** (online mirror descent; Zhang et al. 2024, the closed-form OMD step of §3):
//!   `pi_{t+1} ∝ pi_t^{1-a} ref^a exp(eta u_t)`.
//! - **ONPO** (optimistic OMD, predictor = the last win rates; Zhang et al. 2025, abstract and
//!   the standard optimistic-OMD template of Rakhlin and Sridharan 2013; the exact two-step form
//!   is taken from the project note, which reproduces its iteration table with it):
//!   `pi_t ∝ hat_t^{1-a} ref^a exp(eta u_{t-1})` (played) and
//!   `hat_{t+1} ∝ hat_t^{1-a} ref^a exp(eta u_t)` (secondary sequence), from
//!   `hat_1 = pi_0 = ref`. The played `pi_t` is returned.
//! - **MNPO** with `n` players (Wu et al. 2025, eq. 10: mirror descent against the geometric
//!   mean of the opponents; the time-dependent form uses the last `n - 1` iterates as opponents,
//!   TD-MNPO with equal weights, plus the KL anchor to `ref` that the trainer's `ratio` plays):
//!   `pi_{t+1} ∝ ref^a (prod_{j<n-1} pi_{t-j})^{(1-a)/(n-1)} exp(eta/(n-1) sum_{j<n-1} u_{t-j})`,
//!   from a history of `n - 1` copies of `ref`. With `n = 2` it is INPO. Its fixed point is the
//!   same `pi*`, so the same gap certifies it.
//!
//! Every method starts at `pi_0 = ref`; iteration `t` produces `pi_t`, whose gap is computed from
//! `pi_t` alone (the product `P pi_t` is the one the next step needs, so the exit test is free).
//!
//! `P` is used through its projection `(P + 1 - P^T) / 2` onto `{P + P^T = 1}` (it moves no entry
//! by more than the input tolerance), so the certificate is exact for the game that is solved.
//!
//! Batches solve independent games in parallel with rayon; a single game large enough splits its
//! product over fixed row blocks. Each row is always summed by the same code in the same order,
//! so the answers are identical for every thread count.

use crate::control::Control;
use crate::error::{Error, Result};
use crate::normal_form::matrix::dot;
use crate::regret::log_sum_exp;
use rayon::prelude::*;
use std::str::FromStr;

/// Largest `|P[i, j] + P[j, i] - 1|` accepted (and `|P[i, i] - 1/2|`).
pub const COMPLEMENT_TOLERANCE: f64 = 1e-6;

/// Largest `|sum(p) - 1|` accepted for a reference policy or a policy.
pub const SUM_TOLERANCE: f64 = 1e-6;

/// A single game whose `P` has at least this many entries splits its product over threads.
const PARALLEL_MIN_ENTRIES: usize = 1 << 17;

/// Rows of `P` per parallel task in a single large game.
const ROWS_PER_TASK: usize = 32;

/// Games per parallel task in a batch (also the granularity of progress).
const GAMES_PER_TASK: usize = 8;

/// The learning dynamics to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferenceMethod {
    /// Iterative Nash policy optimization: online mirror descent against the last iterate.
    Inpo,
    /// Optimistic Nash policy optimization: optimistic online mirror descent.
    Onpo,
    /// Multiplayer Nash preference optimization against the last `n_players - 1` iterates.
    Mnpo,
}

impl PreferenceMethod {
    /// The name used in the Python API.
    pub fn name(self) -> &'static str {
        match self {
            PreferenceMethod::Inpo => "inpo",
            PreferenceMethod::Onpo => "onpo",
            PreferenceMethod::Mnpo => "mnpo",
        }
    }
}

impl FromStr for PreferenceMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "inpo" => Ok(PreferenceMethod::Inpo),
            "onpo" => Ok(PreferenceMethod::Onpo),
            "mnpo" => Ok(PreferenceMethod::Mnpo),
            other => Err(Error::invalid(
                "method",
                "one of 'onpo', 'inpo', 'mnpo'",
                format!("'{other}'"),
            )),
        }
    }
}

/// Settings of a preference-game solve.
#[derive(Debug, Clone)]
pub struct PreferenceOptions {
    /// Which dynamics.
    pub method: PreferenceMethod,
    /// KL temperature `tau > 0`.
    pub tau: f64,
    /// Step size `eta > 0`.
    pub eta: f64,
    /// Players of MNPO (`>= 2`; the others need 2).
    pub n_players: usize,
    /// Stop at the first iterate whose duality gap is `<= tol`.
    pub tol: f64,
    /// Hard cap on iterations.
    pub max_iters: u64,
}

impl PreferenceOptions {
    /// Defaults for `method`: `tau = 0.1`, `eta = 1`, 2 players, `tol = 1e-8`, 100,000
    /// iterations.
    pub fn new(method: PreferenceMethod) -> Self {
        PreferenceOptions {
            method,
            tau: 0.1,
            eta: 1.0,
            n_players: 2,
            tol: 1e-8,
            max_iters: 100_000,
        }
    }

    /// Checks every field; errors name the argument.
    pub fn validate(&self) -> Result<()> {
        check_temperature(self.tau)?;
        if !(self.eta.is_finite() && self.eta > 0.0) {
            return Err(Error::invalid("eta", "a finite number > 0", self.eta));
        }
        match self.method {
            PreferenceMethod::Mnpo if self.n_players < 2 => {
                return Err(Error::invalid(
                    "n_players",
                    "an integer >= 2",
                    self.n_players,
                ));
            }
            PreferenceMethod::Inpo | PreferenceMethod::Onpo if self.n_players != 2 => {
                return Err(Error::invalid(
                    "n_players",
                    format!(
                        "2 for method '{}' (only 'mnpo' has more)",
                        self.method.name()
                    ),
                    self.n_players,
                ));
            }
            _ => {}
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::invalid("tol", "a finite number >= 0", self.tol));
        }
        if self.max_iters == 0 {
            return Err(Error::invalid("max_iters", "a positive integer", 0));
        }
        Ok(())
    }
}

fn check_temperature(tau: f64) -> Result<()> {
    if tau.is_finite() && tau > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid("tau", "a finite number > 0", tau))
    }
}

/// A validated preference game: the projected matrix and the log of the normalized reference.
#[derive(Debug, Clone)]
pub struct PreferenceGame {
    p: Vec<f64>,
    k: usize,
    log_ref: Vec<f64>,
}

impl PreferenceGame {
    /// Validates `p` (`k x k`, row-major: entries in `[0, 1]`, diagonal 1/2 and `P + P^T = 1`
    /// within [`COMPLEMENT_TOLERANCE`]) and `reference` (`None`: uniform; else `k` positive
    /// entries summing to 1 within [`SUM_TOLERANCE`], then normalized), and stores
    /// `(P + 1 - P^T) / 2`.
    pub fn new(p: &[f64], k: usize, reference: Option<&[f64]>) -> Result<Self> {
        let mut game = PreferenceGame {
            p: Vec::new(),
            k: 0,
            log_ref: Vec::new(),
        };
        game.reset(p, k, reference)?;
        Ok(game)
    }

    /// Re-validates and replaces the game in place (reuses the allocations in batches).
    fn reset(&mut self, p: &[f64], k: usize, reference: Option<&[f64]>) -> Result<()> {
        check_preferences(p, k)?;
        self.k = k;
        self.p.clear();
        self.p.resize(k * k, 0.0);
        for i in 0..k {
            for j in 0..k {
                self.p[i * k + j] = if i == j {
                    0.5
                } else {
                    0.5 * (p[i * k + j] + (1.0 - p[j * k + i]))
                };
            }
        }
        self.log_ref.clear();
        match reference {
            None => self.log_ref.resize(k, -(k as f64).ln()),
            Some(r) => {
                check_policy("reference", r, k, true)?;
                let total: f64 = r.iter().sum();
                self.log_ref.extend(r.iter().map(|&v| (v / total).ln()));
            }
        }
        Ok(())
    }

    /// Number of responses `K`.
    pub fn size(&self) -> usize {
        self.k
    }

    /// The projected matrix `(P + 1 - P^T) / 2`, row-major.
    pub fn matrix(&self) -> &[f64] {
        &self.p
    }

    /// `log ref` of the normalized reference policy.
    pub fn log_reference(&self) -> &[f64] {
        &self.log_ref
    }

    /// `out = P pi` (both of length `K`), the win rate of each response against `pi`; split
    /// over fixed row blocks when `parallel` (same bits either way).
    pub fn win_rates(&self, pi: &[f64], out: &mut [f64], parallel: bool) {
        let k = self.k;
        if parallel {
            out.par_chunks_mut(ROWS_PER_TASK)
                .enumerate()
                .for_each(|(block, rows)| {
                    for (r, o) in rows.iter_mut().enumerate() {
                        let i = block * ROWS_PER_TASK + r;
                        *o = dot(&self.p[i * k..(i + 1) * k], pi);
                    }
                });
        } else {
            for (i, o) in out.iter_mut().enumerate() {
                *o = dot(&self.p[i * k..(i + 1) * k], pi);
            }
        }
    }

    /// The closed-form duality gap of `policy` at temperature `tau` (see the module
    /// documentation). `policy` must be a probability vector (sum 1 within
    /// [`SUM_TOLERANCE`]; it is normalized first).
    pub fn dual_gap(&self, policy: &[f64], tau: f64) -> Result<f64> {
        check_temperature(tau)?;
        check_policy("policy", policy, self.k, false)?;
        let total: f64 = policy.iter().sum();
        let pi: Vec<f64> = policy.iter().map(|&v| v / total).collect();
        let mut u = vec![0.0; self.k];
        self.win_rates(&pi, &mut u, self.k * self.k >= PARALLEL_MIN_ENTRIES);
        let mut z = vec![0.0; self.k];
        Ok(gap_from_win_rates(&pi, &u, &self.log_ref, tau, &mut z))
    }

    /// The logit best response `softmax(log ref + P pi / tau)` to `policy`, whose fixed point
    /// is the equilibrium.
    pub fn best_response(&self, policy: &[f64], tau: f64) -> Result<Vec<f64>> {
        check_temperature(tau)?;
        check_policy("policy", policy, self.k, false)?;
        let mut u = vec![0.0; self.k];
        self.win_rates(policy, &mut u, self.k * self.k >= PARALLEL_MIN_ENTRIES);
        let mut z: Vec<f64> = self
            .log_ref
            .iter()
            .zip(&u)
            .map(|(&l, &w)| l + w / tau)
            .collect();
        let lse = log_sum_exp(z.iter().copied());
        z.iter_mut().for_each(|v| *v = (*v - lse).exp());
        Ok(z)
    }
}

/// Checks the shape and the entries of a preference matrix.
fn check_preferences(p: &[f64], k: usize) -> Result<()> {
    if k == 0 || p.len() != k * k {
        return Err(Error::invalid(
            "P",
            "a non-empty square matrix of shape (K, K)",
            format!("{} entries for K = {k}", p.len()),
        ));
    }
    if let Some((n, v)) = p
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && (0.0..=1.0).contains(*v)))
    {
        return Err(Error::invalid(
            "P",
            "probabilities in [0, 1]",
            format!("{v} at index ({}, {})", n / k, n % k),
        ));
    }
    for i in 0..k {
        let d = p[i * k + i];
        if (d - 0.5).abs() > COMPLEMENT_TOLERANCE {
            return Err(Error::invalid(
                "P",
                format!("diagonal entries 1/2 (within {COMPLEMENT_TOLERANCE:e})"),
                format!("{d} at index ({i}, {i})"),
            ));
        }
    }
    for i in 0..k {
        for j in i + 1..k {
            let s = p[i * k + j] + p[j * k + i];
            if (s - 1.0).abs() > COMPLEMENT_TOLERANCE {
                return Err(Error::invalid(
                    "P",
                    format!("P + P^T = 1 (within {COMPLEMENT_TOLERANCE:e})"),
                    format!("P[{i}, {j}] + P[{j}, {i}] = {s}"),
                ));
            }
        }
    }
    Ok(())
}

/// Checks that `p` has `len` finite entries (positive when `positive`, else non-negative)
/// summing to 1 within [`SUM_TOLERANCE`].
fn check_policy(argument: &str, p: &[f64], len: usize, positive: bool) -> Result<()> {
    if p.len() != len {
        return Err(Error::invalid(
            argument,
            format!("a vector of length {len}"),
            format!("length {}", p.len()),
        ));
    }
    let bad = |v: f64| !v.is_finite() || v < 0.0 || (positive && v == 0.0);
    if let Some((i, v)) = p.iter().enumerate().find(|(_, v)| bad(**v)) {
        let what = if positive {
            "positive finite probabilities"
        } else {
            "non-negative finite probabilities"
        };
        return Err(Error::invalid(argument, what, format!("{v} at index {i}")));
    }
    let total: f64 = p.iter().sum();
    if (total - 1.0).abs() > SUM_TOLERANCE {
        return Err(Error::invalid(
            argument,
            format!("probabilities summing to 1 (within {SUM_TOLERANCE:e})"),
            format!("sum {total}"),
        ));
    }
    Ok(())
}

/// `2 tau KL(pi || softmax(log ref + u / tau))` for a normalized `pi` and `u = P pi`, as a sum of
/// non-negative terms (`z` is scratch of length `K`).
fn gap_from_win_rates(pi: &[f64], u: &[f64], log_ref: &[f64], tau: f64, z: &mut [f64]) -> f64 {
    for ((zi, &l), &w) in z.iter_mut().zip(log_ref).zip(u) {
        *zi = l + w / tau;
    }
    let lse = log_sum_exp(z.iter().copied());
    let mut kl = 0.0;
    for (&p, &zi) in pi.iter().zip(z.iter()) {
        let log_b = zi - lse;
        kl += if p == 0.0 {
            log_b.exp()
        } else {
            let d = p.ln() - log_b;
            if d > -1.0 {
                // p (e^{-d} - 1 + d), accurate for small |d|.
                p * ((-d).exp_m1() + d)
            } else {
                // b - p + p d with b > e p: no cancellation, no overflow.
                log_b.exp() - p + p * d
            }
        };
    }
    2.0 * tau * kl
}

/// A solved (or best-effort) preference game with its certificate.
#[derive(Debug, Clone)]
pub struct PreferenceSolution {
    /// The policy `pi_t` of the last iteration run.
    pub policy: Vec<f64>,
    /// Its closed-form duality gap.
    pub gap: f64,
    /// Iterations run (0 when the reference policy already meets `tol`).
    pub iterations: u64,
    /// `(iteration, gap)` of every iterate, from `(0, gap(ref))`.
    pub trace: Vec<(u64, f64)>,
    /// Whether `gap <= tol`.
    pub converged: bool,
}

/// Solves one game; reports progress in iterations through `ctl` and splits the product over
/// threads when the game is large.
pub fn solve_preference(
    game: &PreferenceGame,
    opts: &PreferenceOptions,
    ctl: &Control,
) -> Result<PreferenceSolution> {
    opts.validate()?;
    ctl.set_total(opts.max_iters);
    let parallel = game.size() * game.size() >= PARALLEL_MIN_ENTRIES;
    run_preference(game, opts, ctl, parallel, true, |t| ctl.set_done(t))
}

/// The per-method state between iterations (log-policies and their win rates).
enum Dynamics {
    /// INPO (`n = 2`) and MNPO: the last `n - 1` iterates, newest at `head`.
    Population {
        logs: Vec<Vec<f64>>,
        wins: Vec<Vec<f64>>,
        head: usize,
    },
    /// ONPO: the secondary sequence and the last played iterate's win rates.
    Optimistic { hat: Vec<f64>, last_wins: Vec<f64> },
}

/// Normalizes log-weights in place (`l -= logsumexp(l)`).
fn normalize_log(l: &mut [f64]) {
    let lse = log_sum_exp(l.iter().copied());
    l.iter_mut().for_each(|v| *v -= lse);
}

/// Normalizes log-weights in place and writes the policy `pi = exp(l) / sum(exp(l))` (one
/// exponential per entry).
fn normalize_into_policy(l: &mut [f64], pi: &mut [f64]) {
    let max = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for (p, &v) in pi.iter_mut().zip(l.iter()) {
        *p = (v - max).exp();
    }
    let total: f64 = pi.iter().sum();
    let inv = 1.0 / total;
    pi.iter_mut().for_each(|p| *p *= inv);
    let shift = max + total.ln();
    l.iter_mut().for_each(|v| *v -= shift);
}

/// The solve loop: cancellable through `ctl` (checked every iteration), calling
/// `on_iteration(t)` after each iteration; records the trace when `record` is set.
fn run_preference(
    game: &PreferenceGame,
    opts: &PreferenceOptions,
    ctl: &Control,
    parallel: bool,
    record: bool,
    mut on_iteration: impl FnMut(u64),
) -> Result<PreferenceSolution> {
    let k = game.size();
    let log_ref = game.log_reference();
    let (tau, eta) = (opts.tau, opts.eta);
    let anchor = eta * tau;
    let mut log_pi = log_ref.to_vec();
    let mut pi = vec![0.0; k];
    let mut wins = vec![0.0; k];
    let mut scratch = vec![0.0; k];
    normalize_into_policy(&mut log_pi, &mut pi);
    game.win_rates(&pi, &mut wins, parallel);
    let mut gap = gap_from_win_rates(&pi, &wins, log_ref, tau, &mut scratch);
    let mut trace = Vec::new();
    if record {
        trace.push((0, gap));
    }
    let mut dynamics = match opts.method {
        PreferenceMethod::Onpo => Dynamics::Optimistic {
            hat: log_pi.clone(),
            last_wins: wins.clone(),
        },
        method => {
            let opponents = if method == PreferenceMethod::Inpo {
                1
            } else {
                opts.n_players - 1
            };
            Dynamics::Population {
                logs: vec![log_pi.clone(); opponents],
                wins: vec![wins.clone(); opponents],
                head: 0,
            }
        }
    };
    let mut t = 0;
    while gap > opts.tol && t < opts.max_iters {
        ctl.check()?;
        t += 1;
        // The play step: pi_t from the state.
        match &dynamics {
            Dynamics::Population { logs, wins, head } => {
                let n = logs.len();
                let (w_log, w_win) = ((1.0 - anchor) / n as f64, eta / n as f64);
                for (i, l) in log_pi.iter_mut().enumerate() {
                    let (mut sum_log, mut sum_win) = (0.0, 0.0);
                    // Newest to oldest: a fixed order.
                    for j in 0..n {
                        let h = (head + j) % n;
                        sum_log += logs[h][i];
                        sum_win += wins[h][i];
                    }
                    *l = anchor * log_ref[i] + w_log * sum_log + w_win * sum_win;
                }
            }
            Dynamics::Optimistic { hat, last_wins } => {
                for (i, l) in log_pi.iter_mut().enumerate() {
                    *l = (1.0 - anchor) * hat[i] + anchor * log_ref[i] + eta * last_wins[i];
                }
            }
        }
        normalize_into_policy(&mut log_pi, &mut pi);
        game.win_rates(&pi, &mut wins, parallel);
        gap = gap_from_win_rates(&pi, &wins, log_ref, tau, &mut scratch);
        if record {
            trace.push((t, gap));
        }
        // The state update with pi_t's win rates.
        match &mut dynamics {
            Dynamics::Population {
                logs,
                wins: history,
                head,
            } => {
                let n = logs.len();
                *head = (*head + n - 1) % n;
                logs[*head].copy_from_slice(&log_pi);
                history[*head].copy_from_slice(&wins);
            }
            Dynamics::Optimistic { hat, last_wins } => {
                for (i, h) in hat.iter_mut().enumerate() {
                    *h = (1.0 - anchor) * *h + anchor * log_ref[i] + eta * wins[i];
                }
                normalize_log(hat);
                last_wins.copy_from_slice(&wins);
            }
        }
        on_iteration(t);
    }
    Ok(PreferenceSolution {
        policy: pi,
        gap,
        iterations: t,
        trace,
        converged: gap <= opts.tol,
    })
}

/// Per-game answers of a batch, batch-first.
#[derive(Debug, Clone)]
pub struct PreferenceBatchSolution {
    /// Policies, `batch x K`.
    pub policy: Vec<f64>,
    /// Closed-form duality gaps of the returned policies.
    pub gap: Vec<f64>,
    /// Iterations run per game.
    pub iterations: Vec<u64>,
    /// Whether each gap is `<= tol`.
    pub converged: Vec<bool>,
}

/// Solves every game of `p` (`batch x K x K`, row-major) in parallel over the batch.
/// `reference` is `None` (uniform), one policy of length `K` shared by all games, or
/// `batch x K` policies. Progress counts games; answers do not depend on the thread count.
pub fn solve_preference_batch(
    p: &[f64],
    batch: usize,
    k: usize,
    reference: Option<&[f64]>,
    opts: &PreferenceOptions,
    ctl: &Control,
) -> Result<PreferenceBatchSolution> {
    opts.validate()?;
    if batch == 0 || k == 0 || p.len() != batch * k * k {
        return Err(Error::invalid(
            "P",
            "a non-empty array of shape (B, K, K)",
            format!("{} entries for shape ({batch}, {k}, {k})", p.len()),
        ));
    }
    let per_game_reference = match reference {
        None => false,
        Some(r) if r.len() == k => false,
        Some(r) if r.len() == batch * k => true,
        Some(r) => {
            return Err(Error::invalid(
                "reference",
                format!("{k} or {batch} x {k} probabilities"),
                format!("{} entries", r.len()),
            ))
        }
    };
    let mut out = PreferenceBatchSolution {
        policy: vec![0.0; batch * k],
        gap: vec![0.0; batch],
        iterations: vec![0; batch],
        converged: vec![false; batch],
    };
    ctl.set_total(batch as u64);
    let size = k * k;
    let tasks = p
        .par_chunks(size * GAMES_PER_TASK)
        .zip(out.policy.par_chunks_mut(k * GAMES_PER_TASK))
        .zip(out.gap.par_chunks_mut(GAMES_PER_TASK))
        .zip(out.iterations.par_chunks_mut(GAMES_PER_TASK))
        .zip(out.converged.par_chunks_mut(GAMES_PER_TASK))
        .enumerate();
    tasks.try_for_each(|(task, ((((games, policies), gaps), iters), flags))| {
        let mut game = PreferenceGame {
            p: Vec::with_capacity(size),
            k,
            log_ref: Vec::with_capacity(k),
        };
        for (g, matrix) in games.chunks_exact(size).enumerate() {
            ctl.check()?;
            let index = task * GAMES_PER_TASK + g;
            let r = reference.map(|r| {
                if per_game_reference {
                    &r[index * k..(index + 1) * k]
                } else {
                    r
                }
            });
            game.reset(matrix, k, r)
                .map_err(|e| in_game(e, index, per_game_reference))?;
            let sol = run_preference(&game, opts, ctl, false, false, |_| ())?;
            policies[g * k..(g + 1) * k].copy_from_slice(&sol.policy);
            (gaps[g], iters[g], flags[g]) = (sol.gap, sol.iterations, sol.converged);
        }
        ctl.advance((games.len() / size) as u64);
        Ok(())
    })?;
    Ok(out)
}

/// Names the game of a batch in an input error (`P[3]`, `reference[3]`).
fn in_game(e: Error, index: usize, per_game_reference: bool) -> Error {
    match e {
        Error::InvalidInput {
            argument,
            expected,
            found,
        } if argument == "P" || (argument == "reference" && per_game_reference) => {
            Error::InvalidInput {
                argument: format!("{argument}[{index}]"),
                expected,
                found,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The instance of the project note (§3.3) is built in Python; here a small cyclic game
    /// with a closed-form answer and a generic one.
    fn cyclic(c: f64) -> Vec<f64> {
        // Rock-paper-scissors preferences: uniform is the equilibrium for every tau.
        let s = [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]];
        s.iter()
            .flat_map(|row| row.iter().map(move |&v| 0.5 + 0.5 * c * v))
            .collect()
    }

    fn generic(k: usize, seed: u64) -> Vec<f64> {
        // A small deterministic generator (splitmix64), enough for tests.
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut p = vec![0.5; k * k];
        for i in 0..k {
            for j in i + 1..k {
                let v = next();
                p[i * k + j] = v;
                p[j * k + i] = 1.0 - v;
            }
        }
        p
    }

    fn literal_gap(game: &PreferenceGame, pi: &[f64], tau: f64) -> f64 {
        let mut u = vec![0.0; game.size()];
        game.win_rates(pi, &mut u, false);
        let z: Vec<f64> = game
            .log_reference()
            .iter()
            .zip(&u)
            .map(|(l, w)| l + w / tau)
            .collect();
        let kl: f64 = pi
            .iter()
            .zip(game.log_reference())
            .map(|(&p, &l)| p * (p.ln() - l))
            .sum();
        2.0 * (tau * log_sum_exp(z.iter().copied()) + tau * kl) - 1.0
    }

    #[test]
    fn uniform_is_the_equilibrium_of_cyclic_preferences() {
        let game = PreferenceGame::new(&cyclic(0.8), 3, None).unwrap();
        for tau in [0.01, 0.1, 1.0] {
            let gap = game.dual_gap(&[1.0 / 3.0; 3], tau).unwrap();
            assert!(gap.abs() <= 1e-15, "{gap}");
            let opts = PreferenceOptions {
                tau,
                ..PreferenceOptions::new(PreferenceMethod::Onpo)
            };
            let sol = solve_preference(&game, &opts, &Control::new(0)).unwrap();
            assert_eq!(sol.iterations, 0);
            assert!(sol.converged);
        }
    }

    #[test]
    fn gap_forms_agree_and_are_positive_off_equilibrium() {
        let k = 9;
        let game = PreferenceGame::new(&generic(k, 7), k, None).unwrap();
        let pi: Vec<f64> = (1..=k)
            .map(|i| i as f64 / (k * (k + 1) / 2) as f64)
            .collect();
        for tau in [0.05, 0.1, 1.0] {
            let gap = game.dual_gap(&pi, tau).unwrap();
            assert!(gap > 0.0);
            assert!((gap - literal_gap(&game, &pi, tau)).abs() <= 1e-13);
        }
    }

    #[test]
    fn every_method_converges_to_the_same_policy() {
        let k = 12;
        let game = PreferenceGame::new(&generic(k, 3), k, None).unwrap();
        let mut policies = Vec::new();
        for (method, n) in [
            (PreferenceMethod::Inpo, 2),
            (PreferenceMethod::Onpo, 2),
            (PreferenceMethod::Mnpo, 3),
            (PreferenceMethod::Mnpo, 2),
        ] {
            let opts = PreferenceOptions {
                n_players: n,
                tol: 1e-12,
                ..PreferenceOptions::new(method)
            };
            let sol = solve_preference(&game, &opts, &Control::new(0)).unwrap();
            assert!(sol.converged, "{method:?}: gap {}", sol.gap);
            assert_eq!(sol.trace.last().unwrap(), &(sol.iterations, sol.gap));
            let br = game.best_response(&sol.policy, opts.tau).unwrap();
            for (a, b) in sol.policy.iter().zip(&br) {
                assert!((a - b).abs() <= 1e-5);
            }
            policies.push(sol.policy);
        }
        for p in &policies[1..] {
            for (a, b) in p.iter().zip(&policies[0]) {
                assert!((a - b).abs() <= 1e-5);
            }
        }
    }

    #[test]
    fn mnpo_with_two_players_is_inpo() {
        let k = 10;
        let game = PreferenceGame::new(&generic(k, 11), k, None).unwrap();
        let inpo = PreferenceOptions::new(PreferenceMethod::Inpo);
        let mnpo = PreferenceOptions::new(PreferenceMethod::Mnpo);
        let a = solve_preference(&game, &inpo, &Control::new(0)).unwrap();
        let b = solve_preference(&game, &mnpo, &Control::new(0)).unwrap();
        assert_eq!(a.policy, b.policy);
        assert_eq!(a.trace, b.trace);
    }

    #[test]
    fn bad_inputs_name_the_argument() {
        let mut p = generic(4, 1);
        p[1] += 0.01;
        let e = PreferenceGame::new(&p, 4, None).unwrap_err();
        assert!(e.to_string().starts_with("P: expected P + P^T = 1"), "{e}");
        let e = PreferenceGame::new(&generic(4, 1), 3, None).unwrap_err();
        assert!(e.to_string().starts_with("P:"), "{e}");
        let e = PreferenceGame::new(&generic(3, 1), 3, Some(&[0.5, 0.5, 0.0])).unwrap_err();
        assert!(
            e.to_string().starts_with("reference: expected positive"),
            "{e}"
        );
        let e = PreferenceGame::new(&generic(3, 1), 3, Some(&[0.5, 0.6])).unwrap_err();
        assert!(
            e.to_string().starts_with("reference: expected a vector"),
            "{e}"
        );
        let game = PreferenceGame::new(&generic(3, 1), 3, None).unwrap();
        let mut opts = PreferenceOptions::new(PreferenceMethod::Inpo);
        opts.n_players = 3;
        let e = solve_preference(&game, &opts, &Control::new(0)).unwrap_err();
        assert!(e.to_string().starts_with("n_players:"), "{e}");
        opts = PreferenceOptions {
            tau: 0.0,
            ..PreferenceOptions::new(PreferenceMethod::Onpo)
        };
        let e = solve_preference(&game, &opts, &Control::new(0)).unwrap_err();
        assert!(e.to_string().starts_with("tau:"), "{e}");
    }

    #[test]
    fn cancellation_is_seen() {
        let game = PreferenceGame::new(&generic(6, 2), 6, None).unwrap();
        let ctl = Control::new(0);
        ctl.cancel();
        let opts = PreferenceOptions {
            tol: 0.0,
            ..PreferenceOptions::new(PreferenceMethod::Onpo)
        };
        assert_eq!(
            solve_preference(&game, &opts, &ctl).unwrap_err(),
            Error::Cancelled
        );
    }

    #[test]
    fn batch_matches_single_games_for_any_thread_count() {
        let (batch, k) = (20, 7);
        let p: Vec<f64> = (0..batch)
            .flat_map(|b| generic(k, 100 + b as u64))
            .collect();
        let opts = PreferenceOptions::new(PreferenceMethod::Onpo);
        let one = crate::control::with_threads(Some(1), || {
            solve_preference_batch(&p, batch, k, None, &opts, &Control::new(0))
        })
        .unwrap()
        .unwrap();
        let two = crate::control::with_threads(Some(2), || {
            solve_preference_batch(&p, batch, k, None, &opts, &Control::new(0))
        })
        .unwrap()
        .unwrap();
        assert_eq!(one.policy, two.policy);
        assert_eq!(one.gap, two.gap);
        for b in 0..batch {
            let game = PreferenceGame::new(&p[b * k * k..(b + 1) * k * k], k, None).unwrap();
            let sol = solve_preference(&game, &opts, &Control::new(0)).unwrap();
            assert_eq!(sol.policy, one.policy[b * k..(b + 1) * k]);
            assert_eq!(sol.iterations, one.iterations[b]);
        }
        let mut bad = p.clone();
        bad[5 * k * k + 1] = 2.0;
        let e = solve_preference_batch(&bad, batch, k, None, &opts, &Control::new(0)).unwrap_err();
        assert!(e.to_string().starts_with("P[5]:"), "{e}");
    }
}
