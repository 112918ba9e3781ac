//! Building a game from parent arrays (the vectorised constructor behind
//! `ExtensiveGame.from_arrays`): nodes in any order, validated and fed to a [`TreeBuilder`].

use super::builder::TreeBuilder;
use super::game::ExtensiveGame;
use crate::error::{Error, Result};
use std::collections::HashMap;

/// `player` value of a chance node.
pub const CHANCE: i64 = -1;
/// `player` value of a terminal node.
pub const TERMINAL: i64 = -2;

/// A game described node by node in parallel arrays (any node order).
#[derive(Debug, Clone, Default)]
pub struct GameArrays<'a> {
    /// Number of players.
    pub num_players: usize,
    /// Parent of each node, `-1` for the root (exactly one).
    pub parent: &'a [i64],
    /// Acting player (`>= 0`), [`CHANCE`] or [`TERMINAL`] per node.
    pub player: &'a [i64],
    /// Infoset key of each decision node (ignored elsewhere).
    pub infoset: &'a [i64],
    /// Index of the action at the parent leading to each node (ignored for the root).
    pub action: &'a [i64],
    /// Probability of the chance edge into each node (read only below chance nodes).
    pub chance_prob: &'a [f64],
    /// `num_nodes x num_players` payoffs, read at terminal nodes.
    pub payoffs: &'a [f64],
    /// Optional infoset labels by key (default: the key).
    pub infoset_labels: HashMap<i64, String>,
    /// Optional action labels by infoset key (default: `"0"`, `"1"`, ...).
    pub action_labels: HashMap<i64, Vec<String>>,
    /// Optional label of the chance outcome leading into each node (empty: no labels).
    pub chance_labels: Vec<String>,
}

fn kind_name(player: i64) -> &'static str {
    match player {
        CHANCE => "chance",
        TERMINAL => "terminal",
        _ => "decision",
    }
}

