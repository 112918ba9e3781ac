//! Regret minimizers over a probability simplex, shared by every iterative method.
//!
//! The slice-level functions ([`regret_matching_strategy`], [`rm_plus_update`]) are what CFR uses
//! on its flat per-infoset action slots; the small structs wrap them with their state for
//! normal-form games. Utilities are always *gains* of the learner (it maximizes them); a minimizing
//! player passes negated losses.

/// Writes the regret-matching strategy `out ∝ [q + prediction]^+`, or the uniform strategy when
/// every entry is non-positive.
pub fn regret_matching_strategy(q: &[f64], prediction: Option<&[f64]>, out: &mut [f64]) {
    let mut total = 0.0;
    match prediction {
        Some(p) => {
            for ((o, &qi), &pi) in out.iter_mut().zip(q).zip(p) {
                let v = (qi + pi).max(0.0);
                *o = v;
                total += v;
            }
        }
        None => {
            for (o, &qi) in out.iter_mut().zip(q) {
                let v = qi.max(0.0);
                *o = v;
                total += v;
            }
        }
    }
    if total > 0.0 {
        let inv = 1.0 / total;
        out.iter_mut().for_each(|o| *o *= inv);
    } else {
        let u = 1.0 / out.len() as f64;
        out.iter_mut().for_each(|o| *o = u);
    }
}

/// Regret-matching+ accumulation: with `r = utility - <utility, strategy>`, sets
/// `q <- [q + r]^+` and writes `r` into `instant` (the next prediction of predictive RM+).
pub fn rm_plus_update(q: &mut [f64], utility: &[f64], strategy: &[f64], instant: &mut [f64]) {
    let expected: f64 = utility.iter().zip(strategy).map(|(u, s)| u * s).sum();
    for ((qi, ri), &ui) in q.iter_mut().zip(instant.iter_mut()).zip(utility) {
        let r = ui - expected;
        *ri = r;
        *qi = (*qi + r).max(0.0);
    }
}

/// `log Σ exp(v)`, shifted by the maximum so it never overflows (`-inf` for no values).
pub fn log_sum_exp<I>(values: I) -> f64
where
    I: IntoIterator<Item = f64>,
    I::IntoIter: Clone,
{
    let it = values.into_iter();
    let m = it.clone().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + it.map(|a| (a - m).exp()).sum::<f64>().ln()
}

/// Writes `softmax(logits)` into `out` (max-shifted, so it never overflows).
pub fn softmax(logits: &[f64], out: &mut [f64]) {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for (o, &l) in out.iter_mut().zip(logits) {
        let e = (l - max).exp();
        *o = e;
        total += e;
    }
    let inv = 1.0 / total;
    out.iter_mut().for_each(|o| *o *= inv);
}

/// Regret matching+ (Tammelin 2014) and its predictive form PRM+ (Farina, Kroer and Sandholm,
/// AAAI 2021), whose prediction is the last instantaneous regret.
#[derive(Debug, Clone)]
pub struct RegretMatchingPlus {
    q: Vec<f64>,
    last_regret: Vec<f64>,
    predictive: bool,
}

impl RegretMatchingPlus {
    /// A learner over `actions` actions with zero regrets.
    pub fn new(actions: usize, predictive: bool) -> Self {
        RegretMatchingPlus {
            q: vec![0.0; actions],
            last_regret: vec![0.0; actions],
            predictive,
        }
    }

    /// The strategy to play now.
    pub fn strategy(&self, out: &mut [f64]) {
        let prediction = self.predictive.then_some(self.last_regret.as_slice());
        regret_matching_strategy(&self.q, prediction, out);
    }

    /// Records the utility of each action against the opponents' play, given what was played.
    pub fn observe(&mut self, utility: &[f64], played: &[f64]) {
        rm_plus_update(&mut self.q, utility, played, &mut self.last_regret);
    }
}

/// Optimistic multiplicative weights (optimistic Hedge): plays
/// `softmax(eta * (sum of past utilities + last utility))`.
#[derive(Debug, Clone)]
pub struct OptimisticHedge {
    cumulative: Vec<f64>,
    last: Vec<f64>,
    scratch: Vec<f64>,
    eta: f64,
}

