//! The sequence form of a perfect-recall game: every tree pass of CFR and of a best response
//! becomes three flat loops over arrays.
//!
//! A player's *sequences* are the empty sequence (index 0) and one per action slot of their
//! infosets (index `1 + slot - first slot of the player`). For a strategy profile, player `p`'s
//! *realisation* `x_p[s]` is the product of `p`'s own probabilities along sequence `s`. With
//! `w(z) = chance reach × u_p(z)` at terminal `z`, the *gradient* of player `p` is
//! `g_p[s] = Σ_{z: seq_p(z) = s} w(z) Π_{q≠p} x_q[seq_q(z)]`, a sparse matrix-vector product
//! stored as [`SequencePayoff`] (terminals sharing all sequences are merged). Pulling `g` up the
//! player's sequence tree, level by level from the deepest infosets, gives every infoset's
//! counterfactual action values: this is what CFR updates and what a best response maximises.
//!
//! Parallelism comes from the layout: infosets of a player are stored in preorder of the player's
//! sequence tree, so every subtree is a contiguous range of infosets, slots and sequences. The
//! tree is cut into *blocks* (whole subtrees of bounded work) above which a small *spine*
//! remains; a pass runs the blocks concurrently, each computing its gradient rows and pulling
//! them up inside the block, then finishes the spine. The cut depends only on the game, and
//! every value is a sum in a fixed order, so results do not depend on the thread count.

use super::game::{ExtensiveGame, NodeKind, NONE};
use crate::disjoint::Disjoint;
use rayon::prelude::*;
use std::ops::Range;

/// Work (slots plus payoff entries) of a subtree small enough to become one block.
const BLOCK_WORK: usize = 16_384;
/// Least total work of a player's pass worth running blocks on several threads.
const PARALLEL_WORK: usize = 65_536;

/// One player's payoff in sequence form: rows are the player's sequences, and each entry names
/// the other players' sequences (in player order) and carries chance reach × payoff.
#[derive(Debug, Clone, Default)]
pub struct SequencePayoff {
    /// Prefix offsets of each row's entries (length `num_sequences + 1`).
    pub row_ptr: Vec<u32>,
    /// `num_players - 1` sequence indices per entry.
    pub cols: Vec<u32>,
    /// Chance reach × payoff per entry.
    pub weight: Vec<f64>,
}

/// Derived sequence-form data of an [`ExtensiveGame`] (built once with the game).
#[derive(Debug, Clone, Default)]
pub struct SequenceForm {
    /// `None` for a perfect-recall game; otherwise why the game is not one.
    pub(crate) recall_violation: Option<String>,
    /// Per infoset: the own sequence leading to it.
    pub(crate) infoset_parent: Vec<u32>,
    /// Per player: the first global slot of the player's infosets.
    pub(crate) slot_offset: Vec<u32>,
    /// Per player: number of sequences (1 + the player's slots).
    pub(crate) num_sequences: Vec<usize>,
    /// Per player: blocks (whole subtrees, as global infoset ranges) and the spine (the other
    /// infosets, in preorder), with whether the player's passes run in parallel.
    pub(crate) cut: Vec<Cut>,
    /// Per player: the payoff in sequence form.
    pub(crate) payoff: Vec<SequencePayoff>,
}

