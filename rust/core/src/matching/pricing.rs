//! Columns of the configuration LPs: their coefficients, exact pricing against a dual, and full
//! enumeration for tiny instances.
//!
//! A *configuration* is an offline vertex `u` with a set `S` of its online neighbours, kept as
//! edge ids in arrival order. Both LPs have the rows `Σ_S x_uS <= 1` per offline vertex (dual
//! `α_u`) and one row per online vertex (dual `β_v`); they differ in a column's objective and in
//! its coefficients on the online rows:
//!
//! - [`Kind::HuangZhang`], the configuration LP of Huang and Zhang (STOC 2020, §2.2): objective
//!   `w_u min(Σ_{v∈S} p_uv, 1)`, coefficient 1 on each `v ∈ S`. Pricing,
//!   `max_S w_u min(P(S), 1) - β(S)`, is a knapsack; [`price`] solves it exactly by depth-first
//!   branch and bound on items sorted by `β_v / p_uv`, bounded by the fractional greedy (the exact
//!   optimum of the concave relaxation), with identical items taken as a prefix.
//! - [`Kind::Stochastic`], the stochastic configuration LP as reconstructed in the project notes
//!   (the seed paper's own definition was not available): `S` is tried on `u` in arrival order
//!   until the first success, objective `w_u (1 - Π_{v∈S} (1 - p_uv))`, coefficient on `v ∈ S`
//!   the survival probability `s_u(S, v) = Π_{v'∈S, v'<v} (1 - p_uv')`. The reduced profit
//!   `Σ_{v∈S} s_u(S, v) (w_u p_uv - β_v) - α_u` is maximized exactly in `O(deg u)` by the
//!   backward recursion `G_k = max(G_{k+1}, (w p_k - β_k) + (1 - p_k) G_{k+1})` (the value to go
//!   is linear in the survival probability).
//! - [`Kind::StochasticAnyOrder`], the same LP with `S` an *ordered* sequence tried in any order:
//!   the survival coefficients follow the sequence, not arrival, so the LP also bounds the
//!   fully-offline optimum (which may choose the processing order). Its pricing,
//!   `max_σ Σ_k Π_{j<k} (1 - p_σj) c_σk` with `c_v = w_u p_uv - β_v`, is solved exactly by a
//!   sort: take every `v` with `c_v > 0` in decreasing `c_v / p_uv`. Exactness: swapping
//!   adjacent `a, b` changes the value by `c_a p_b - c_b p_a` times the survival before them and
//!   leaves the others' terms alone, so the ratio order is optimal; an item with `c <= 0` only
//!   lowers its own term and raises none after it, so dropping it never hurts; and appending an
//!   item with `c > 0` at the end adds `survival x c >= 0`, so keeping every one never hurts.
//!
//! Pricing runs one offline vertex per rayon task and collects in vertex order, so the result
//! does not depend on the thread count.

use super::instance::Instance;
use crate::control::Control;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Which configuration LP a column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Huang and Zhang's configuration LP: `w_u min(P(S), 1)`, unit coefficients.
    HuangZhang,
    /// The (reconstructed) stochastic configuration LP: `w_u (1 - Π (1 - p))`, survival
    /// coefficients in arrival order (bounds the clairvoyant optimum).
    Stochastic,
    /// The stochastic configuration LP over ordered sequences: survival coefficients in the
    /// sequence's own order (bounds the fully-offline optimum).
    StochasticAnyOrder,
}

impl Kind {
    /// Every kind, for parsing.
    pub const ALL: [Kind; 3] = [Kind::HuangZhang, Kind::Stochastic, Kind::StochasticAnyOrder];

    /// The kind's name in the Python API.
    pub fn name(self) -> &'static str {
        match self {
            Kind::HuangZhang => "huang_zhang",
            Kind::Stochastic => "stochastic",
            Kind::StochasticAnyOrder => "stochastic_any_order",
        }
    }
}

