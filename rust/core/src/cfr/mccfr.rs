//! Monte-Carlo CFR (Lanctot, Waugh, Zinkevich and Bowling, NeurIPS 2009): external and outcome
//! sampling, following OpenSpiel's `external_sampling_mccfr.py` and
//! `outcome_sampling_mccfr.py` (simple averaging at the opponent's nodes for external sampling;
//! stochastically-weighted averaging, exploration `epsilon` and no baseline for outcome sampling).
//!
//! Each iteration runs one traversal per player. Every traversal draws from its own
//! counter-based stream keyed by `(seed, iteration, player)`, so a run is reproducible from its
//! seed; traversals are inherently sequential (each reads the regrets the previous one wrote), so
//! the solver runs on one thread and its result cannot depend on the thread count.

use super::require_two_player_zero_sum;
use crate::control::Control;
use crate::efg::best_response::nash_conv_unchecked;
use crate::efg::{ExtensiveGame, NodeKind};
use crate::error::{Error, Result};
use crate::regret::regret_matching_strategy;
use crate::rng::Stream;
use std::sync::Arc;

/// Which part of the tree a traversal samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampling {
    /// Sample chance and the opponent; explore every action of the traverser.
    External,
    /// Sample one trajectory; the traverser explores with probability `epsilon` uniformly.
    Outcome {
        /// Exploration of the traverser's sampling policy (OpenSpiel's default: 0.6).
        epsilon: f64,
    },
}

/// A Monte-Carlo CFR solver for a two-player zero-sum perfect-recall game.
#[derive(Debug, Clone)]
pub struct Mccfr {
    game: Arc<ExtensiveGame>,
    sampling: Sampling,
    seed: u64,
    iteration: u64,
    regret: Vec<f64>,
    average: Vec<f64>,
    trace: Vec<(u64, f64)>,
    scratch: Vec<f64>,
}

/// Draws an index from the distribution `probs` with one uniform number.
fn sample(probs: &[f64], stream: &mut Stream) -> usize {
    let u = stream.next_f64();
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (k, &p) in probs.iter().enumerate() {
        if p > 0.0 {
            cumulative += p;
            last_positive = k;
            if u < cumulative {
                return k;
            }
        }
    }
    last_positive
}

impl Mccfr {
    /// A fresh solver with zero regrets.
    pub fn new(game: Arc<ExtensiveGame>, sampling: Sampling, seed: u64) -> Result<Self> {
        require_two_player_zero_sum(&game)?;
        if let Sampling::Outcome { epsilon } = sampling {
            if !(epsilon > 0.0 && epsilon <= 1.0) {
                return Err(Error::invalid(
                    "epsilon",
                    "an exploration in (0, 1]",
                    epsilon,
                ));
            }
        }
        let slots = game.num_slots();
        let widest = (0..game.num_infosets())
            .map(|i| game.infoset_slots(i).len())
            .max()
            .unwrap_or(1);
        Ok(Mccfr {
            game,
            sampling,
            seed,
            iteration: 0,
            regret: vec![0.0; slots],
            average: vec![0.0; slots],
            trace: Vec::new(),
            scratch: Vec::with_capacity(4 * widest),
        })
    }

    /// Iterations run so far.
    pub fn iterations(&self) -> u64 {
        self.iteration
    }

    /// The seed of the random streams.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// `(iteration, exploitability of the average strategy)` at every checkpoint so far.
    pub fn trace(&self) -> &[(u64, f64)] {
        &self.trace
    }

