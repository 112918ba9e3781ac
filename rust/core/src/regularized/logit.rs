//! Logit QRE of general-sum two-player (bimatrix) games at a given temperature, by continuation
//! in the temperature with Newton corrections (the principal branch, which Gambit's
//! `logit_solve_lambda` also follows, from the uniform point at infinite temperature).
//!
//! Row payoff `A` (maximized by `x`), column payoff `B` (maximized by `y`), references `ρ`:
//! `x = softmax(log ρx + A y / α)`, `y = softmax(log ρy + B^T x / α)`. Unknowns are the
//! logarithms `u = log x`, `v = log y`; the residual map is
//! `F_x = u - log ρx - A y / α + lse(log ρx + A y / α)` (and likewise `F_y`), whose Jacobian is
//! `[[I, -C], [-D, I]]` with `C = (I - 1 x̂ᵀ) A diag(y) / α`, `D = (I - 1 ŷᵀ) Bᵀ diag(x) / α`.
//!
//! Certificate: the fixed-point residual `‖x - x̂‖₁ + ‖y - ŷ‖₁` and the regularized NashConv
//! `α KL(x‖x̂) + α KL(y‖ŷ)` (each player's gain from a logit best response), both zero exactly at
//! a QRE. General-sum games can have several QREs at low temperature; the branch followed is the
//! one connected to the references at high temperature, unless it turns back in temperature, in
//! which case the solver reports failure (`converged = false`) instead of jumping branches.

use crate::control::Control;
use crate::error::{Error, Result};
use crate::regret::log_sum_exp;
use crate::regularized::qre::check_reference;

/// A logit QRE of a bimatrix game with its certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct LogitQre {
    /// Row strategy.
    pub x: Vec<f64>,
    /// Column strategy.
    pub y: Vec<f64>,
    /// `‖x - x̂‖₁ + ‖y - ŷ‖₁`.
    pub residual: f64,
    /// `α KL(x‖x̂) + α KL(y‖ŷ)`.
    pub nash_conv: f64,
    /// Continuation steps taken.
    pub steps: u64,
    /// Whether the target temperature was reached with `residual <= tol`.
    pub converged: bool,
}

/// The logit best response `log p̂ = log ρ + M q / α - lse(...)` to `q`, with `M` given row-major
/// `rows x cols` (transposed when `transpose`).
fn logit_response(
    m: &[f64],
    rows: usize,
    cols: usize,
    transpose: bool,
    q: &[f64],
    log_rho: &[f64],
    alpha: f64,
) -> Vec<f64> {
    let k = if transpose { cols } else { rows };
    let mut out = log_rho.to_vec();
    for (i, o) in out.iter_mut().enumerate().take(k) {
        let s: f64 = if transpose {
            (0..rows).map(|r| m[r * cols + i] * q[r]).sum()
        } else {
            (0..cols).map(|c| m[i * cols + c] * q[c]).sum()
        };
        *o += s / alpha;
    }
    let z = log_sum_exp(out.iter().copied());
    out.iter_mut().for_each(|v| *v -= z);
    out
}

/// Solves `J δ = rhs` in place (Gaussian elimination with partial pivoting); false if singular.
fn solve_dense(j: &mut [f64], rhs: &mut [f64], n: usize) -> bool {
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| j[a * n + col].abs().total_cmp(&j[b * n + col].abs()))
            .unwrap_or(col);
        if j[pivot * n + col].abs() < 1e-300 {
            return false;
        }
        if pivot != col {
            for c in 0..n {
                j.swap(col * n + c, pivot * n + c);
            }
            rhs.swap(col, pivot);
        }
        let d = j[col * n + col];
        for r in col + 1..n {
            let f = j[r * n + col] / d;
            if f != 0.0 {
                for c in col..n {
                    j[r * n + c] -= f * j[col * n + c];
                }
                rhs[r] -= f * rhs[col];
            }
        }
    }
    for col in (0..n).rev() {
        let mut s = rhs[col];
        for c in col + 1..n {
            s -= j[col * n + c] * rhs[c];
        }
        rhs[col] = s / j[col * n + col];
    }
    rhs.iter().all(|v| v.is_finite())
}

