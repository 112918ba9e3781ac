//! The flat extensive-form game: a struct-of-arrays tree with infosets owning contiguous slots.
//!
//! Nodes are stored in breadth-first order from the root, so every parent precedes its children
//! and the children of a node are contiguous (`first_child .. first_child + num_children`, in
//! action order). Infosets are grouped by player and, within a player, ordered by their depth in
//! that player's own sequence tree, so every infoset comes after the infoset whose action leads to
//! it. Each infoset owns the slots `infoset_slots[i] .. infoset_slots[i + 1]`, one per action;
//! strategies, regrets and averages are flat `f64` arrays indexed by slot.
//!
//! A game is built only through [`crate::efg::TreeBuilder`] (or the readers and generators that
//! use it), which validates it; the fields are therefore always consistent.

use super::sequence::SequenceForm;

/// What happens at a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeKind {
    /// Nature draws a child with fixed probabilities.
    Chance = 0,
    /// A player chooses an action at the node's infoset.
    Decision = 1,
    /// The game ends and every player receives a payoff.
    Terminal = 2,
}

/// Marks "no such index" in the `u32` index arrays (the root's parent, a terminal's infoset).
pub const NONE: u32 = u32::MAX;

/// A validated finite extensive-form game with any number of players.
#[derive(Debug, Clone)]
pub struct ExtensiveGame {
    pub(crate) num_players: usize,
    pub(crate) title: String,
    pub(crate) comment: String,
    pub(crate) player_names: Vec<String>,
    // ---- nodes (breadth-first order) ----
    pub(crate) kind: Vec<NodeKind>,
    pub(crate) parent: Vec<u32>,
    pub(crate) first_child: Vec<u32>,
    pub(crate) num_children: Vec<u32>,
    /// Decision nodes: their infoset; other nodes: [`NONE`].
    pub(crate) node_infoset: Vec<u32>,
    /// Probability of the edge from a chance parent into this node; 1 for every other node.
    pub(crate) chance_prob: Vec<f64>,
    /// Terminal nodes: their terminal index; other nodes: [`NONE`].
    pub(crate) node_terminal: Vec<u32>,
    /// Label of the chance outcome leading into the node (empty when the parent is not chance).
    pub(crate) chance_label: Vec<Box<str>>,
    /// Optional node names (Gambit keeps them); empty when unnamed.
    pub(crate) node_label: Vec<Box<str>>,
    // ---- terminals ----
    pub(crate) terminal_node: Vec<u32>,
    /// `num_terminals x num_players`, terminal-major.
    pub(crate) payoffs: Vec<f64>,
    // ---- infosets ----
    pub(crate) infoset_player: Vec<u32>,
    /// Prefix offsets: infoset `i` owns slots `infoset_slots[i] .. infoset_slots[i + 1]`.
    pub(crate) infoset_slots: Vec<u32>,
    /// Prefix offsets: player `p` owns infosets `player_infosets[p] .. player_infosets[p + 1]`.
    pub(crate) player_infosets: Vec<u32>,
    pub(crate) infoset_label: Vec<String>,
    pub(crate) action_label: Vec<String>,
    // ---- derived ----
    pub(crate) sequence_form: SequenceForm,
}

impl ExtensiveGame {
    /// Number of players (chance excluded).
    pub fn num_players(&self) -> usize {
        self.num_players
    }

    /// Number of nodes: chance, decision and terminal (OpenSpiel's "histories").
    pub fn num_nodes(&self) -> usize {
        self.kind.len()
    }

    /// Number of information sets over all players.
    pub fn num_infosets(&self) -> usize {
        self.infoset_player.len()
    }

    /// Number of terminal nodes.
    pub fn num_terminals(&self) -> usize {
        self.terminal_node.len()
    }

    /// Number of action slots over all infosets (the length of a behaviour strategy).
    pub fn num_slots(&self) -> usize {
        self.action_label.len()
    }

