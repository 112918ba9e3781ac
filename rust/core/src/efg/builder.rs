//! [`TreeBuilder`]: the one way to make an [`ExtensiveGame`], used by the Python builder, the
//! array constructor, the Gambit reader and the built-in games.
//!
//! Nodes are added parent first: each new node names its parent and the action it hangs from, so
//! a builder can never hold a cycle. [`TreeBuilder::build`] checks that every action has a child,
//! orders the nodes breadth-first and the infosets by player and own depth, and derives the
//! sequence form.

use super::game::{ExtensiveGame, NodeKind, NONE};
use super::sequence::SequenceForm;
use crate::error::{Error, Result};

/// Index of a node inside a [`TreeBuilder`] (not the final game's index).
pub type NodeId = usize;
/// Index of an infoset inside a [`TreeBuilder`].
pub type InfosetId = usize;

/// Relative tolerance on chance probabilities summing to one; within it they are renormalised.
pub const CHANCE_SUM_TOLERANCE: f64 = 1e-6;

#[derive(Debug, Clone)]
struct InfosetSpec {
    player: u32,
    label: String,
    actions: Vec<String>,
    used: bool,
}

/// Incremental builder of an [`ExtensiveGame`].
#[derive(Debug, Clone)]
pub struct TreeBuilder {
    num_players: usize,
    title: String,
    comment: String,
    player_names: Vec<String>,
    kind: Vec<NodeKind>,
    parent: Vec<u32>,
    /// Decision: infoset; chance: first outcome index; terminal: terminal index.
    data: Vec<u32>,
    arity: Vec<u32>,
    /// Offset of the node's child table in `child`.
    child_start: Vec<u32>,
    child: Vec<u32>,
    node_label: Vec<Box<str>>,
    outcome_prob: Vec<f64>,
    outcome_label: Vec<Box<str>>,
    payoffs: Vec<f64>,
    infosets: Vec<InfosetSpec>,
}

impl TreeBuilder {
    /// An empty game for `num_players` players (at least one).
    pub fn new(num_players: usize) -> Result<Self> {
        if num_players == 0 || num_players > u16::MAX as usize {
            return Err(Error::invalid(
                "num_players",
                "between 1 and 65535 players",
                num_players,
            ));
        }
        Ok(TreeBuilder {
            num_players,
            title: String::new(),
            comment: String::new(),
            player_names: (1..=num_players).map(|p| format!("Player {p}")).collect(),
            kind: Vec::new(),
            parent: Vec::new(),
            data: Vec::new(),
            arity: Vec::new(),
            child_start: Vec::new(),
            child: Vec::new(),
            node_label: Vec::new(),
            outcome_prob: Vec::new(),
            outcome_label: Vec::new(),
            payoffs: Vec::new(),
            infosets: Vec::new(),
        })
    }

    /// Number of players.
    pub fn num_players(&self) -> usize {
        self.num_players
    }

    /// Number of nodes added so far.
    pub fn num_nodes(&self) -> usize {
        self.kind.len()
    }

    /// Sets the game's title.
    pub fn set_title(&mut self, title: impl Into<String>) {
        self.title = title.into();
    }

    /// Sets the game's description (Gambit files carry one).
    pub fn set_comment(&mut self, comment: impl Into<String>) {
        self.comment = comment.into();
    }

    /// Sets the players' names (one per player).
    pub fn set_player_names(&mut self, names: Vec<String>) -> Result<()> {
        if names.len() != self.num_players {
            return Err(Error::invalid(
                "player_names",
                format!("{} names", self.num_players),
                names.len(),
            ));
        }
        self.player_names = names;
        Ok(())
    }

    /// Names `node` (kept in Gambit output; has no effect on solving).
    pub fn set_node_label(&mut self, node: NodeId, label: impl Into<String>) -> Result<()> {
        self.check_node("node", node)?;
        self.node_label[node] = label.into().into_boxed_str();
        Ok(())
    }

    /// Declares a new infoset of `player` with the given action labels (at least one action).
    pub fn add_infoset(
        &mut self,
        player: usize,
        label: impl Into<String>,
        actions: Vec<String>,
    ) -> Result<InfosetId> {
        let label = label.into();
        if player >= self.num_players {
            return Err(Error::invalid(
                "player",
                format!("a player index in 0..{}", self.num_players),
                format!("{player} (infoset {label:?})"),
            ));
        }
        if actions.is_empty() {
            return Err(Error::invalid(
                "actions",
                "at least one action",
                format!("none (infoset {label:?})"),
            ));
        }
        self.infosets.push(InfosetSpec {
            player: player as u32,
            label,
            actions,
            used: false,
        });
        Ok(self.infosets.len() - 1)
    }