/// The game and references of one solve.
struct Bimatrix<'a> {
    a: &'a [f64],
    b: &'a [f64],
    m: usize,
    n: usize,
    log_rx: Vec<f64>,
    log_ry: Vec<f64>,
}

impl Bimatrix<'_> {
    /// `(F, x̂ logs, ŷ logs)` at `(u, v)` and temperature `alpha`.
    fn residual(&self, u: &[f64], v: &[f64], alpha: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let x: Vec<f64> = u.iter().map(|l| l.exp()).collect();
        let y: Vec<f64> = v.iter().map(|l| l.exp()).collect();
        let bx = logit_response(self.a, self.m, self.n, false, &y, &self.log_rx, alpha);
        let by = logit_response(self.b, self.m, self.n, true, &x, &self.log_ry, alpha);
        let f = u
            .iter()
            .zip(&bx)
            .map(|(a, b)| a - b)
            .chain(v.iter().zip(&by).map(|(a, b)| a - b))
            .collect();
        (f, bx, by)
    }

    /// Newton's method at `alpha` from `(u, v)`; returns whether it reached `tol` (max-norm of F).
    fn newton(&self, u: &mut Vec<f64>, v: &mut Vec<f64>, alpha: f64, tol: f64) -> bool {
        let (m, n) = (self.m, self.n);
        let size = m + n;
        for _ in 0..50 {
            let (f, bx, by) = self.residual(u, v, alpha);
            let norm = f.iter().fold(0.0f64, |s, r| s.max(r.abs()));
            if norm <= tol {
                return true;
            }
            let x: Vec<f64> = u.iter().map(|l| l.exp()).collect();
            let y: Vec<f64> = v.iter().map(|l| l.exp()).collect();
            let xh: Vec<f64> = bx.iter().map(|l| l.exp()).collect();
            let yh: Vec<f64> = by.iter().map(|l| l.exp()).collect();
            // J = [[I, -C], [-D, I]].
            let mut j = vec![0.0; size * size];
            for i in 0..size {
                j[i * size + i] = 1.0;
            }
            // C[i][c] = (A[i][c] - Σ_k x̂_k A[k][c]) y_c / α.
            let mean_a: Vec<f64> = (0..n)
                .map(|c| (0..m).map(|k| xh[k] * self.a[k * n + c]).sum())
                .collect();
            for i in 0..m {
                for c in 0..n {
                    j[i * size + m + c] = -(self.a[i * n + c] - mean_a[c]) * y[c] / alpha;
                }
            }
            // D[c][i] = (B[i][c] - Σ_k ŷ_k B[i][k]) x_i / α.
            let mean_b: Vec<f64> = (0..m)
                .map(|i| (0..n).map(|k| yh[k] * self.b[i * n + k]).sum())
                .collect();
            for c in 0..n {
                for i in 0..m {
                    j[(m + c) * size + i] = -(self.b[i * n + c] - mean_b[i]) * x[i] / alpha;
                }
            }
            let mut delta: Vec<f64> = f.iter().map(|r| -r).collect();
            if !solve_dense(&mut j, &mut delta, size) {
                return false;
            }
            // Damp large steps (log-space moves of more than 2).
            let big = delta.iter().fold(0.0f64, |s, d| s.max(d.abs()));
            let scale = if big > 2.0 { 2.0 / big } else { 1.0 };
            for (l, d) in u.iter_mut().chain(v.iter_mut()).zip(&delta) {
                *l += scale * d;
            }
            for w in [&mut *u, &mut *v] {
                let z = log_sum_exp(w.iter().copied());
                w.iter_mut().for_each(|l| *l -= z);
            }
        }
        false
    }
}