    /// Regret matching on the accumulated regrets, at every infoset.
    pub fn current_strategy(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.game.num_slots()];
        for i in 0..self.game.num_infosets() {
            let s = self.game.infoset_slots(i);
            regret_matching_strategy(&self.regret[s.clone()], None, &mut out[s]);
        }
        out
    }

    /// The average strategy (uniform at infosets never updated).
    pub fn average_strategy(&self) -> Vec<f64> {
        let mut out = self.average.clone();
        for i in 0..self.game.num_infosets() {
            let s = self.game.infoset_slots(i);
            let total: f64 = out[s.clone()].iter().sum();
            if total > 0.0 {
                out[s].iter_mut().for_each(|v| *v /= total);
            } else {
                out[s.clone()].fill(1.0 / s.len() as f64);
            }
        }
        out
    }

    /// OpenSpiel's exploitability (NashConv / 2) of the average strategy.
    pub fn exploitability(&self) -> f64 {
        nash_conv_unchecked(&self.game, &self.average_strategy()).exploitability()
    }

    /// Runs `iterations` more iterations, recording checkpoints as [`super::Cfr::run`] does.
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
            for player in 0..2 {
                let mut stream = Stream::new(self.seed, 2 * self.iteration + player as u64);
                match self.sampling {
                    Sampling::External => {
                        self.external(0, player, &mut stream);
                    }
                    Sampling::Outcome { epsilon } => {
                        self.outcome(0, player, epsilon, [1.0, 1.0, 1.0], &mut stream);
                    }
                }
            }
            self.iteration += 1;
            control.set_done(k + 1);
            let last = k + 1 == iterations;
            if checkpoint_every.is_some_and(|c| self.iteration % c == 0 || last)
                && self.trace.last().map(|&(t, _)| t) != Some(self.iteration)
            {
                let e = self.exploitability();
                self.trace.push((self.iteration, e));
            }
        }
        Ok(())
    }

    /// Regret matching at `infoset`, written into a fresh piece of scratch space.
    fn policy(&mut self, infoset: usize) -> std::ops::Range<usize> {
        let s = self.game.infoset_slots(infoset);
        let start = self.scratch.len();
        self.scratch.resize(start + s.len(), 0.0);
        regret_matching_strategy(&self.regret[s], None, &mut self.scratch[start..]);
        start..self.scratch.len()
    }

    /// External sampling from `node` for `player`; returns the sampled value.
    fn external(&mut self, node: usize, player: usize, stream: &mut Stream) -> f64 {
        let game = Arc::clone(&self.game);
        match game.kind(node) {
            NodeKind::Terminal => game.terminal_payoffs(game.node_terminal(node) as usize)[player],
            NodeKind::Chance => {
                let children = game.children(node);
                let probs: Vec<f64> = children.clone().map(|c| game.chance_prob(c)).collect();
                let k = sample(&probs, stream);
                self.external(children.start + k, player, stream)
            }
            NodeKind::Decision => {
                let i = game.node_infoset(node) as usize;
                let slots = game.infoset_slots(i);
                let first = game.children(node).start;
                let mark = self.scratch.len();
                let pol = self.policy(i);
                let value = if game.infoset_player(i) != player {
                    let k = sample(&self.scratch[pol.clone()], stream);
                    for (a, s) in slots.clone().enumerate() {
                        self.average[s] += self.scratch[pol.start + a];
                    }
                    self.external(first + k, player, stream)
                } else {
                    let n = slots.len();
                    let vals = self.scratch.len();
                    self.scratch.resize(vals + n, 0.0);
                    let mut value = 0.0;
                    for a in 0..n {
                        let v = self.external(first + a, player, stream);
                        self.scratch[vals + a] = v;
                        value += self.scratch[pol.start + a] * v;
                    }
                    for (a, s) in slots.enumerate() {
                        self.regret[s] += self.scratch[vals + a] - value;
                    }
                    value
                };
                self.scratch.truncate(mark);
                value
            }
        }
    }

    /// Outcome sampling from `node` for `player` with reaches `[mine, others and chance,
    /// sampling]`; returns the importance-weighted value estimate.
    fn outcome(
        &mut self,
        node: usize,
        player: usize,
        epsilon: f64,
        reach: [f64; 3],
        stream: &mut Stream,
    ) -> f64 {
        let game = Arc::clone(&self.game);
        match game.kind(node) {
            NodeKind::Terminal => game.terminal_payoffs(game.node_terminal(node) as usize)[player],
            NodeKind::Chance => {
                let children = game.children(node);
                let probs: Vec<f64> = children.clone().map(|c| game.chance_prob(c)).collect();
                let k = sample(&probs, stream);
                let p = probs[k];
                self.outcome(
                    children.start + k,
                    player,
                    epsilon,
                    [reach[0], reach[1] * p, reach[2] * p],
                    stream,
                )
            }
            NodeKind::Decision => {
                let i = game.node_infoset(node) as usize;
                let slots = game.infoset_slots(i);
                let n = slots.len();
                let first = game.children(node).start;
                let mark = self.scratch.len();
                let pol = self.policy(i);
                let mine = game.infoset_player(i) == player;
                let samp = self.scratch.len();
                for a in 0..n {
                    let p = self.scratch[pol.start + a];
                    let q = if mine {
                        epsilon / n as f64 + (1.0 - epsilon) * p
                    } else {
                        p
                    };
                    self.scratch.push(q);
                }
                let k = sample(&self.scratch[samp..samp + n], stream);
                let (p, q) = (self.scratch[pol.start + k], self.scratch[samp + k]);
                let child_reach = if mine {
                    [reach[0] * p, reach[1], reach[2] * q]
                } else {
                    [reach[0], reach[1] * p, reach[2] * q]
                };
                let child = self.outcome(first + k, player, epsilon, child_reach, stream);
                // Baseline-free estimate: only the sampled action has a (weighted) value.
                let sampled_value = child / q;
                let value = p * sampled_value;
                if mine {
                    let w = reach[1] / reach[2];
                    for (a, s) in slots.enumerate() {
                        let action_value = if a == k { sampled_value } else { 0.0 };
                        self.regret[s] += (action_value - value) * w;
                        self.average[s] += reach[0] * self.scratch[pol.start + a] / reach[2];
                    }
                }
                self.scratch.truncate(mark);
                value
            }
        }
    }
}