/// Every offline vertex's edges in arrival order (the CSC view of the instance).
#[derive(Debug, Clone)]
pub struct OfflineEdges {
    ptr: Vec<usize>,
    edges: Vec<usize>,
    e_v: Vec<usize>,
}

impl OfflineEdges {
    /// Builds the view in `O(n_u + n_v + edges)`.
    pub fn new(inst: &Instance) -> Self {
        let n_u = inst.n_u();
        let mut ptr = vec![0usize; n_u + 1];
        for &u in inst.e_u() {
            ptr[u as usize + 1] += 1;
        }
        for u in 0..n_u {
            ptr[u + 1] += ptr[u];
        }
        let mut next = ptr.clone();
        let mut edges = vec![0usize; inst.num_edges()];
        // Edge ids grow with the online vertex, so each list comes out in arrival order.
        for (e, &u) in inst.e_u().iter().enumerate() {
            edges[next[u as usize]] = e;
            next[u as usize] += 1;
        }
        OfflineEdges {
            ptr,
            edges,
            e_v: inst.e_v(),
        }
    }

    /// Edge ids of offline vertex `u`, in arrival order.
    pub fn of(&self, u: usize) -> &[usize] {
        &self.edges[self.ptr[u]..self.ptr[u + 1]]
    }

    /// Online end of edge `e`.
    pub fn v(&self, e: usize) -> usize {
        self.e_v[e]
    }
}

/// One configuration column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The offline vertex.
    pub u: usize,
    /// Edge ids of `S`: in arrival order, except for [`Kind::StochasticAnyOrder`] where the
    /// order is the sequence's attempt order.
    pub edges: Vec<usize>,
    /// The objective coefficient.
    pub cost: f64,
    /// The coefficient on the online row of each edge's online vertex (same order as `edges`).
    pub coef: Vec<f64>,
}

/// The column of configuration `(u, edges)`; `edges` must be distinct edge ids of `u`, in
/// arrival order except for [`Kind::StochasticAnyOrder`] (attempt order).
pub fn column(inst: &Instance, kind: Kind, u: usize, edges: Vec<usize>) -> Column {
    let (e_p, w) = (inst.e_p(), inst.w()[u]);
    match kind {
        Kind::HuangZhang => {
            let load: f64 = edges.iter().map(|&e| e_p[e]).sum();
            Column {
                u,
                cost: w * load.min(1.0),
                coef: vec![1.0; edges.len()],
                edges,
            }
        }
        Kind::Stochastic | Kind::StochasticAnyOrder => {
            let mut survive = 1.0;
            let mut coef = Vec::with_capacity(edges.len());
            for &e in &edges {
                coef.push(survive);
                survive *= 1.0 - e_p[e];
            }
            Column {
                u,
                cost: w * (1.0 - survive),
                coef,
                edges,
            }
        }
    }
}

/// The best column of one offline vertex and its reduced profit.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    /// The column maximizing the reduced profit (possibly with an empty `S`).
    pub column: Column,
    /// `cost - α_u - Σ coef β_v`; the LP is optimal when no vertex has a positive one.
    pub reduced_profit: f64,
}

fn check_duals(inst: &Instance, alpha: &[f64], beta: &[f64]) -> Result<()> {
    if alpha.len() != inst.n_u() {
        return Err(Error::invalid(
            "alpha",
            format!("length n_u = {}", inst.n_u()),
            alpha.len(),
        ));
    }
    if beta.len() != inst.n_v() {
        return Err(Error::invalid(
            "beta",
            format!("length n_v = {}", inst.n_v()),
            beta.len(),
        ));
    }
    for (name, values) in [("alpha", alpha), ("beta", beta)] {
        if let Some((i, x)) = values.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::invalid(format!("{name}[{i}]"), "a finite dual", x));
        }
    }
    Ok(())
}

