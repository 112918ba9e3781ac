//! Built-in extensive-form games, generated to match OpenSpiel's trees exactly.
//!
//! Each generator reproduces the OpenSpiel game node for node: the same chance nodes with the
//! same outcome order and probabilities, the same legal-action order, the same payoffs and the
//! same infoset partition. Infoset labels are OpenSpiel's `information_state_string(player)`,
//! action labels its `action_to_string(player, action)` and chance labels its
//! `action_to_string(CHANCE, outcome)`, so strategies can be compared with OpenSpiel by label.
//! Goofspiel is OpenSpiel's turn-based view of the simultaneous game (what its CFR solves).

pub mod goofspiel;
pub mod kuhn;
pub mod leduc;
pub mod liars_dice;

pub use goofspiel::{goofspiel, PointsOrder};
pub use kuhn::kuhn_poker;
pub use leduc::leduc_poker;
pub use liars_dice::liars_dice;

use crate::efg::{InfosetId, NodeId, TreeBuilder};
use crate::error::Result;
use std::collections::HashMap;

/// Where a new node hangs: `None` for the root, else `(parent, action index)`.
type Parent = Option<(NodeId, usize)>;

/// Declares each infoset once, keyed by its player and label, while a generator walks its tree.
struct Infosets {
    by_player: Vec<HashMap<String, InfosetId>>,
}

impl Infosets {
    fn new(num_players: usize) -> Self {
        Infosets {
            by_player: vec![HashMap::new(); num_players],
        }
    }

    /// Adds a decision node of `player` at the infoset labelled `label` (see [`Self::infoset`]).
    fn decision(
        &mut self,
        builder: &mut TreeBuilder,
        parent: Parent,
        player: usize,
        label: String,
        actions: impl FnOnce() -> Vec<String>,
    ) -> Result<NodeId> {
        let infoset = self.infoset(builder, player, label, actions)?;
        builder.add_decision(parent, infoset)
    }

    /// The infoset of `player` labelled `label`, declared with `actions()` the first time the
    /// label is seen.
    fn infoset(
        &mut self,
        builder: &mut TreeBuilder,
        player: usize,
        label: String,
        actions: impl FnOnce() -> Vec<String>,
    ) -> Result<InfosetId> {
        if let Some(&infoset) = self.by_player[player].get(&label) {
            debug_assert_eq!(
                builder.infoset_signature(infoset),
                Some((player, actions().len())),
                "infoset {label:?} reached with different actions"
            );
            return Ok(infoset);
        }
        let infoset = builder.add_infoset(player, label.clone(), actions())?;
        self.by_player[player].insert(label, infoset);
        Ok(infoset)
    }
}

/// A uniform chance distribution over `labels`.
fn uniform(labels: impl IntoIterator<Item = String>) -> Vec<(String, f64)> {
    let labels: Vec<String> = labels.into_iter().collect();
    let p = 1.0 / labels.len() as f64;
    labels.into_iter().map(|label| (label, p)).collect()
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Checks shared by the games' tests.

    use crate::efg::{ExtensiveGame, NodeKind};

    /// `(nodes, decision, chance, terminal)` counts.
    pub fn counts(game: &ExtensiveGame) -> (usize, usize, usize, usize) {
        let mut c = (game.num_nodes(), 0, 0, 0);
        for n in 0..game.num_nodes() {
            match game.kind(n) {
                NodeKind::Decision => c.1 += 1,
                NodeKind::Chance => c.2 += 1,
                NodeKind::Terminal => c.3 += 1,
            }
        }
        c
    }

    /// Zero-sum payoffs, chance probabilities summing to one, perfect recall.
    pub fn check_well_formed(game: &ExtensiveGame) {
        assert!(game.is_zero_sum());
        for n in 0..game.num_nodes() {
            if game.kind(n) == NodeKind::Chance {
                let sum: f64 = game.children(n).map(|c| game.chance_prob(c)).sum();
                assert!((sum - 1.0).abs() < 1e-12, "chance node {n} sums to {sum}");
            }
        }
        assert_eq!(game.sequence_form().recall_violation(), None);
    }

    /// The infoset labelled `label`, if any.
    pub fn infoset(game: &ExtensiveGame, label: &str) -> Option<usize> {
        (0..game.num_infosets()).find(|&i| game.infoset_label(i) == label)
    }

    /// The action labels of the infoset labelled `label`.
    pub fn actions(game: &ExtensiveGame, label: &str) -> Vec<String> {
        let i = infoset(game, label).unwrap_or_else(|| panic!("no infoset {label:?}"));
        game.infoset_slots(i)
            .map(|s| game.action_label(s).to_string())
            .collect()
    }

    /// The uniform behaviour strategy.
    pub fn uniform(game: &ExtensiveGame) -> Vec<f64> {
        let mut x = vec![0.0; game.num_slots()];
        for i in 0..game.num_infosets() {
            let slots = game.infoset_slots(i);
            let p = 1.0 / slots.len() as f64;
            x[slots].fill(p);
        }
        x
    }
}