impl SequenceForm {
    /// Derives the sequence form of `game` (records a recall violation instead of failing).
    pub(crate) fn build(game: &ExtensiveGame) -> Self {
        let np = game.num_players;
        let n = game.num_nodes();
        let ni = game.num_infosets();
        let slot_offset: Vec<u32> = (0..np)
            .map(|p| game.infoset_slots[game.player_infosets[p] as usize])
            .collect();
        let num_sequences: Vec<usize> = (0..np)
            .map(|p| {
                let r = game.player_infosets(p);
                1 + (game.infoset_slots[r.end] - game.infoset_slots[r.start]) as usize
            })
            .collect();

        // Forward pass: every node's own sequence per player and its chance reach.
        let mut seq = vec![0u32; n * np];
        let mut reach = vec![1.0f64; n];
        let mut infoset_parent = vec![NONE; ni];
        let mut recall_violation = None;
        for node in 0..n {
            if game.kind[node] == NodeKind::Decision {
                let i = game.node_infoset[node] as usize;
                let p = game.infoset_player[i] as usize;
                let s = seq[node * np + p];
                if infoset_parent[i] == NONE {
                    infoset_parent[i] = s;
                } else if infoset_parent[i] != s && recall_violation.is_none() {
                    recall_violation = Some(format!(
                        "infoset {i} ({:?}) of player {p} is reached after different own \
                         action sequences (imperfect recall)",
                        game.infoset_label[i]
                    ));
                }
            }
            for c in game.children(node) {
                seq.copy_within(node * np..node * np + np, c * np);
                reach[c] = reach[node] * game.chance_prob[c];
                if game.kind[node] == NodeKind::Decision {
                    let i = game.node_infoset[node] as usize;
                    let p = game.infoset_player[i] as usize;
                    let slot =
                        game.infoset_slots[i] as usize + (c - game.first_child[node] as usize);
                    seq[c * np + p] = slot as u32 - slot_offset[p] + 1;
                }
            }
        }

        // Payoffs in sequence form, entries sorted by (own sequence, others' sequences), merged.
        let mut payoff = Vec::with_capacity(np);
        for p in 0..np {
            let stride = np - 1;
            let mut keys: Vec<u32> = Vec::new();
            let mut weights: Vec<f64> = Vec::new();
            for (t, &node) in game.terminal_node.iter().enumerate() {
                let node = node as usize;
                let w = reach[node] * game.payoffs[t * np + p];
                if w == 0.0 {
                    continue;
                }
                keys.push(seq[node * np + p]);
                for q in (0..np).filter(|&q| q != p) {
                    keys.push(seq[node * np + q]);
                }
                weights.push(w);
            }
            let width = stride + 1;
            let mut order: Vec<u32> = (0..weights.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| {
                let (a, b) = (a as usize * width, b as usize * width);
                keys[a..a + width].cmp(&keys[b..b + width])
            });
            let mut sp = SequencePayoff {
                row_ptr: vec![0u32; num_sequences[p] + 1],
                cols: Vec::with_capacity(order.len() * stride),
                weight: Vec::with_capacity(order.len()),
            };
            let mut last: Option<usize> = None;
            for &e in &order {
                let k = e as usize * width;
                let same = last.is_some_and(|l| keys[l..l + width] == keys[k..k + width]);
                if same {
                    *sp.weight.last_mut().unwrap() += weights[e as usize];
                } else {
                    sp.row_ptr[keys[k] as usize + 1] += 1;
                    sp.cols.extend_from_slice(&keys[k + 1..k + width]);
                    sp.weight.push(weights[e as usize]);
                    last = Some(k);
                }
            }
            for s in 0..num_sequences[p] {
                sp.row_ptr[s + 1] += sp.row_ptr[s];
            }
            payoff.push(sp);
        }

        let cut = (0..np)
            .map(|p| Cut::new(game, p, &infoset_parent, &slot_offset, &payoff[p]))
            .collect();
        SequenceForm {
            recall_violation,
            infoset_parent,
            slot_offset,
            num_sequences,
            cut,
            payoff,
        }
    }

    /// Why the game is not of perfect recall (`None` when it is).
    pub fn recall_violation(&self) -> Option<&str> {
        self.recall_violation.as_deref()
    }

    /// Number of sequences of `player` (the empty sequence included).
    pub fn num_sequences(&self, player: usize) -> usize {
        self.num_sequences[player]
    }

    /// The sequence index of global slot `slot` of `player`.
    pub fn sequence_of_slot(&self, player: usize, slot: usize) -> usize {
        slot - self.slot_offset[player] as usize + 1
    }

    /// The own sequence leading to `infoset` (0 = the empty sequence).
    pub fn infoset_parent(&self, infoset: usize) -> usize {
        self.infoset_parent[infoset] as usize
    }

    /// How `player`'s passes are cut: `(blocks, spine infosets, runs in parallel)`.
    pub fn cut_summary(&self, player: usize) -> (usize, usize, bool) {
        let c = &self.cut[player];
        (c.blocks.len(), c.spine.len(), c.parallel)
    }

    /// The largest `|chance reach × payoff|` of `player`'s sequence-form payoff entries.
    pub fn max_abs_weight(&self, player: usize) -> f64 {
        self.payoff[player]
            .weight
            .iter()
            .fold(0.0f64, |m, w| m.max(w.abs()))
    }

    /// Number of stored payoff entries of `player` (terminals after merging, zeros dropped).
    pub fn num_entries(&self, player: usize) -> usize {
        self.payoff[player].weight.len()
    }