/// For every offline vertex, the column with the largest reduced profit under the duals
/// `alpha` (offline rows) and `beta` (online rows), found exactly. Parallel over offline
/// vertices; checks `control` between vertices and during long searches.
pub fn price(
    inst: &Instance,
    adj: &OfflineEdges,
    kind: Kind,
    alpha: &[f64],
    beta: &[f64],
    control: &Control,
) -> Result<Vec<Priced>> {
    check_duals(inst, alpha, beta)?;
    (0..inst.n_u())
        .into_par_iter()
        .map(|u| {
            control.check()?;
            let chosen = match kind {
                Kind::Stochastic => price_stochastic(inst, adj, u, beta),
                Kind::StochasticAnyOrder => price_any_order(inst, adj, u, beta),
                Kind::HuangZhang => price_huang_zhang(inst, adj, u, beta, control)?,
            };
            let col = column(inst, kind, u, chosen);
            let dual: f64 = col
                .edges
                .iter()
                .zip(&col.coef)
                .map(|(&e, &c)| c * beta[adj.v(e)])
                .sum();
            Ok(Priced {
                reduced_profit: col.cost - alpha[u] - dual,
                column: col,
            })
        })
        .collect()
}

/// The exact `O(deg)` recursion of the stochastic configuration LP.
fn price_stochastic(inst: &Instance, adj: &OfflineEdges, u: usize, beta: &[f64]) -> Vec<usize> {
    let (e_p, w) = (inst.e_p(), inst.w()[u]);
    let edges = adj.of(u);
    let mut take = vec![false; edges.len()];
    let mut g = 0.0f64;
    for (k, &e) in edges.iter().enumerate().rev() {
        let p = e_p[e];
        let with = (w * p - beta[adj.v(e)]) + (1.0 - p) * g;
        if with > g {
            g = with;
            take[k] = true;
        }
    }
    edges
        .iter()
        .zip(&take)
        .filter(|(_, &t)| t)
        .map(|(&e, _)| e)
        .collect()
}

/// The exact pricing of the any-order LP: every neighbour with `c_v = w p_uv - β_v > 0`, by
/// decreasing `c_v / p_uv` (ties by edge id, so the result is reproducible).
fn price_any_order(inst: &Instance, adj: &OfflineEdges, u: usize, beta: &[f64]) -> Vec<usize> {
    let (e_p, w) = (inst.e_p(), inst.w()[u]);
    let mut items: Vec<(f64, usize)> = adj
        .of(u)
        .iter()
        .map(|&e| ((w * e_p[e] - beta[adj.v(e)]) / e_p[e], e))
        .filter(|&(ratio, _)| ratio > 0.0)
        .collect();
    items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    items.into_iter().map(|(_, e)| e).collect()
}

/// Branch-and-bound state of the Huang–Zhang knapsack.
struct Knapsack<'a> {
    w: f64,
    /// `(p, β, edge)` of the useful items with `β > 0`, by `β / p` ascending.
    items: Vec<(f64, f64, usize)>,
    best: f64,
    best_set: Vec<bool>,
    chosen: Vec<bool>,
    nodes: u64,
    control: &'a Control,
}

impl Knapsack<'_> {
    /// Upper bound on the value reachable from item `k` with load `load` and value `value`:
    /// the fractional greedy on the remaining items (exact for the concave relaxation).
    fn bound(&self, k: usize, load: f64, value: f64) -> f64 {
        let mut cap = 1.0 - load;
        let mut out = value;
        for &(p, b, _) in &self.items[k..] {
            if cap <= 0.0 {
                break;
            }
            let t = (cap / p).min(1.0);
            out += t * (self.w * p - b);
            cap -= t * p;
        }
        out
    }

    fn search(&mut self, k: usize, load: f64, cost: f64) -> Result<()> {
        self.nodes += 1;
        if self.nodes & 0xFFFF == 0 {
            self.control.check()?;
        }
        let value = self.w * load.min(1.0) - cost;
        if value > self.best {
            self.best = value;
            self.best_set.copy_from_slice(&self.chosen);
        }
        // Saturated: every further item (β > 0) only costs.
        if k == self.items.len() || load >= 1.0 {
            return Ok(());
        }
        let slack = 1e-12 * (1.0 + self.w.abs());
        if self.bound(k, load, value) <= self.best + slack {
            return Ok(());
        }
        let (p, b, _) = self.items[k];
        self.chosen[k] = true;
        self.search(k + 1, load + p, cost + b)?;
        self.chosen[k] = false;
        // Identical items are interchangeable: skipping one skips the run after it.
        let mut next = k + 1;
        while next < self.items.len() && self.items[next].0 == p && self.items[next].1 == b {
            next += 1;
        }
        self.search(next, load, cost)
    }
}

