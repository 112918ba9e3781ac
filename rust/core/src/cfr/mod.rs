//! The CFR family on the sequence form: one traversal, small per-infoset update rules.
//!
//! One pass for player `p` is: the opponent's realisation (top-down over their infosets), `p`'s
//! gradient (a sparse product over merged terminals), and a bottom-up pull over `p`'s infosets
//! that hands each infoset its counterfactual action values to [`update::update_infoset`]. These
//! are exactly CFR's counterfactual values (opponent and chance reach times payoff, summed over
//! the infoset's histories), so the iterates equal a tree-walking CFR's, at the cost of
//! `O(terminals + slots)` per pass instead of `O(histories)` with recursion. Passes run whole
//! subtrees of the sequence tree in parallel (see [`crate::efg::sequence`]), with results that do
//! not depend on the thread count.

pub mod mccfr;
pub mod update;

use crate::control::Control;
use crate::disjoint::Disjoint;
use crate::efg::best_response::{nash_conv_unchecked, require_perfect_recall};
use crate::efg::ExtensiveGame;
use crate::error::{Error, Result};
use std::sync::Arc;
pub use update::{average_weight, discount, update_infoset, IterationFactors, Variant};

/// How a [`Cfr`] solver runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CfrConfig {
    /// The regret update rule.
    pub variant: Variant,
    /// Alternating updates (player 0's pass, then player 1's against the updated strategy), as
    /// in OpenSpiel; otherwise simultaneous.
    pub alternating: bool,
    /// Exponent of the average-strategy weight `t^gamma` (0 uniform, 1 linear, 2 quadratic).
    pub gamma: f64,
}

impl CfrConfig {
    /// The customary settings of a named variant: `"cfr"` (uniform average), `"cfr+"` (linear),
    /// `"lcfr"` (DCFR(1, 1, 1)), `"dcfr"` (DCFR(1.5, 0, 2)) and `"pcfr+"` (quadratic average,
    /// as in Farina, Kroer and Sandholm 2021), all with alternating updates.
    pub fn named(name: &str) -> Result<Self> {
        let (variant, gamma) = match name {
            "cfr" => (Variant::Cfr, 0.0),
            "cfr+" => (Variant::CfrPlus, 1.0),
            "lcfr" => (
                Variant::Discounted {
                    alpha: 1.0,
                    beta: 1.0,
                },
                1.0,
            ),
            "dcfr" => (
                Variant::Discounted {
                    alpha: 1.5,
                    beta: 0.0,
                },
                2.0,
            ),
            "pcfr+" => (Variant::PredictivePlus, 2.0),
            other => {
                return Err(Error::invalid(
                    "variant",
                    "one of 'cfr', 'cfr+', 'lcfr', 'dcfr', 'pcfr+'",
                    format!("{other:?}"),
                ))
            }
        };
        Ok(CfrConfig {
            variant,
            alternating: true,
            gamma,
        })
    }
}

/// Checks that `game` is one the CFR solvers handle: two players, zero-sum, perfect recall.
pub fn require_two_player_zero_sum(game: &ExtensiveGame) -> Result<()> {
    if game.num_players() != 2 {
        return Err(Error::invalid(
            "game",
            "a two-player zero-sum game (CFR solvers)",
            format!("{} players", game.num_players()),
        ));
    }
    if !game.is_zero_sum() {
        let t = (0..game.num_terminals())
            .find(|&t| {
                let u = game.terminal_payoffs(t);
                (u[0] + u[1]).abs() > 1e-9 * u[0].abs().max(u[1].abs()).max(1.0)
            })
            .unwrap_or(0);
        return Err(Error::invalid(
            "game",
            "a two-player zero-sum game (CFR solvers)",
            format!(
                "payoffs {:?} summing to non-zero at terminal {t}",
                game.terminal_payoffs(t)
            ),
        ));
    }
    require_perfect_recall(game)
}

/// A CFR-family solver for a two-player zero-sum perfect-recall game.
#[derive(Debug, Clone)]
pub struct Cfr {
    game: Arc<ExtensiveGame>,
    config: CfrConfig,
    iteration: u64,
    strategy: Vec<f64>,
    regret: Vec<f64>,
    prediction: Vec<f64>,
    average: Vec<f64>,
    trace: Vec<(u64, f64)>,
    // Scratch: realisations (and whether they are out of date), gradients, infoset values.
    realization: [Vec<f64>; 2],
    stale: [bool; 2],
    gradient: [Vec<f64>; 2],
    infoset_value: [Vec<f64>; 2],
}