    /// The sequences of `infoset` (its slots shifted into the player's sequence numbering).
    fn sequences(&self, game: &ExtensiveGame, player: usize, infoset: usize) -> Range<usize> {
        let off = self.slot_offset[player] as usize;
        let s = game.infoset_slots(infoset);
        s.start - off + 1..s.end - off + 1
    }

    /// Writes `player`'s realisation of the behaviour strategy `strategy` (indexed by global
    /// slot) into `out` (length `num_sequences(player)`): the spine top-down, then the blocks.
    pub fn realization(
        &self,
        game: &ExtensiveGame,
        player: usize,
        strategy: &[f64],
        out: &mut [f64],
    ) {
        assert_eq!(out.len(), self.num_sequences[player]);
        out[0] = 1.0;
        let x = Disjoint::new(out);
        // SAFETY: infoset `i` writes only its own sequences and reads its parent sequence, which
        // is in the spine (written before the blocks run) or earlier in the same block.
        let fill = |i: usize| unsafe {
            let base = x.get(self.infoset_parent[i] as usize);
            let seqs = self.sequences(game, player, i);
            let slots = game.infoset_slots(i);
            for (o, &sigma) in x.slice(seqs).iter_mut().zip(&strategy[slots]) {
                *o = base * sigma;
            }
        };
        let cut = &self.cut[player];
        for &i in &cut.spine {
            fill(i as usize);
        }
        cut.for_each_block(|block| {
            for i in block {
                fill(i);
            }
            0.0
        });
    }

    /// Computes the gradient rows `rows` of `player` into `g` and returns `Σ own[r] g[r]` over
    /// them (0 without `own`).
    fn gradient_rows(
        &self,
        player: usize,
        others: &[&[f64]],
        own: Option<&[f64]>,
        rows: Range<usize>,
        g: Disjoint<'_>,
    ) -> f64 {
        let sp = &self.payoff[player];
        let np = others.len();
        let mut dot = 0.0;
        for r in rows {
            let (a, b) = (sp.row_ptr[r] as usize, sp.row_ptr[r + 1] as usize);
            let mut acc = 0.0;
            if np == 2 {
                let x = others[1 - player];
                for e in a..b {
                    acc += sp.weight[e] * x[sp.cols[e] as usize];
                }
            } else {
                let stride = np - 1;
                for e in a..b {
                    let mut w = sp.weight[e];
                    let mut k = e * stride;
                    for (q, x) in others.iter().enumerate() {
                        if q != player {
                            w *= x[sp.cols[k] as usize];
                            k += 1;
                        }
                    }
                    acc += w;
                }
            }
            // SAFETY: the caller owns `rows` of `g`.
            unsafe { g.set(r, acc) };
            if let Some(x) = own {
                dot += x[r] * acc;
            }
        }
        dot
    }

    /// One sequence-form pass of `player` against the other players' realisations `others`
    /// (the entry at `player` is ignored): computes the gradient, pulls it up the sequence tree
    /// (replacing `g[s]` of every action sequence by its counterfactual value, the own entry
    /// plus the values of the infosets below it), calls `visit(infoset, values)` deepest first,
    /// stores the infoset values it returns in `infoset_value` (indexed from the player's first
    /// infoset), and returns the empty sequence's value together with `Σ own[s] g[s]` of the
    /// gradient before pulling (the player's expected payoff when `own` is their realisation).
    ///
    /// `visit` runs concurrently on infosets of different blocks and may only touch state owned
    /// by the infoset it receives.
    #[allow(clippy::too_many_arguments)]
    pub fn pass<F>(
        &self,
        game: &ExtensiveGame,
        player: usize,
        others: &[&[f64]],
        own: Option<&[f64]>,
        g: &mut [f64],
        infoset_value: &mut [f64],
        visit: F,
    ) -> (f64, f64)
    where
        F: Fn(usize, &[f64]) -> f64 + Sync,
    {
        assert_eq!(g.len(), self.num_sequences[player]);
        let first = game.player_infosets[player] as usize;
        assert_eq!(infoset_value.len(), game.player_infosets(player).len());
        let gs = Disjoint::new(g);
        let vs = Disjoint::new(infoset_value);
        // Infoset `i` reads its own sequences of `g` (complete: every child infoset has already
        // added its value), writes its entry of `infoset_value`, and adds that value to its
        // parent sequence, unless `i` roots a block: those parents may be shared between blocks,
        // so they are added after the parallel region, in block order.
        // SAFETY: within a block every parent sequence but the root's belongs to the block;
        // the spine runs after all blocks.
        let visit_and_push = |i: usize, push: bool| unsafe {
            let ev = visit(i, gs.slice(self.sequences(game, player, i)));
            vs.set(i - first, ev);
            if push {
                let parent = self.infoset_parent[i] as usize;
                gs.set(parent, gs.get(parent) + ev);
            }
        };
        let cut = &self.cut[player];
        let off = self.slot_offset[player] as usize;
        let mut dot = cut.for_each_block(|block| {
            let slots =
                game.infoset_slots[block.start] as usize..game.infoset_slots[block.end] as usize;
            let dot = self.gradient_rows(
                player,
                others,
                own,
                slots.start - off + 1..slots.end - off + 1,
                gs,
            );
            let root = block.start;
            for i in block.rev() {
                visit_and_push(i, i != root);
            }
            dot
        });
        dot += self.gradient_rows(player, others, own, 0..1, gs);
        for &i in &cut.spine {
            let seqs = self.sequences(game, player, i as usize);
            dot += self.gradient_rows(player, others, own, seqs, gs);
        }
        // SAFETY: the blocks are finished; from here on everything is sequential.
        unsafe {
            for block in &cut.blocks {
                let parent = self.infoset_parent[block.start] as usize;
                gs.set(parent, gs.get(parent) + vs.get(block.start - first));
            }
        }
        for &i in cut.spine.iter().rev() {
            visit_and_push(i as usize, true);
        }
        // SAFETY: as above.
        let root = unsafe { gs.get(0) };
        (root, dot)
    }
}