    /// The game's title (Gambit keeps one; empty otherwise).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The game's description (Gambit keeps one; empty otherwise).
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// The players' names (Gambit keeps them; `"Player 1"`, ... otherwise).
    pub fn player_names(&self) -> &[String] {
        &self.player_names
    }

    /// What happens at `node`.
    pub fn kind(&self, node: usize) -> NodeKind {
        self.kind[node]
    }

    /// The parent of `node` ([`NONE`] for the root, node 0).
    pub fn parent(&self, node: usize) -> u32 {
        self.parent[node]
    }

    /// The children of `node`, in action order.
    pub fn children(&self, node: usize) -> std::ops::Range<usize> {
        let first = self.first_child[node] as usize;
        first..first + self.num_children[node] as usize
    }

    /// The infoset of a decision node ([`NONE`] otherwise).
    pub fn node_infoset(&self, node: usize) -> u32 {
        self.node_infoset[node]
    }

    /// The acting player at a decision node, `None` at chance and terminal nodes.
    pub fn node_player(&self, node: usize) -> Option<usize> {
        match self.node_infoset[node] {
            NONE => None,
            i => Some(self.infoset_player[i as usize] as usize),
        }
    }

    /// Probability of the chance edge into `node` (1 when its parent is not a chance node).
    pub fn chance_prob(&self, node: usize) -> f64 {
        self.chance_prob[node]
    }

    /// Label of the chance outcome leading into `node` (empty when its parent is not chance).
    pub fn chance_label(&self, node: usize) -> &str {
        &self.chance_label[node]
    }

    /// Name of `node` (empty when unnamed).
    pub fn node_label(&self, node: usize) -> &str {
        &self.node_label[node]
    }

    /// The terminal index of a terminal node ([`NONE`] otherwise).
    pub fn node_terminal(&self, node: usize) -> u32 {
        self.node_terminal[node]
    }

    /// The node of terminal `terminal`.
    pub fn terminal_node(&self, terminal: usize) -> usize {
        self.terminal_node[terminal] as usize
    }

    /// Every player's payoff at terminal `terminal`.
    pub fn terminal_payoffs(&self, terminal: usize) -> &[f64] {
        &self.payoffs[terminal * self.num_players..(terminal + 1) * self.num_players]
    }

    /// All payoffs, `num_terminals x num_players`, terminal-major.
    pub fn payoffs(&self) -> &[f64] {
        &self.payoffs
    }

    /// The player who acts at `infoset`.
    pub fn infoset_player(&self, infoset: usize) -> usize {
        self.infoset_player[infoset] as usize
    }

    /// The action slots of `infoset`.
    pub fn infoset_slots(&self, infoset: usize) -> std::ops::Range<usize> {
        self.infoset_slots[infoset] as usize..self.infoset_slots[infoset + 1] as usize
    }

    /// Prefix offsets of the infosets' slot ranges (length `num_infosets + 1`).
    pub fn slot_offsets(&self) -> &[u32] {
        &self.infoset_slots
    }

    /// The infosets of `player` (contiguous).
    pub fn player_infosets(&self, player: usize) -> std::ops::Range<usize> {
        self.player_infosets[player] as usize..self.player_infosets[player + 1] as usize
    }

    /// The label of `infoset`.
    pub fn infoset_label(&self, infoset: usize) -> &str {
        &self.infoset_label[infoset]
    }

    /// The label of action slot `slot`.
    pub fn action_label(&self, slot: usize) -> &str {
        &self.action_label[slot]
    }

    /// The sequence-form view used by best responses and CFR.
    pub fn sequence_form(&self) -> &SequenceForm {
        &self.sequence_form
    }

    /// Whether every terminal's payoffs sum to zero (within `1e-9` of their scale).
    pub fn is_zero_sum(&self) -> bool {
        self.payoffs.chunks(self.num_players.max(1)).all(|u| {
            let sum: f64 = u.iter().sum();
            let scale = u.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            sum.abs() <= 1e-9 * scale
        })
    }
}