impl Cfr {
    /// A fresh solver (uniform strategies, zero regrets) for `game`.
    pub fn new(game: Arc<ExtensiveGame>, config: CfrConfig) -> Result<Self> {
        require_two_player_zero_sum(&game)?;
        config.variant.validate()?;
        if !config.gamma.is_finite() || config.gamma < 0.0 {
            return Err(Error::invalid(
                "gamma",
                "a finite non-negative averaging exponent",
                config.gamma,
            ));
        }
        let slots = game.num_slots();
        let mut strategy = vec![0.0; slots];
        for i in 0..game.num_infosets() {
            let s = game.infoset_slots(i);
            let u = 1.0 / s.len() as f64;
            strategy[s].fill(u);
        }
        let sf = game.sequence_form();
        let realization = [0, 1].map(|p| vec![0.0; sf.num_sequences(p)]);
        let gradient = realization.clone();
        let infoset_value = [0, 1].map(|p| vec![0.0; game.player_infosets(p).len()]);
        let prediction = if config.variant.is_predictive() {
            vec![0.0; slots]
        } else {
            Vec::new()
        };
        Ok(Cfr {
            game,
            config,
            iteration: 0,
            strategy,
            regret: vec![0.0; slots],
            prediction,
            average: vec![0.0; slots],
            trace: Vec::new(),
            realization,
            stale: [true, true],
            gradient,
            infoset_value,
        })
    }

    /// The game being solved.
    pub fn game(&self) -> &Arc<ExtensiveGame> {
        &self.game
    }

    /// The solver's settings.
    pub fn config(&self) -> CfrConfig {
        self.config
    }

    /// Iterations run so far.
    pub fn iterations(&self) -> u64 {
        self.iteration
    }

    /// `(iteration, exploitability of the average strategy)` at every checkpoint so far.
    pub fn trace(&self) -> &[(u64, f64)] {
        &self.trace
    }

    /// The strategy the next iteration plays (behaviour strategy over all slots).
    pub fn current_strategy(&self) -> &[f64] {
        &self.strategy
    }

    /// Accumulated regrets per slot.
    pub fn regrets(&self) -> &[f64] {
        &self.regret
    }

    /// The weighted average of the strategies played (uniform at infosets never reached).
    pub fn average_strategy(&self) -> Vec<f64> {
        let mut out = self.average.clone();
        for i in 0..self.game.num_infosets() {
            let s = self.game.infoset_slots(i);
            let total: f64 = out[s.clone()].iter().sum();
            if total > 0.0 {
                out[s].iter_mut().for_each(|v| *v /= total);
            } else {
                let u = 1.0 / s.len() as f64;
                out[s].fill(u);
            }
        }
        out
    }

    /// OpenSpiel's exploitability (NashConv / 2) of the average strategy.
    pub fn exploitability(&self) -> f64 {
        nash_conv_unchecked(&self.game, &self.average_strategy()).exploitability()
    }

    /// Runs `iterations` more iterations. With `checkpoint_every = Some(k)`, records the average
    /// strategy's exploitability after every iteration that is a multiple of `k` and after the
    /// last one. Checks `control` between iterations: on cancellation the solver keeps every
    /// finished iteration and returns [`Error::Cancelled`].
    pub fn run(
        &mut self,
        iterations: u64,
        checkpoint_every: Option<u64>,
        control: &Control,
    ) -> Result<()> {
        if checkpoint_every == Some(0) {
            return Err(Error::invalid("checkpoint_every", "a positive integer", 0));
        }
        control.set_total(iterations);
        for k in 0..iterations {
            control.check()?;
            self.iterate();
            control.set_done(k + 1);
            let at_checkpoint = checkpoint_every.is_some_and(|c| self.iteration % c == 0);
            let record = at_checkpoint || (checkpoint_every.is_some() && k + 1 == iterations);
            if record && self.trace.last().map(|&(t, _)| t) != Some(self.iteration) {
                let e = self.exploitability();
                self.trace.push((self.iteration, e));
            }
        }
        Ok(())
    }