    /// Number of infosets declared so far.
    pub fn num_infosets(&self) -> usize {
        self.infosets.len()
    }

    /// The player and number of actions of a declared infoset.
    pub fn infoset_signature(&self, infoset: InfosetId) -> Option<(usize, usize)> {
        self.infosets
            .get(infoset)
            .map(|s| (s.player as usize, s.actions.len()))
    }

    /// Adds a decision node at `infoset`, as the root (`parent = None`) or as the child reached by
    /// `action` at `parent`.
    pub fn add_decision(
        &mut self,
        parent: Option<(NodeId, usize)>,
        infoset: InfosetId,
    ) -> Result<NodeId> {
        let Some(spec) = self.infosets.get_mut(infoset) else {
            return Err(Error::invalid(
                "infoset",
                "an infoset declared with add_infoset",
                infoset,
            ));
        };
        spec.used = true;
        let arity = spec.actions.len();
        self.push_node(parent, NodeKind::Decision, infoset as u32, arity)
    }

    /// Adds a chance node with `(label, probability)` outcomes: probabilities finite, non-negative
    /// and summing to one (within [`CHANCE_SUM_TOLERANCE`], then renormalised).
    pub fn add_chance(
        &mut self,
        parent: Option<(NodeId, usize)>,
        outcomes: Vec<(String, f64)>,
    ) -> Result<NodeId> {
        let node_name = self.kind.len();
        if outcomes.is_empty() {
            return Err(Error::invalid(
                "chance outcomes",
                "at least one outcome",
                format!("none (node {node_name})"),
            ));
        }
        let mut total = 0.0;
        for (label, p) in &outcomes {
            if !p.is_finite() || *p < 0.0 {
                return Err(Error::invalid(
                    "chance probabilities",
                    "finite non-negative probabilities",
                    format!("{p} for outcome {label:?} of node {node_name}"),
                ));
            }
            total += p;
        }
        if (total - 1.0).abs() > CHANCE_SUM_TOLERANCE {
            return Err(Error::invalid(
                "chance probabilities",
                "probabilities summing to 1",
                format!("a sum of {total} at node {node_name}"),
            ));
        }
        let first = self.outcome_prob.len() as u32;
        let arity = outcomes.len();
        // Renormalise only sums off by more than rounding, so that reading back a written game
        // (whose probabilities sum to 1 up to rounding) reproduces it bit for bit.
        let scale = if (total - 1.0).abs() <= arity as f64 * f64::EPSILON {
            1.0
        } else {
            total
        };
        for (label, p) in outcomes {
            self.outcome_prob.push(p / scale);
            self.outcome_label.push(label.into_boxed_str());
        }
        match self.push_node(parent, NodeKind::Chance, first, arity) {
            Ok(node) => Ok(node),
            Err(e) => {
                self.outcome_prob.truncate(first as usize);
                self.outcome_label.truncate(first as usize);
                Err(e)
            }
        }
    }