impl OptimisticHedge {
    /// A learner over `actions` actions with step size `eta`.
    pub fn new(actions: usize, eta: f64) -> Self {
        OptimisticHedge {
            cumulative: vec![0.0; actions],
            last: vec![0.0; actions],
            scratch: vec![0.0; actions],
            eta,
        }
    }

    /// The strategy to play now.
    pub fn strategy(&mut self, out: &mut [f64]) {
        for ((s, &c), &l) in self
            .scratch
            .iter_mut()
            .zip(&self.cumulative)
            .zip(&self.last)
        {
            *s = self.eta * (c + l);
        }
        softmax(&self.scratch, out);
    }

    /// Records the utility of each action.
    pub fn observe(&mut self, utility: &[f64]) {
        for ((c, l), &u) in self
            .cumulative
            .iter_mut()
            .zip(self.last.iter_mut())
            .zip(utility)
        {
            *c += u;
            *l = u;
        }
    }
}

/// How iterates are weighted in a running average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AverageWeight {
    /// Every iterate counts the same.
    Uniform,
    /// Iterate `t` has weight `t` (CFR+ / RM+).
    Linear,
    /// Iterate `t` has weight `t^2` (PRM+).
    Quadratic,
}

impl AverageWeight {
    /// The weight of iterate `t` (1-based).
    pub fn weight(self, t: u64) -> f64 {
        let t = t as f64;
        match self {
            AverageWeight::Uniform => 1.0,
            AverageWeight::Linear => t,
            AverageWeight::Quadratic => t * t,
        }
    }
}

/// A weighted running average kept in normalised form (never overflows).
#[derive(Debug, Clone)]
pub struct RunningAverage {
    mean: Vec<f64>,
    total_weight: f64,
    weight: AverageWeight,
}

impl RunningAverage {
    /// An empty average over vectors of length `len`.
    pub fn new(len: usize, weight: AverageWeight) -> Self {
        RunningAverage {
            mean: vec![0.0; len],
            total_weight: 0.0,
            weight,
        }
    }

    /// Adds iterate number `t` (1-based).
    pub fn add(&mut self, value: &[f64], t: u64) {
        let w = self.weight.weight(t);
        self.total_weight += w;
        let c = w / self.total_weight;
        for (m, &v) in self.mean.iter_mut().zip(value) {
            *m += c * (v - *m);
        }
    }

    /// The current average.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regret_matching_is_uniform_without_positive_regret() {
        let mut out = [0.0; 3];
        regret_matching_strategy(&[-1.0, 0.0, -2.0], None, &mut out);
        assert_eq!(out, [1.0 / 3.0; 3]);
        regret_matching_strategy(&[1.0, 3.0, -2.0], None, &mut out);
        assert_eq!(out, [0.25, 0.75, 0.0]);
        regret_matching_strategy(&[1.0, 0.0, 0.0], Some(&[-2.0, 1.0, 1.0]), &mut out);
        assert_eq!(out, [0.0, 0.5, 0.5]);
    }

    #[test]
    fn rm_plus_clips_at_zero() {
        let mut q = vec![0.5, 0.0];
        let mut r = vec![0.0; 2];
        rm_plus_update(&mut q, &[1.0, 0.0], &[0.5, 0.5], &mut r);
        assert_eq!(r, vec![0.5, -0.5]);
        assert_eq!(q, vec![1.0, 0.0]);
    }

    #[test]
    fn softmax_is_stable() {
        let mut out = [0.0; 2];
        softmax(&[1000.0, 1000.0], &mut out);
        assert_eq!(out, [0.5, 0.5]);
    }

    #[test]
    fn running_average_matches_weighted_mean() {
        let mut avg = RunningAverage::new(1, AverageWeight::Quadratic);
        for t in 1..=3 {
            avg.add(&[t as f64], t);
        }
        let expected = (1.0 + 4.0 * 2.0 + 9.0 * 3.0) / 14.0;
        assert!((avg.mean()[0] - expected).abs() < 1e-15);
    }
}