    /// One iteration: both players' passes, alternating or simultaneous.
    pub fn iterate(&mut self) {
        self.iteration += 1;
        if self.config.alternating {
            for p in 0..2 {
                self.refresh_realizations();
                self.update_player(p);
                self.stale[p] = true;
            }
        } else {
            self.refresh_realizations();
            self.update_player(0);
            self.update_player(1);
            self.stale = [true, true];
        }
    }

    /// Recomputes the realisations of players whose strategy changed since the last one.
    fn refresh_realizations(&mut self) {
        let sf = self.game.sequence_form();
        for p in 0..2 {
            if self.stale[p] {
                sf.realization(&self.game, p, &self.strategy, &mut self.realization[p]);
                self.stale[p] = false;
            }
        }
    }

    /// Player `p`'s pass: every infoset of `p` gets its counterfactual values and is updated.
    fn update_player(&mut self, p: usize) {
        let game = &*self.game;
        let sf = game.sequence_form();
        let t = self.iteration as f64;
        let variant = self.config.variant;
        let weight = average_weight(t, self.config.gamma);
        let factors = IterationFactors::new(variant, t);
        let [x0, x1] = &self.realization;
        let own = &self.realization[p];
        let off = game.infoset_slots(game.player_infosets(p).start).start;
        let strategy = Disjoint::new(&mut self.strategy);
        let regret = Disjoint::new(&mut self.regret);
        let average = Disjoint::new(&mut self.average);
        let prediction = Disjoint::new(&mut self.prediction);
        let predictive = variant.is_predictive();
        sf.pass(
            game,
            p,
            &[x0.as_slice(), x1.as_slice()],
            None,
            &mut self.gradient[p],
            &mut self.infoset_value[p],
            |i, values| {
                let s = game.infoset_slots(i);
                // SAFETY: `pass` visits each infoset once; infosets own disjoint slot ranges.
                let (sigma, reg, avg) = unsafe {
                    (
                        strategy.slice(s.clone()),
                        regret.slice(s.clone()),
                        average.slice(s.clone()),
                    )
                };
                let reach = &own[s.start - off + 1..s.end - off + 1];
                for (a, &x) in avg.iter_mut().zip(reach) {
                    *a += weight * x;
                }
                let mut none = [];
                let pred: &mut [f64] = if predictive {
                    // SAFETY: as above.
                    unsafe { prediction.slice(s.clone()) }
                } else {
                    &mut none
                };
                update_infoset(variant, factors, values, sigma, reg, pred)
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::efg::TreeBuilder;

    /// Matching pennies where player 1 moves without seeing player 0 (value 0).
    fn pennies() -> ExtensiveGame {
        let mut b = TreeBuilder::new(2).unwrap();
        let i0 = b
            .add_infoset(0, "p0", vec!["H".into(), "T".into()])
            .unwrap();
        let i1 = b
            .add_infoset(1, "p1", vec!["H".into(), "T".into()])
            .unwrap();
        let root = b.add_decision(None, i0).unwrap();
        for a in 0..2 {
            let n = b.add_decision(Some((root, a)), i1).unwrap();
            for c in 0..2 {
                let u = if a == c { 1.0 } else { -1.0 };
                b.add_terminal(Some((n, c)), &[u, -u]).unwrap();
            }
        }
        b.build().unwrap()
    }

    #[test]
    fn every_variant_solves_matching_pennies() {
        let game = Arc::new(pennies());
        for name in ["cfr", "cfr+", "lcfr", "dcfr", "pcfr+"] {
            let mut cfr = Cfr::new(Arc::clone(&game), CfrConfig::named(name).unwrap()).unwrap();
            cfr.run(2000, Some(1000), &Control::new(0)).unwrap();
            let e = cfr.exploitability();
            assert!(e < 2e-2, "{name}: {e}");
            assert_eq!(cfr.trace().len(), 2);
        }
    }

    #[test]
    fn rejects_general_sum_games() {
        let mut b = TreeBuilder::new(2).unwrap();
        let i0 = b.add_infoset(0, "p0", vec!["a".into()]).unwrap();
        let root = b.add_decision(None, i0).unwrap();
        b.add_terminal(Some((root, 0)), &[1.0, 1.0]).unwrap();
        let err = Cfr::new(
            Arc::new(b.build().unwrap()),
            CfrConfig::named("cfr").unwrap(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("zero-sum"), "{err}");
    }
}
