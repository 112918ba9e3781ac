//! The per-infoset update rules that make CFR, CFR+, LCFR, DCFR and PCFR+ out of one traversal.
//!
//! Every variant sees the same inputs at an infoset: its counterfactual action values `v`, its
//! current strategy `σ`, the accumulated regrets `R`, and the iteration `t` (from 1). They differ
//! in how `R` is updated, how the next strategy is read from it, and how much iteration `t`
//! weighs in the average strategy. Conventions follow OpenSpiel (`cfr.py`,
//! `discounted_cfr.py`) so results can be compared with it bit for bit up to rounding.

use crate::error::{Error, Result};
use crate::regret::regret_matching_strategy;

/// A CFR variant: how regrets are accumulated and how the next strategy is formed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    /// Vanilla CFR (Zinkevich et al. 2007): `R += r`, regret matching.
    Cfr,
    /// CFR+ (Tammelin 2014): `R = [R + r]^+`, regret matching.
    CfrPlus,
    /// Discounted CFR (Brown and Sandholm 2019): `R += r`, then positive regrets are multiplied
    /// by `t^α / (t^α + 1)` and negative ones by `t^β / (t^β + 1)`. LCFR is `α = β = 1`.
    Discounted {
        /// Exponent of the discount on positive regrets.
        alpha: f64,
        /// Exponent of the discount on negative regrets.
        beta: f64,
    },
    /// Predictive CFR+ (Farina, Kroer and Sandholm 2021): `R = [R + r]^+`, and the next strategy
    /// is regret matching on `[R + r]^+`, i.e. with the last instantaneous regret as prediction.
    PredictivePlus,
}

impl Variant {
    /// Whether the variant keeps a prediction per slot.
    pub fn is_predictive(self) -> bool {
        matches!(self, Variant::PredictivePlus)
    }

    /// Checks the discount exponents (finite).
    pub fn validate(self) -> Result<()> {
        if let Variant::Discounted { alpha, beta } = self {
            for (name, v) in [("alpha", alpha), ("beta", beta)] {
                if !v.is_finite() {
                    return Err(Error::invalid(name, "a finite discount exponent", v));
                }
            }
        }
        Ok(())
    }
}

/// `t^e / (t^e + 1)`, written so that large exponents neither overflow nor lose the limit 1.
pub fn discount(t: f64, exponent: f64) -> f64 {
    1.0 / (1.0 + t.powf(-exponent))
}

/// Weight of iteration `t` in the average strategy: `t^gamma` (0: uniform, 1: linear, 2:
/// quadratic averaging).
pub fn average_weight(t: f64, gamma: f64) -> f64 {
    if gamma == 0.0 {
        1.0
    } else {
        t.powf(gamma)
    }
}

/// The per-iteration constants of an update: for discounted variants the factors applied to
/// positive and negative regrets at iteration `t` (computed once per pass, not per infoset).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationFactors {
    /// Factor on non-negative accumulated regrets.
    pub positive: f64,
    /// Factor on negative accumulated regrets.
    pub negative: f64,
}

impl IterationFactors {
    /// The factors of `variant` at iteration `t` (1 for undiscounted variants).
    pub fn new(variant: Variant, t: f64) -> Self {
        match variant {
            Variant::Discounted { alpha, beta } => IterationFactors {
                positive: discount(t, alpha),
                negative: discount(t, beta),
            },
            _ => IterationFactors {
                positive: 1.0,
                negative: 1.0,
            },
        }
    }
}

/// Updates one infoset: accumulates the regrets of action values `values` under the current
/// `strategy`, writes the next strategy in place, and returns the infoset's expected value.
/// `prediction` is used (and overwritten with the instantaneous regret) by predictive variants.
pub fn update_infoset(
    variant: Variant,
    factors: IterationFactors,
    values: &[f64],
    strategy: &mut [f64],
    regret: &mut [f64],
    prediction: &mut [f64],
) -> f64 {
    let ev: f64 = values.iter().zip(strategy.iter()).map(|(v, s)| v * s).sum();
    match variant {
        Variant::Cfr => {
            for (r, &v) in regret.iter_mut().zip(values) {
                *r += v - ev;
            }
            regret_matching_strategy(regret, None, strategy);
        }
        Variant::CfrPlus => {
            for (r, &v) in regret.iter_mut().zip(values) {
                *r = (*r + (v - ev)).max(0.0);
            }
            regret_matching_strategy(regret, None, strategy);
        }
        Variant::Discounted { .. } => {
            let (pos, neg) = (factors.positive, factors.negative);
            for (r, &v) in regret.iter_mut().zip(values) {
                let acc = *r + (v - ev);
                *r = acc * if acc >= 0.0 { pos } else { neg };
            }
            regret_matching_strategy(regret, None, strategy);
        }
        Variant::PredictivePlus => {
            for ((r, m), &v) in regret.iter_mut().zip(prediction.iter_mut()).zip(values) {
                let inst = v - ev;
                *m = inst;
                *r = (*r + inst).max(0.0);
            }
            regret_matching_strategy(regret, Some(prediction), strategy);
        }
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discount_matches_its_definition_and_saturates() {
        let t: f64 = 7.0;
        assert!((discount(t, 1.5) - t.powf(1.5) / (t.powf(1.5) + 1.0)).abs() < 1e-15);
        assert_eq!(discount(t, 0.0), 0.5);
        assert_eq!(discount(1e6, 400.0), 1.0);
    }

    #[test]
    fn cfr_plus_floors_regrets_and_plays_the_positive_part() {
        let mut strategy = vec![0.5, 0.5];
        let mut regret = vec![0.0, 0.0];
        let mut pred = vec![0.0, 0.0];
        let ev = update_infoset(
            Variant::CfrPlus,
            IterationFactors::new(Variant::CfrPlus, 1.0),
            &[1.0, 3.0],
            &mut strategy,
            &mut regret,
            &mut pred,
        );
        assert_eq!(ev, 2.0);
        assert_eq!(regret, vec![0.0, 1.0]);
        assert_eq!(strategy, vec![0.0, 1.0]);
    }

    #[test]
    fn predictive_plus_adds_the_last_regret_as_prediction() {
        let mut strategy = vec![0.5, 0.5];
        let mut regret = vec![2.0, 0.0];
        let mut pred = vec![0.0, 0.0];
        update_infoset(
            Variant::PredictivePlus,
            IterationFactors::new(Variant::PredictivePlus, 1.0),
            &[0.0, 2.0],
            &mut strategy,
            &mut regret,
            &mut pred,
        );
        // r = (-1, 1): R = (1, 1); prediction (-1, 1): [R + m]^+ = (0, 2).
        assert_eq!(regret, vec![1.0, 1.0]);
        assert_eq!(pred, vec![-1.0, 1.0]);
        assert_eq!(strategy, vec![0.0, 1.0]);
    }
}