/// How a player's sequence tree is cut for parallel passes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cut {
    /// Whole subtrees of bounded work, as ranges of global infoset indices (in preorder).
    blocks: Vec<Range<usize>>,
    /// The infosets outside every block, in preorder (ancestors of blocks).
    spine: Vec<u32>,
    /// Whether the blocks run on several threads (enough work, more than one block).
    parallel: bool,
}

impl Cut {
    /// Cuts `player`'s sequence tree: a subtree whose work (slots plus payoff entries) is at
    /// most [`BLOCK_WORK`] becomes a block unless its parent's subtree already is one.
    fn new(
        game: &ExtensiveGame,
        player: usize,
        infoset_parent: &[u32],
        slot_offset: &[u32],
        payoff: &SequencePayoff,
    ) -> Self {
        let range = game.player_infosets(player);
        let first = range.start;
        let n = range.len();
        let off = slot_offset[player] as usize;
        let owner = |seq: usize| -> usize {
            // The infoset owning sequence `seq >= 1`.
            let slot = (seq - 1 + off) as u32;
            game.infoset_slots.partition_point(|&s| s <= slot) - 1
        };
        let mut work = vec![0usize; n];
        let mut end: Vec<usize> = (first + 1..range.end + 1).collect();
        for i in range.clone().rev() {
            let s = game.infoset_slots(i);
            let rows = s.start - off + 1..s.end - off + 1;
            let entries = (payoff.row_ptr[rows.end] - payoff.row_ptr[rows.start]) as usize;
            work[i - first] += s.len() + entries;
            let parent = infoset_parent[i] as usize;
            if parent != 0 && parent != NONE as usize {
                let up = owner(parent);
                if up >= first && up < i {
                    work[up - first] += work[i - first];
                    end[up - first] = end[up - first].max(end[i - first]);
                }
            }
        }
        let mut blocks = Vec::new();
        let mut spine = Vec::new();
        let mut i = first;
        while i < range.end {
            if work[i - first] <= BLOCK_WORK {
                blocks.push(i..end[i - first]);
                i = end[i - first];
            } else {
                spine.push(i as u32);
                i += 1;
            }
        }
        let total: usize = (payoff.row_ptr.last().copied().unwrap_or(0) as usize) + n;
        let parallel = total >= PARALLEL_WORK && blocks.len() > 1;
        Cut {
            blocks,
            spine,
            parallel,
        }
    }

    /// Runs `task` on every block (concurrently when the cut is parallel) and returns the sum of
    /// its results in block order.
    fn for_each_block<T>(&self, task: T) -> f64
    where
        T: Fn(Range<usize>) -> f64 + Sync,
    {
        let parts: Vec<f64> = if self.parallel {
            self.blocks.par_iter().map(|b| task(b.clone())).collect()
        } else {
            self.blocks.iter().map(|b| task(b.clone())).collect()
        };
        parts.iter().sum()
    }
}