impl GameArrays<'_> {
    /// Validates the arrays and builds the game.
    pub fn build(&self) -> Result<ExtensiveGame> {
        let n = self.parent.len();
        let np = self.num_players;
        if n == 0 {
            return Err(Error::invalid(
                "parent",
                "at least one node",
                "an empty array",
            ));
        }
        for (name, len) in [
            ("player", self.player.len()),
            ("infoset", self.infoset.len()),
            ("action", self.action.len()),
            ("chance_prob", self.chance_prob.len()),
        ] {
            if len != n {
                return Err(Error::invalid(
                    name,
                    format!("{n} entries (one per node)"),
                    len,
                ));
            }
        }
        if !self.chance_labels.is_empty() && self.chance_labels.len() != n {
            return Err(Error::invalid(
                "chance_labels",
                format!("{n} labels (one per node)"),
                self.chance_labels.len(),
            ));
        }
        if self.payoffs.len() != n * np {
            return Err(Error::invalid(
                "payoffs",
                format!("{n} x {np} payoffs"),
                format!("{} values", self.payoffs.len()),
            ));
        }
        let mut root = None;
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (v, &p) in self.parent.iter().enumerate() {
            let who = self.player[v];
            if who < TERMINAL || who >= np as i64 {
                return Err(Error::invalid(
                    "player",
                    format!("a player in 0..{np}, -1 (chance) or -2 (terminal)"),
                    format!("{who} at node {v}"),
                ));
            }
            if p == -1 {
                if let Some(r) = root {
                    return Err(Error::invalid(
                        "parent",
                        "exactly one root (parent -1)",
                        format!("nodes {r} and {v}"),
                    ));
                }
                root = Some(v);
            } else if p < 0 || p >= n as i64 || p as usize == v {
                return Err(Error::invalid(
                    "parent",
                    format!("-1 or another node's index in 0..{n}"),
                    format!("{p} at node {v}"),
                ));
            } else {
                children[p as usize].push(v as u32);
            }
        }
        let Some(root) = root else {
            return Err(Error::invalid(
                "parent",
                "exactly one root (parent -1)",
                "none",
            ));
        };
        // Children in action order; the actions of a node must be exactly 0..k.
        for (v, kids) in children.iter_mut().enumerate() {
            let kind = kind_name(self.player[v]);
            if self.player[v] == TERMINAL && !kids.is_empty() {
                return Err(Error::invalid(
                    "parent",
                    "no children below terminal nodes",
                    format!("terminal node {v} has {} children", kids.len()),
                ));
            }
            if self.player[v] != TERMINAL && kids.is_empty() {
                return Err(Error::invalid(
                    "parent",
                    "at least one child below every chance and decision node",
                    format!("{kind} node {v} has none"),
                ));
            }
            if self.player[v] == CHANCE {
                let probs = kids.iter().map(|&c| self.chance_prob[c as usize]);
                if let Some(bad) = probs.clone().find(|p| !p.is_finite() || *p < 0.0) {
                    return Err(Error::invalid(
                        "chance_prob",
                        "finite non-negative probabilities",
                        format!("{bad} below chance node {v}"),
                    ));
                }
                let sum: f64 = probs.sum();
                if (sum - 1.0).abs() > super::builder::CHANCE_SUM_TOLERANCE {
                    return Err(Error::invalid(
                        "chance_prob",
                        "the probabilities below every chance node to sum to 1",
                        format!("a sum of {sum} below chance node {v}"),
                    ));
                }
            }
            kids.sort_by_key(|&c| self.action[c as usize]);
            for (k, &c) in kids.iter().enumerate() {
                if self.action[c as usize] != k as i64 {
                    return Err(Error::invalid(
                        "action",
                        format!(
                            "the children of node {v} to carry actions 0..{}",
                            kids.len()
                        ),
                        format!("action {} at node {c}", self.action[c as usize]),
                    ));
                }
            }
        }
        // Breadth-first from the root; whatever is not reached hangs in a cycle.
        let mut order = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        order.push(root as u32);
        seen[root] = true;
        let mut head = 0;
        while head < order.len() {
            let v = order[head] as usize;
            head += 1;
            for &c in &children[v] {
                seen[c as usize] = true;
                order.push(c);
            }
        }
        if let Some(v) = seen.iter().position(|s| !s) {
            return Err(Error::invalid(
                "parent",
                "every node to descend from the root",
                format!("node {v} is on a cycle"),
            ));
        }

        let mut builder = TreeBuilder::new(np)?;
        let mut infosets: HashMap<i64, (usize, usize)> = HashMap::new(); // key -> (id, first node)
        let mut id_of = vec![0usize; n];
        for &v in &order {
            let v = v as usize;
            let parent = match self.parent[v] {
                -1 => None,
                p => Some((id_of[p as usize], self.action[v] as usize)),
            };
            let k = children[v].len();
            id_of[v] = match self.player[v] {
                TERMINAL => builder.add_terminal(parent, &self.payoffs[v * np..(v + 1) * np])?,
                CHANCE => {
                    let outcomes = children[v]
                        .iter()
                        .map(|&c| {
                            let label = self
                                .chance_labels
                                .get(c as usize)
                                .cloned()
                                .unwrap_or_default();
                            (label, self.chance_prob[c as usize])
                        })
                        .collect();
                    builder.add_chance(parent, outcomes)?
                }
                player => {
                    let key = self.infoset[v];
                    let id = match infosets.get(&key) {
                        Some(&(id, first)) => {
                            let (p0, k0) = builder.infoset_signature(id).unwrap_or((0, 0));
                            if p0 as i64 != player || k0 != k {
                                return Err(Error::invalid(
                                    "infoset",
                                    format!(
                                        "every node of infoset {key} to have the same player and actions"
                                    ),
                                    format!(
                                        "player {player} with {k} actions at node {v}, player {p0} \
                                         with {k0} at node {first}"
                                    ),
                                ));
                            }
                            id
                        }
                        None => {
                            let label = self
                                .infoset_labels
                                .get(&key)
                                .cloned()
                                .unwrap_or_else(|| key.to_string());
                            let actions = match self.action_labels.get(&key) {
                                Some(a) if a.len() == k => a.clone(),
                                Some(a) => {
                                    return Err(Error::invalid(
                                        "action_labels",
                                        format!("{k} labels for infoset {key}"),
                                        a.len(),
                                    ))
                                }
                                None => (0..k).map(|a| a.to_string()).collect(),
                            };
                            let id = builder.add_infoset(player as usize, label, actions)?;
                            infosets.insert(key, (id, v));
                            id
                        }
                    };
                    builder.add_decision(parent, id)?
                }
            };
        }
        builder.build()
    }
}