    /// Adds a terminal node with one finite payoff per player.
    pub fn add_terminal(
        &mut self,
        parent: Option<(NodeId, usize)>,
        payoffs: &[f64],
    ) -> Result<NodeId> {
        let node_name = self.kind.len();
        if payoffs.len() != self.num_players {
            return Err(Error::invalid(
                "payoffs",
                format!("{} payoffs (one per player)", self.num_players),
                format!("{} at node {node_name}", payoffs.len()),
            ));
        }
        if let Some(bad) = payoffs.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "payoffs",
                "finite payoffs",
                format!("{bad} at node {node_name}"),
            ));
        }
        let terminal = (self.payoffs.len() / self.num_players) as u32;
        let node = self.push_node(parent, NodeKind::Terminal, terminal, 0)?;
        self.payoffs.extend_from_slice(payoffs);
        Ok(node)
    }

    fn check_node(&self, argument: &str, node: NodeId) -> Result<()> {
        if node >= self.kind.len() {
            return Err(Error::invalid(
                argument,
                format!("a node index in 0..{}", self.kind.len()),
                node,
            ));
        }
        Ok(())
    }

    fn push_node(
        &mut self,
        parent: Option<(NodeId, usize)>,
        kind: NodeKind,
        data: u32,
        arity: usize,
    ) -> Result<NodeId> {
        let id = self.kind.len();
        if id >= (NONE - 1) as usize {
            return Err(Error::invalid("nodes", "fewer than 2^32 - 1 nodes", id));
        }
        let parent_index = match parent {
            None => {
                if id != 0 {
                    return Err(Error::invalid(
                        "parent",
                        "a parent for every node but the first (the root)",
                        format!("no parent for node {id}"),
                    ));
                }
                NONE
            }
            Some((p, action)) => {
                self.check_node("parent", p)?;
                if action >= self.arity[p] as usize {
                    return Err(Error::invalid(
                        "action",
                        format!("an action index in 0..{} of node {p}", self.arity[p]),
                        action,
                    ));
                }
                let slot = self.child_start[p] as usize + action;
                if self.child[slot] != NONE {
                    return Err(Error::invalid(
                        "parent",
                        format!("a free action at node {p}"),
                        format!("action {action} already leads to node {}", self.child[slot]),
                    ));
                }
                self.child[slot] = id as u32;
                p as u32
            }
        };
        self.kind.push(kind);
        self.parent.push(parent_index);
        self.data.push(data);
        self.arity.push(arity as u32);
        self.child_start.push(self.child.len() as u32);
        self.child.extend(std::iter::repeat_n(NONE, arity));
        self.node_label.push(Box::from(""));
        Ok(id)
    }

    /// Validates the tree and returns the flat game.
    pub fn build(self) -> Result<ExtensiveGame> {
        let n = self.kind.len();
        if n == 0 {
            return Err(Error::invalid("game", "at least one node", "an empty tree"));
        }
        if let Some(slot) = self.child.iter().position(|&c| c == NONE) {
            let node = self.child_start.partition_point(|&s| s as usize <= slot) - 1;
            let action = slot - self.child_start[node] as usize;
            return Err(Error::invalid(
                "game",
                "a child for every action",
                format!("node {node} has no child for action {action}"),
            ));
        }
        if let Some(i) = self.infosets.iter().position(|s| !s.used) {
            return Err(Error::invalid(
                "infosets",
                "every declared infoset to have at least one node",
                format!("infoset {i} ({:?}) has none", self.infosets[i].label),
            ));
        }
        let np = self.num_players;

        // Breadth-first order: children of a node become contiguous, in action order.
        let mut order: Vec<u32> = Vec::with_capacity(n);
        order.push(0);
        let mut head = 0;
        while head < order.len() {
            let old = order[head] as usize;
            head += 1;
            let start = self.child_start[old] as usize;
            order.extend_from_slice(&self.child[start..start + self.arity[old] as usize]);
        }
        debug_assert_eq!(order.len(), n);

        // Infoset order: by player, then depth-first (preorder) through the player's own
        // sequence tree, siblings in order of first appearance breadth-first. Every subtree of
        // the sequence tree is then a contiguous range of infosets and slots, which is what lets
        // sequence-form passes hand whole subtrees to worker threads.
        let ni = self.infosets.len();
        let mut old_slot_start = Vec::with_capacity(ni + 1);
        old_slot_start.push(0u32);
        for s in &self.infosets {
            old_slot_start.push(old_slot_start.last().unwrap() + s.actions.len() as u32);
        }
        let num_old_slots = *old_slot_start.last().unwrap() as usize;
        // By old node: 1 + old slot of each player's last action (0: none yet).
        let mut own_last = vec![0u32; n * np];
        // By old infoset: 1 + old slot of the own action leading to its first node.
        let mut infoset_parent = vec![u32::MAX; ni];
        let mut first_seen: Vec<u32> = Vec::with_capacity(ni);
        for &old in &order {
            let old = old as usize;
            if self.kind[old] == NodeKind::Decision {
                let i = self.data[old] as usize;
                let p = self.infosets[i].player as usize;
                if infoset_parent[i] == u32::MAX {
                    infoset_parent[i] = own_last[old * np + p];
                    first_seen.push(i as u32);
                }
            }
            let start = self.child_start[old] as usize;
            for a in 0..self.arity[old] as usize {
                let c = self.child[start + a] as usize;
                own_last.copy_within(old * np..old * np + np, c * np);
                if self.kind[old] == NodeKind::Decision {
                    let i = self.data[old] as usize;
                    let p = self.infosets[i].player as usize;
                    own_last[c * np + p] = old_slot_start[i] + a as u32 + 1;
                }
            }
        }
        drop(own_last);
        // Children of each (1 + old slot) in order of first appearance; roots per player.
        let mut kids_ptr = vec![0u32; num_old_slots + 2];
        let mut roots: Vec<Vec<u32>> = vec![Vec::new(); np];
        for &i in &first_seen {
            match infoset_parent[i as usize] {
                0 => roots[self.infosets[i as usize].player as usize].push(i),
                s => kids_ptr[s as usize + 1] += 1,
            }
        }
        for s in 0..=num_old_slots {
            kids_ptr[s + 1] += kids_ptr[s];
        }
        let mut fill = kids_ptr.clone();
        let mut kids = vec![0u32; kids_ptr[num_old_slots + 1] as usize];
        for &i in &first_seen {
            let s = infoset_parent[i as usize] as usize;
            if s != 0 {
                kids[fill[s] as usize] = i;
                fill[s] += 1;
            }
        }
        let mut infoset_order: Vec<u32> = Vec::with_capacity(ni);
        let mut stack: Vec<u32> = Vec::new();
        for player_roots in &roots {
            stack.extend(player_roots.iter().rev());
            while let Some(i) = stack.pop() {
                infoset_order.push(i);
                let slots = old_slot_start[i as usize] as usize + 1
                    ..old_slot_start[i as usize + 1] as usize + 1;
                for s in slots.rev() {
                    stack.extend(
                        kids[kids_ptr[s] as usize..kids_ptr[s + 1] as usize]
                            .iter()
                            .rev(),
                    );
                }
            }
        }
        debug_assert_eq!(infoset_order.len(), ni);
        let mut new_infoset = vec![0u32; ni];
        for (new, &old) in infoset_order.iter().enumerate() {
            new_infoset[old as usize] = new as u32;
        }

        let mut infoset_player = Vec::with_capacity(ni);
        let mut infoset_slots = Vec::with_capacity(ni + 1);
        let mut infoset_label = Vec::with_capacity(ni);
        let mut action_label = Vec::new();
        let mut player_infosets = vec![0u32; np + 1];
        infoset_slots.push(0u32);
        let mut infosets = self.infosets;
        for &old in &infoset_order {
            let spec = &mut infosets[old as usize];
            infoset_player.push(spec.player);
            player_infosets[spec.player as usize + 1] += 1;
            action_label.append(&mut spec.actions);
            infoset_slots.push(action_label.len() as u32);
            infoset_label.push(std::mem::take(&mut spec.label));
        }
        for p in 0..np {
            player_infosets[p + 1] += player_infosets[p];
        }

        // Nodes in breadth-first order.
        let mut new_index = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            new_index[old as usize] = new as u32;
        }
        let mut kind = Vec::with_capacity(n);
        let mut parent = Vec::with_capacity(n);
        let mut first_child = Vec::with_capacity(n);
        let mut num_children = Vec::with_capacity(n);
        let mut node_infoset = Vec::with_capacity(n);
        let mut chance_prob = vec![1.0; n];
        let mut chance_label: Vec<Box<str>> = vec![Box::from(""); n];
        let mut node_terminal = Vec::with_capacity(n);
        let mut node_label = Vec::with_capacity(n);
        let mut terminal_node = Vec::new();
        let mut payoffs = Vec::with_capacity(self.payoffs.len());
        let mut outcome_label = self.outcome_label;
        let mut node_labels = self.node_label;
        for &old in &order {
            let old = old as usize;
            let k = self.kind[old];
            kind.push(k);
            parent.push(match self.parent[old] {
                NONE => NONE,
                p => new_index[p as usize],
            });
            let arity = self.arity[old] as usize;
            num_children.push(arity as u32);
            let start = self.child_start[old] as usize;
            first_child.push(if arity > 0 {
                new_index[self.child[start] as usize]
            } else {
                NONE
            });
            node_label.push(std::mem::take(&mut node_labels[old]));
            match k {
                NodeKind::Decision => {
                    node_infoset.push(new_infoset[self.data[old] as usize]);
                    node_terminal.push(NONE);
                }
                NodeKind::Chance => {
                    node_infoset.push(NONE);
                    node_terminal.push(NONE);
                    let first = self.data[old] as usize;
                    for a in 0..arity {
                        let c = new_index[self.child[start + a] as usize] as usize;
                        chance_prob[c] = self.outcome_prob[first + a];
                        chance_label[c] = std::mem::take(&mut outcome_label[first + a]);
                    }
                }
                NodeKind::Terminal => {
                    node_infoset.push(NONE);
                    node_terminal.push(terminal_node.len() as u32);
                    terminal_node.push(new_index[old]);
                    let t = self.data[old] as usize;
                    payoffs.extend_from_slice(&self.payoffs[t * np..(t + 1) * np]);
                }
            }
        }

        let mut game = ExtensiveGame {
            num_players: np,
            title: self.title,
            comment: self.comment,
            player_names: self.player_names,
            kind,
            parent,
            first_child,
            num_children,
            node_infoset,
            chance_prob,
            node_terminal,
            chance_label,
            node_label,
            terminal_node,
            payoffs,
            infoset_player,
            infoset_slots,
            player_infosets,
            infoset_label,
            action_label,
            sequence_form: SequenceForm::default(),
        };
        game.sequence_form = SequenceForm::build(&game);
        Ok(game)
    }
}