/// Computes the logit QRE at temperature `alpha` of the bimatrix game `(A, B)` (`m x n` each,
/// row-major) by continuation from a temperature where the fixed point is a contraction.
#[allow(clippy::too_many_arguments)]
pub fn solve_logit_qre(
    a: &[f64],
    b: &[f64],
    m: usize,
    n: usize,
    alpha: f64,
    rho_x: Option<&[f64]>,
    rho_y: Option<&[f64]>,
    tol: f64,
    control: &Control,
) -> Result<LogitQre> {
    if m == 0 || n == 0 || a.len() != m * n || b.len() != m * n {
        return Err(Error::invalid(
            "A, B",
            "two m x n payoff matrices",
            format!("{} and {} entries", a.len(), b.len()),
        ));
    }
    if let Some(v) = a.iter().chain(b).find(|v| !v.is_finite()) {
        return Err(Error::invalid("A, B", "finite payoffs", v));
    }
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(Error::invalid("temperature", "a finite number > 0", alpha));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(Error::invalid("tol", "a finite number > 0", tol));
    }
    let log_of = |r: Option<&[f64]>, k: usize, name: &str| -> Result<Vec<f64>> {
        match r {
            Some(r) => {
                check_reference(name, r, k)?;
                Ok(r.iter().map(|v| v.ln()).collect())
            }
            None => Ok(vec![-(k as f64).ln(); k]),
        }
    };
    let game = Bimatrix {
        a,
        b,
        m,
        n,
        log_rx: log_of(rho_x, m, "reference_x")?,
        log_ry: log_of(rho_y, n, "reference_y")?,
    };
    let scale = a
        .iter()
        .chain(b)
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(1e-300);
    // At temperature above 4 * scale the logit map is a contraction: start there.
    let mut current = (4.0 * scale).max(alpha);
    let (mut u, mut v) = (game.log_rx.clone(), game.log_ry.clone());
    let newton_tol = 1e-13;
    let mut steps = 0u64;
    let mut ok = game.newton(&mut u, &mut v, current, newton_tol);
    let mut ratio = 0.7;
    while ok && current > alpha {
        control.check()?;
        let next = (current * ratio).max(alpha);
        let (mut u2, mut v2) = (u.clone(), v.clone());
        steps += 1;
        if game.newton(&mut u2, &mut v2, next, newton_tol) {
            u = u2;
            v = v2;
            current = next;
            ratio = (ratio * 0.8).max(0.3);
        } else {
            ratio = 1.0 - (1.0 - ratio) / 4.0;
            if ratio > 1.0 - 1e-6 {
                ok = false;
            }
        }
    }
    let (_, bx, by) = game.residual(&u, &v, alpha);
    let x: Vec<f64> = u.iter().map(|l| l.exp()).collect();
    let y: Vec<f64> = v.iter().map(|l| l.exp()).collect();
    let part = |p: &[f64], lp: &[f64], lb: &[f64]| -> (f64, f64) {
        let mut kl = 0.0;
        let mut l1 = 0.0;
        for ((&q, &a), &b) in p.iter().zip(lp).zip(lb) {
            if q > 0.0 {
                kl += q * (a - b);
            }
            l1 += (q - b.exp()).abs();
        }
        (alpha * kl.max(0.0), l1)
    };
    let (kx, rx) = part(&x, &u, &bx);
    let (ky, ry) = part(&y, &v, &by);
    let residual = rx + ry;
    Ok(LogitQre {
        x,
        y,
        residual,
        nash_conv: kx + ky,
        steps,
        converged: ok && current <= alpha && residual <= tol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sum_case_agrees_with_mmd() {
        let a = [2.0, -1.0, -1.0, 1.0];
        let b: Vec<f64> = a.iter().map(|v| -v).collect();
        let s = solve_logit_qre(&a, &b, 2, 2, 0.5, None, None, 1e-12, &Control::new(0)).unwrap();
        assert!(s.converged, "{s:?}");
        assert!((s.x[0] - 0.4491321802).abs() < 1e-9 && (s.y[0] - 0.3795822343).abs() < 1e-9);
    }

    #[test]
    fn coordination_game_follows_the_principal_branch() {
        // Pure coordination with a better equilibrium on the diagonal's first entry.
        let a = [2.0, 0.0, 0.0, 1.0];
        let s = solve_logit_qre(&a, &a, 2, 2, 0.05, None, None, 1e-12, &Control::new(0)).unwrap();
        assert!(s.converged && s.x[0] > 0.99 && s.y[0] > 0.99, "{s:?}");
    }
}
