//! Behaviour strategies: validation, expected payoffs, best responses and NashConv.
//!
//! A behaviour strategy is one flat `f64` array indexed by global slot (see
//! [`ExtensiveGame::infoset_slots`]). Best responses work in the sequence form (one gradient and
//! one bottom-up pass, the cost of one CFR pass) and need perfect recall; expected payoffs walk
//! the tree and work for any game.

use super::game::{ExtensiveGame, NodeKind};
use crate::error::{Error, Result};

/// Tolerance on a behaviour strategy's per-infoset sums.
pub const STRATEGY_SUM_TOLERANCE: f64 = 1e-6;

/// Checks that `strategy` has one finite non-negative probability per slot, summing to one at
/// every infoset (within [`STRATEGY_SUM_TOLERANCE`]).
pub fn check_behavior(game: &ExtensiveGame, argument: &str, strategy: &[f64]) -> Result<()> {
    if strategy.len() != game.num_slots() {
        return Err(Error::invalid(
            argument,
            format!(
                "{} probabilities (one per infoset action)",
                game.num_slots()
            ),
            strategy.len(),
        ));
    }
    for i in 0..game.num_infosets() {
        let probs = &strategy[game.infoset_slots(i)];
        if let Some(bad) = probs.iter().find(|p| !p.is_finite() || **p < 0.0) {
            return Err(Error::invalid(
                argument,
                "finite non-negative probabilities",
                format!("{bad} at infoset {i} ({:?})", game.infoset_label(i)),
            ));
        }
        let sum: f64 = probs.iter().sum();
        if (sum - 1.0).abs() > STRATEGY_SUM_TOLERANCE {
            return Err(Error::invalid(
                argument,
                "probabilities summing to 1 at every infoset",
                format!(
                    "a sum of {sum} at infoset {i} ({:?})",
                    game.infoset_label(i)
                ),
            ));
        }
    }
    Ok(())
}

/// Fails unless the game has perfect recall (needed by best responses and CFR).
pub fn require_perfect_recall(game: &ExtensiveGame) -> Result<()> {
    match game.sequence_form().recall_violation() {
        None => Ok(()),
        Some(why) => Err(Error::invalid("game", "a game with perfect recall", why)),
    }
}

/// Every player's expected payoff when all follow `strategy` (any game, one tree pass).
pub fn expected_payoffs(game: &ExtensiveGame, strategy: &[f64]) -> Result<Vec<f64>> {
    check_behavior(game, "strategy", strategy)?;
    let np = game.num_players();
    let mut reach = vec![0.0f64; game.num_nodes()];
    reach[0] = 1.0;
    let mut value = vec![0.0; np];
    for node in 0..game.num_nodes() {
        let r = reach[node];
        match game.kind(node) {
            NodeKind::Terminal => {
                let t = game.node_terminal(node) as usize;
                for (v, u) in value.iter_mut().zip(game.terminal_payoffs(t)) {
                    *v += r * u;
                }
            }
            NodeKind::Chance => {
                for c in game.children(node) {
                    reach[c] = r * game.chance_prob(c);
                }
            }
            NodeKind::Decision => {
                let slots = game.infoset_slots(game.node_infoset(node) as usize);
                for (c, s) in game.children(node).zip(slots) {
                    reach[c] = r * strategy[s];
                }
            }
        }
    }
    Ok(value)
}

/// A best response of one player and its value.
#[derive(Debug, Clone)]
pub struct BestResponse {
    /// The responder's expected payoff when best-responding.
    pub value: f64,
    /// A pure behaviour strategy over all slots: the responder's infosets hold the best
    /// response (ties to the lowest action); the other players' infosets copy the input.
    pub strategy: Vec<f64>,
}

/// Realisations of every player's sequences under `strategy`.
pub(crate) fn realizations(game: &ExtensiveGame, strategy: &[f64]) -> Vec<Vec<f64>> {
    let sf = game.sequence_form();
    (0..game.num_players())
        .map(|p| {
            let mut x = vec![0.0; sf.num_sequences(p)];
            sf.realization(game, p, strategy, &mut x);
            x
        })
        .collect()
}

/// The best-response value of `player` against the realisations `x` of the others, and the
/// player's own value under `x[player]` (read off the gradient before it is pulled up).
pub(crate) fn best_response_value(
    game: &ExtensiveGame,
    player: usize,
    x: &[Vec<f64>],
    argmax: Option<&mut [f64]>,
) -> (f64, f64) {
    let sf = game.sequence_form();
    let others: Vec<&[f64]> = x.iter().map(|v| v.as_slice()).collect();
    let mut g = vec![0.0; sf.num_sequences(player)];
    let mut infoset_value = vec![0.0; game.player_infosets(player).len()];
    let (value, own_value) = sf.pass(
        game,
        player,
        &others,
        Some(&x[player]),
        &mut g,
        &mut infoset_value,
        |_, v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    if let Some(out) = argmax {
        let off = sf.slot_offset[player] as usize;
        for i in game.player_infosets(player) {
            let s = game.infoset_slots(i);
            let values = &g[s.start - off + 1..s.end - off + 1];
            let mut best = 0;
            for (k, &v) in values.iter().enumerate() {
                if v > values[best] {
                    best = k;
                }
            }
            out[s.clone()].fill(0.0);
            out[s.start + best] = 1.0;
        }
    }
    (value, own_value)
}

/// A best response of `player` to the others' parts of `strategy`.
pub fn best_response(
    game: &ExtensiveGame,
    strategy: &[f64],
    player: usize,
) -> Result<BestResponse> {
    require_perfect_recall(game)?;
    check_behavior(game, "strategy", strategy)?;
    if player >= game.num_players() {
        return Err(Error::invalid(
            "player",
            format!("a player index in 0..{}", game.num_players()),
            player,
        ));
    }
    let x = realizations(game, strategy);
    let mut out = strategy.to_vec();
    let (value, _) = best_response_value(game, player, &x, Some(&mut out));
    Ok(BestResponse {
        value,
        strategy: out,
    })
}

/// NashConv of a profile with its parts.
#[derive(Debug, Clone)]
pub struct NashConv {
    /// `Σ_p (best-response value_p - value_p)`; 0 exactly at a Nash equilibrium.
    pub nash_conv: f64,
    /// Each player's best-response value against the others.
    pub best_response_values: Vec<f64>,
    /// Each player's expected payoff under the profile.
    pub values: Vec<f64>,
}

impl NashConv {
    /// OpenSpiel's exploitability: NashConv divided by the number of players.
    pub fn exploitability(&self) -> f64 {
        self.nash_conv / self.values.len() as f64
    }
}

/// NashConv of `strategy` (one best response per player, in the sequence form).
pub fn nash_conv(game: &ExtensiveGame, strategy: &[f64]) -> Result<NashConv> {
    require_perfect_recall(game)?;
    check_behavior(game, "strategy", strategy)?;
    Ok(nash_conv_unchecked(game, strategy))
}

/// [`nash_conv`] without validation, for solvers that produce valid strategies themselves.
pub(crate) fn nash_conv_unchecked(game: &ExtensiveGame, strategy: &[f64]) -> NashConv {
    let x = realizations(game, strategy);
    let np = game.num_players();
    let (best_response_values, values): (Vec<f64>, Vec<f64>) = (0..np)
        .map(|p| best_response_value(game, p, &x, None))
        .unzip();
    let nash_conv = best_response_values
        .iter()
        .zip(&values)
        .map(|(b, v)| b - v)
        .sum();
    NashConv {
        nash_conv,
        best_response_values,
        values,
    }
}