/// The exact maximizer of `w min(P(S), 1) - β(S)` over subsets of `u`'s edges.
fn price_huang_zhang(
    inst: &Instance,
    adj: &OfflineEdges,
    u: usize,
    beta: &[f64],
    control: &Control,
) -> Result<Vec<usize>> {
    let (e_p, w) = (inst.e_p(), inst.w()[u]);
    // Items with β <= 0 never hurt (take them all); items with w p - β <= 0 never help.
    let mut free = Vec::new();
    let mut items = Vec::new();
    for &e in adj.of(u) {
        let (p, b) = (e_p[e], beta[adj.v(e)]);
        if b <= 0.0 {
            free.push(e);
        } else if w * p - b > 0.0 {
            items.push((p, b, e));
        }
    }
    items.sort_by(|x, y| (x.1 / x.0).total_cmp(&(y.1 / y.0)).then(x.2.cmp(&y.2)));
    let load: f64 = free.iter().map(|&e| e_p[e]).sum();
    let cost: f64 = free.iter().map(|&e| beta[adj.v(e)]).sum();
    let n = items.len();
    let mut ks = Knapsack {
        w,
        items,
        best: f64::NEG_INFINITY,
        best_set: vec![false; n],
        chosen: vec![false; n],
        nodes: 0,
        control,
    };
    ks.search(0, load, cost)?;
    let mut set = free;
    set.extend(
        ks.items
            .iter()
            .zip(&ks.best_set)
            .filter(|(_, &c)| c)
            .map(|(&(_, _, e), _)| e),
    );
    set.sort_unstable();
    Ok(set)
}

/// How many columns [`enumerate`] makes for a vertex of degree `deg` (saturating): `2^deg - 1`
/// subsets, or `Σ_{k=1..deg} deg! / (deg - k)!` non-empty sequences for the any-order LP.
fn configuration_count(kind: Kind, deg: usize) -> u128 {
    const HUGE: u128 = u128::MAX / 4;
    match kind {
        Kind::StochasticAnyOrder => {
            let (mut total, mut term) = (0u128, 1u128);
            for k in 0..deg {
                term = term.saturating_mul((deg - k) as u128);
                total = total.saturating_add(term);
            }
            total.min(HUGE)
        }
        _ if deg >= 100 => HUGE,
        _ => (1u128 << deg) - 1,
    }
}

/// Every configuration with a non-empty `S`, by offline vertex and then by subset bit pattern
/// (bit `i` = the `i`-th edge of `u` in arrival order); for [`Kind::StochasticAnyOrder`], every
/// ordering of each subset (in lexicographic order of positions). Refuses more than `limit`
/// columns.
pub fn enumerate(inst: &Instance, kind: Kind, limit: usize) -> Result<Vec<Column>> {
    let adj = OfflineEdges::new(inst);
    let total = (0..inst.n_u())
        .map(|u| configuration_count(kind, adj.of(u).len()))
        .fold(0u128, u128::saturating_add);
    if total > limit as u128 {
        let what = match kind {
            Kind::StochasticAnyOrder => "sequences (Σ_u Σ_k deg(u)!/(deg(u)-k)!)",
            _ => "configurations (Σ_u 2^deg(u) - 1)",
        };
        return Err(Error::invalid(
            "instance",
            format!("at most {limit} {what} to enumerate"),
            if total >= u128::MAX / 4 {
                "more than 2^100".to_string()
            } else {
                total.to_string()
            },
        ));
    }
    let mut out = Vec::with_capacity(total as usize);
    for u in 0..inst.n_u() {
        let edges = adj.of(u);
        for mask in 1u64..(1u64 << edges.len()) {
            let set: Vec<usize> = (0..edges.len())
                .filter(|i| mask >> i & 1 == 1)
                .map(|i| edges[i])
                .collect();
            if kind == Kind::StochasticAnyOrder {
                for_each_permutation(&set, &mut |seq| out.push(column(inst, kind, u, seq)));
            } else {
                out.push(column(inst, kind, u, set));
            }
        }
    }
    Ok(out)
}

