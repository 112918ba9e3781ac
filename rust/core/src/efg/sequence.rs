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
//! Levels (infosets grouped by own depth) make each pass parallel: infosets of one level are
//! independent and every value is a sum in a fixed order, so results do not depend on threads.

use super::game::{ExtensiveGame, NodeKind, NONE};
use rayon::prelude::*;

/// Rows of a [`SequencePayoff`] per parallel task (fixed, so results are thread-count free).
const ROWS_PER_TASK: usize = 512;
/// Smallest number of matrix entries worth a parallel gradient.
const PARALLEL_ENTRIES: usize = 32_768;
/// Smallest level (in slots) worth a parallel pass.
const PARALLEL_SLOTS: usize = 8_192;

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
    /// Per player: infoset offsets of the own-depth levels (global infoset indices).
    pub(crate) levels: Vec<Vec<u32>>,
    /// Per player: prefix offsets into `child_infosets` for each sequence.
    pub(crate) child_ptr: Vec<Vec<u32>>,
    /// Per player: the infosets directly below each sequence.
    pub(crate) child_infosets: Vec<Vec<u32>>,
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

        // Levels and children of each sequence, per player.
        let mut levels = Vec::with_capacity(np);
        let mut child_ptr = Vec::with_capacity(np);
        let mut child_infosets = Vec::with_capacity(np);
        for p in 0..np {
            let range = game.player_infosets(p);
            let mut depth_of_seq = vec![0u32; num_sequences[p]];
            let mut bounds = vec![range.start as u32];
            let mut current_depth = 0;
            for i in range.clone() {
                let parent = infoset_parent[i] as usize;
                let depth = if parent == 0 {
                    0
                } else {
                    depth_of_seq[parent] + 1
                };
                if depth != current_depth {
                    bounds.push(i as u32);
                    current_depth = depth;
                }
                let first = (game.infoset_slots[i] - slot_offset[p]) as usize + 1;
                let last = (game.infoset_slots[i + 1] - slot_offset[p]) as usize + 1;
                depth_of_seq[first..last].fill(depth + 1);
            }
            if !range.is_empty() {
                bounds.push(range.end as u32);
            }
            levels.push(bounds);
            let mut ptr = vec![0u32; num_sequences[p] + 1];
            for i in range.clone() {
                ptr[infoset_parent[i] as usize + 1] += 1;
            }
            for s in 0..num_sequences[p] {
                ptr[s + 1] += ptr[s];
            }
            let mut fill = ptr.clone();
            let mut kids = vec![0u32; range.len()];
            for i in range {
                let s = infoset_parent[i] as usize;
                kids[fill[s] as usize] = i as u32;
                fill[s] += 1;
            }
            child_ptr.push(ptr);
            child_infosets.push(kids);
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

        SequenceForm {
            recall_violation,
            infoset_parent,
            slot_offset,
            num_sequences,
            levels,
            child_ptr,
            child_infosets,
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

    /// Number of stored payoff entries of `player` (terminals after merging, zeros dropped).
    pub fn num_entries(&self, player: usize) -> usize {
        self.payoff[player].weight.len()
    }

    /// Writes `player`'s realisation of the behaviour strategy `strategy` (indexed by global
    /// slot) into `out` (length `num_sequences(player)`), top-down level by level.
    pub fn realization(
        &self,
        game: &ExtensiveGame,
        player: usize,
        strategy: &[f64],
        out: &mut [f64],
    ) {
        out[0] = 1.0;
        let off = self.slot_offset[player] as usize;
        let levels = &self.levels[player];
        for w in levels.windows(2) {
            let (lo, hi) = (w[0] as usize, w[1] as usize);
            let slots = (game.infoset_slots[lo] as usize)..(game.infoset_slots[hi] as usize);
            // Writes go to this level's sequences; reads come from shallower ones.
            let (read, write) = out.split_at_mut(slots.start - off + 1);
            let write = &mut write[..slots.len()];
            let fill = |range: std::ops::Range<usize>, write: &mut [f64]| {
                let base_slot = game.infoset_slots[range.start] as usize;
                for i in range {
                    let parent = self.infoset_parent[i] as usize;
                    let base = read[parent];
                    let s = game.infoset_slots(i);
                    let local = s.start - base_slot..s.end - base_slot;
                    for (o, &sigma) in write[local].iter_mut().zip(&strategy[s]) {
                        *o = base * sigma;
                    }
                }
            };
            if slots.len() >= PARALLEL_SLOTS {
                par_infoset_chunks(game, lo..hi, write, &fill);
            } else {
                fill(lo..hi, write);
            }
        }
    }

    /// Writes `player`'s gradient `g[s]` given every other player's realisation (`others[q]`
    /// for `q != player`; the entry at `player` is ignored).
    pub fn gradient(&self, player: usize, others: &[&[f64]], out: &mut [f64]) {
        let sp = &self.payoff[player];
        let np = others.len();
        let row = |r: usize| -> f64 {
            let (a, b) = (sp.row_ptr[r] as usize, sp.row_ptr[r + 1] as usize);
            if np == 2 {
                let x = others[1 - player];
                let mut acc = 0.0;
                for e in a..b {
                    acc += sp.weight[e] * x[sp.cols[e] as usize];
                }
                acc
            } else {
                let stride = np - 1;
                let mut acc = 0.0;
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
                acc
            }
        };
        if sp.weight.len() >= PARALLEL_ENTRIES {
            out.par_chunks_mut(ROWS_PER_TASK)
                .enumerate()
                .for_each(|(c, chunk)| {
                    for (k, o) in chunk.iter_mut().enumerate() {
                        *o = row(c * ROWS_PER_TASK + k);
                    }
                });
        } else {
            for (r, o) in out.iter_mut().enumerate() {
                *o = row(r);
            }
        }
    }

    /// Pulls the gradient `g` of `player` up the sequence tree: processes the player's infosets
    /// from the deepest level up, replaces `g[s]` for each action sequence by its full
    /// counterfactual value (own entry plus the values of the infosets below it), calls
    /// `visit(infoset, values)` which returns the infoset's value, stores it in `infoset_value`,
    /// and returns the value of the empty sequence.
    ///
    /// `visit` runs on disjoint infosets concurrently on wide levels; it receives the infoset
    /// and its action values and may only touch state owned by that infoset.
    pub fn pull_up<F>(
        &self,
        game: &ExtensiveGame,
        player: usize,
        g: &mut [f64],
        infoset_value: &mut [f64],
        visit: F,
    ) -> f64
    where
        F: Fn(usize, &[f64]) -> f64 + Sync,
    {
        let off = self.slot_offset[player] as usize;
        let ptr = &self.child_ptr[player];
        let kids = &self.child_infosets[player];
        let levels = &self.levels[player];
        let base_infoset = game.player_infosets[player] as usize;
        for w in levels.windows(2).rev() {
            let (lo, hi) = (w[0] as usize, w[1] as usize);
            let slots = (game.infoset_slots[lo] as usize)..(game.infoset_slots[hi] as usize);
            // This level's values go to its own sequences and infosets; children are deeper,
            // i.e. later in both arrays.
            let (_, rest) = g.split_at_mut(slots.start - off + 1);
            let (level_g, _) = rest.split_at_mut(slots.len());
            let (_, vrest) = infoset_value.split_at_mut(lo - base_infoset);
            let (level_v, deeper_v) = vrest.split_at_mut(hi - lo);
            let deeper_v: &[f64] = deeper_v;
            let work = |range: std::ops::Range<usize>, level_g: &mut [f64], level_v: &mut [f64]| {
                let base_slot = game.infoset_slots[range.start] as usize;
                let first = range.start;
                for i in range {
                    let s = game.infoset_slots(i);
                    let local = s.start - base_slot..s.end - base_slot;
                    for (k, v) in level_g[local.clone()].iter_mut().enumerate() {
                        let sq = s.start + k - off + 1;
                        for &j in &kids[ptr[sq] as usize..ptr[sq + 1] as usize] {
                            *v += deeper_v[j as usize - hi];
                        }
                    }
                    level_v[i - first] = visit(i, &level_g[local]);
                }
            };
            if slots.len() >= PARALLEL_SLOTS {
                par_infoset_chunks2(game, lo..hi, level_g, level_v, &work);
            } else {
                work(lo..hi, level_g, level_v);
            }
        }
        let mut root = g[0];
        for &j in &kids[ptr[0] as usize..ptr[1] as usize] {
            root += infoset_value[j as usize - base_infoset];
        }
        root
    }
}

/// Infosets per parallel task (fixed, so chunking never depends on the thread count).
const INFOSETS_PER_TASK: usize = 256;

/// Splits a level's slot array into per-task pieces aligned with infoset boundaries.
fn par_infoset_chunks<F>(
    game: &ExtensiveGame,
    range: std::ops::Range<usize>,
    slots: &mut [f64],
    f: &F,
) where
    F: Fn(std::ops::Range<usize>, &mut [f64]) + Sync,
{
    let pieces = split_level(game, range, slots);
    pieces.into_par_iter().for_each(|(r, s)| f(r, s));
}

/// Like [`par_infoset_chunks`], also splitting a per-infoset array of the level.
fn par_infoset_chunks2<F>(
    game: &ExtensiveGame,
    range: std::ops::Range<usize>,
    slots: &mut [f64],
    per_infoset: &mut [f64],
    f: &F,
) where
    F: Fn(std::ops::Range<usize>, &mut [f64], &mut [f64]) + Sync,
{
    let start = range.start;
    let pieces = split_level(game, range, slots);
    let mut values = Vec::with_capacity(pieces.len());
    let mut rest = per_infoset;
    for (r, _) in &pieces {
        let (head, tail) = rest.split_at_mut(r.len());
        values.push(head);
        rest = tail;
    }
    debug_assert!(pieces.first().is_none_or(|(r, _)| r.start == start));
    pieces
        .into_par_iter()
        .zip(values)
        .for_each(|((r, s), v)| f(r, s, v));
}

fn split_level<'a>(
    game: &ExtensiveGame,
    range: std::ops::Range<usize>,
    mut slots: &'a mut [f64],
) -> Vec<(std::ops::Range<usize>, &'a mut [f64])> {
    let mut pieces = Vec::new();
    let mut lo = range.start;
    while lo < range.end {
        let hi = (lo + INFOSETS_PER_TASK).min(range.end);
        let len = (game.infoset_slots[hi] - game.infoset_slots[lo]) as usize;
        let (head, tail) = std::mem::take(&mut slots).split_at_mut(len);
        pieces.push((lo..hi, head));
        slots = tail;
        lo = hi;
    }
    pieces
}