/// Calls `visit` with every permutation of `items`, in lexicographic order of positions.
fn for_each_permutation(items: &[usize], visit: &mut impl FnMut(Vec<usize>)) {
    fn go(rest: &mut Vec<usize>, prefix: &mut Vec<usize>, visit: &mut impl FnMut(Vec<usize>)) {
        if rest.is_empty() {
            visit(prefix.clone());
            return;
        }
        for i in 0..rest.len() {
            let item = rest.remove(i);
            prefix.push(item);
            go(rest, prefix, visit);
            prefix.pop();
            rest.insert(i, item);
        }
    }
    go(
        &mut items.to_vec(),
        &mut Vec::with_capacity(items.len()),
        visit,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(n_u: usize, edges: &[(usize, usize, f64)], w: Option<Vec<f64>>) -> Instance {
        let u: Vec<i64> = edges.iter().map(|x| x.0 as i64).collect();
        let v: Vec<i64> = edges.iter().map(|x| x.1 as i64).collect();
        let p: Vec<f64> = edges.iter().map(|x| x.2).collect();
        let n_v = v.iter().max().map_or(0, |m| *m as usize + 1);
        Instance::from_edges(n_u, n_v, &u, &v, &p, w.as_deref()).unwrap()
    }

    fn reduced(col: &Column, adj: &OfflineEdges, alpha: &[f64], beta: &[f64]) -> f64 {
        col.cost
            - alpha[col.u]
            - col
                .edges
                .iter()
                .zip(&col.coef)
                .map(|(&e, &c)| c * beta[adj.v(e)])
                .sum::<f64>()
    }

    /// A small deterministic generator of test instances and duals.
    fn lcg(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn stochastic_column_survival_coefficients() {
        let g = inst(1, &[(0, 0, 0.5), (0, 1, 0.5), (0, 2, 0.2)], Some(vec![2.0]));
        let col = column(&g, Kind::Stochastic, 0, vec![0, 1, 2]);
        assert_eq!(col.coef, vec![1.0, 0.5, 0.25]);
        assert!((col.cost - 2.0 * (1.0 - 0.5 * 0.5 * 0.8)).abs() < 1e-15);
        let hz = column(&g, Kind::HuangZhang, 0, vec![0, 1, 2]);
        assert_eq!(hz.cost, 2.0);
        assert_eq!(hz.coef, vec![1.0; 3]);
    }

    #[test]
    fn pricing_equals_enumeration_on_random_duals() {
        let mut s = 7u64;
        for trial in 0..200 {
            let n_u = 1 + trial % 3;
            let n_v = 1 + (trial * 7) % 9;
            let mut edges = Vec::new();
            for v in 0..n_v {
                for u in 0..n_u {
                    if lcg(&mut s) < 0.7 {
                        // Equal probabilities on some trials exercise the tie rule.
                        let p = if trial % 4 == 0 {
                            0.3
                        } else {
                            0.05 + 0.95 * lcg(&mut s)
                        };
                        edges.push((u, v, p));
                    }
                }
            }
            if edges.is_empty() {
                continue;
            }
            let w: Vec<f64> = (0..n_u).map(|_| 0.5 + lcg(&mut s)).collect();
            let g = inst(n_u, &edges, Some(w));
            let adj = OfflineEdges::new(&g);
            let alpha: Vec<f64> = (0..n_u).map(|_| 0.3 * lcg(&mut s)).collect();
            let beta: Vec<f64> = (0..g.n_v())
                .map(|_| {
                    if trial % 4 == 0 {
                        0.2
                    } else {
                        lcg(&mut s) - 0.1
                    }
                })
                .collect();
            for kind in Kind::ALL {
                let priced = price(&g, &adj, kind, &alpha, &beta, &Control::new(0)).unwrap();
                let all = enumerate(&g, kind, 1 << 20).unwrap();
                for u in 0..n_u {
                    let best = all
                        .iter()
                        .filter(|c| c.u == u)
                        .map(|c| reduced(c, &adj, &alpha, &beta))
                        .fold(-alpha[u], f64::max);
                    let got = &priced[u];
                    assert!(
                        (got.reduced_profit - best).abs() < 1e-12,
                        "{kind:?} trial {trial} u {u}: {} vs {best}",
                        got.reduced_profit
                    );
                    let again = reduced(&got.column, &adj, &alpha, &beta);
                    assert!((again - got.reduced_profit).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn any_order_pricing_orders_by_ratio() {
        // c = w p - β: v0 0.5-0.1 = 0.4 (ratio 0.8), v1 0.9-0.2 = 0.7 (ratio 0.78), v2 0.2-0.3 < 0.
        let g = inst(1, &[(0, 0, 0.5), (0, 1, 0.9), (0, 2, 0.2)], None);
        let adj = OfflineEdges::new(&g);
        let p = price(
            &g,
            &adj,
            Kind::StochasticAnyOrder,
            &[0.0],
            &[0.1, 0.2, 0.3],
            &Control::new(0),
        )
        .unwrap();
        assert_eq!(p[0].column.edges, vec![0, 1]);
        assert!((p[0].reduced_profit - (0.4 + 0.5 * 0.7)).abs() < 1e-15);
        // Arrival order would also give 0.75 here; with β_0 raised the sequence flips.
        let p = price(
            &g,
            &adj,
            Kind::StochasticAnyOrder,
            &[0.0],
            &[0.2, 0.2, 0.3],
            &Control::new(0),
        )
        .unwrap();
        assert_eq!(p[0].column.edges, vec![1, 0]);
        assert!((p[0].reduced_profit - (0.7 + 0.1 * 0.3)).abs() < 1e-15);
        assert_eq!(configuration_count(Kind::StochasticAnyOrder, 3), 3 + 6 + 6);
        assert_eq!(
            enumerate(&g, Kind::StochasticAnyOrder, 15).unwrap().len(),
            15
        );
        assert!(enumerate(&g, Kind::StochasticAnyOrder, 14).is_err());
    }

    #[test]
    fn bad_duals_name_the_argument() {
        let g = inst(2, &[(0, 0, 0.5), (1, 0, 0.5)], None);
        let adj = OfflineEdges::new(&g);
        let c = Control::new(0);
        let err = price(&g, &adj, Kind::Stochastic, &[0.0], &[0.0], &c).unwrap_err();
        assert!(err.to_string().starts_with("alpha"));
        let err = price(&g, &adj, Kind::HuangZhang, &[0.0, 0.0], &[f64::NAN], &c).unwrap_err();
        assert!(err.to_string().starts_with("beta[0]"));
        assert!(enumerate(&g, Kind::HuangZhang, 1).is_err());
    }

    #[test]
    fn many_identical_items_price_fast() {
        // 60 identical neighbours: without the prefix rule the search would visit C(60, 4) nodes.
        let edges: Vec<_> = (0..60).map(|v| (0, v, 0.3)).collect();
        let g = inst(1, &edges, None);
        let adj = OfflineEdges::new(&g);
        let beta = vec![0.2; 60];
        let p = price(&g, &adj, Kind::HuangZhang, &[0.0], &beta, &Control::new(0)).unwrap();
        // Three items: 0.9 - 0.6 = 0.3; four: 1 - 0.8 = 0.2.
        assert!((p[0].reduced_profit - 0.3).abs() < 1e-12);
        assert_eq!(p[0].column.edges, vec![0, 1, 2]);
    }
}
