//! The Consensus Game's EQUILIBRIUM-RANKING (Jacob, Shen, Farina and Andreas, ICLR 2024,
//! arXiv 2310.09139), batched over questions.
//!
//! **Game.** For one question with candidates `y_1..y_K`, nature draws `v ∈ {correct,
//! incorrect}` uniformly, the GENERATOR sees `v` and picks `y ~ π_G(·|v)`, the DISCRIMINATOR sees
//! `y` and guesses `v' ~ π_D(·|y)`; both get 1 when `v' = v`. Each player is KL-regularized
//! towards an anchor built from the language model's scores `p_gen[v, y] = P(y | x, v)` and
//! `p_disc[y, v] = P(v | x, y)`, normalised across the *other* variable first:
//!
//! ```text
//! π_G¹(y|v) ∝ p_gen[v, y] / Σ_v' p_gen[v', y]      (renormalised over y)
//! π_D¹(v|y) ∝ p_disc[y, v] / Σ_y' p_disc[y', v]    (renormalised over v)
//! ```
//!
//! **Dynamics (piKL-Hedge).** Start from the anchors; for `t = 1..T` update both players at once
//! on their average utilities against every policy played so far (the current one included):
//!
//! ```text
//! Q_G(y|v) = (1/2t) Σ_{τ<=t} π_D^τ(v|y)        Q_D(v|y) = (1/2t) Σ_{τ<=t} π_G^τ(y|v)
//! π_G^{t+1}(y|v) ∝ exp[(Q_G(y|v) + λ_G log π_G¹(y|v)) / (1/(η_G t) + λ_G)]
//! π_D^{t+1}(v|y) ∝ exp[(Q_D(v|y) + λ_D log π_D¹(v|y)) / (1/(η_D t) + λ_D)]
//! ```
//!
//! and return the last iterate `π^{T+1}`. ER-G ranks candidates by `π_G(y|correct)`, ER-D by
//! `π_D(correct|y)`. The exponent is evaluated as `c₁ S + c₂ log π¹` with the running sum `S`,
//! `c₁ = η / (2 (1 + ηλt))` and `c₂ = ηλt / (1 + ηλt)`, which is the same number.
//!
//! **Certificate.** The dynamics' fixed point is the KL-regularized best response of each player
//! to the other's current policy, so each question reports the fixed-point residual
//! `‖π_G - softmax_y(log π_G¹ + π_D(v|·)/(2λ_G))‖₁ + ‖π_D - softmax_v(log π_D¹ + π_G(·|v)/(2λ_D))‖₁`
//! (for `λ = 0` the softmax becomes the anchor restricted to the best responses). It does not
//! vanish at a finite `T` (the `1/(ηt)` temperature decays like `1/T`).
//!
//! **Conventions.** A zero in an anchor is structural: that policy entry stays 0 for every `λ`
//! (the regularized game's strategies live on the anchor's support). A candidate whose
//! `p_gen` column is all zero therefore gets `π_G = 0`. Masked-out candidates are dropped before
//! anything is computed (their inputs are never read), get probability 0 and rank last.
//!
//! **Speed.** [`LANES`] questions are solved together, one per SIMD lane: candidate slot `j`
//! of every buffer holds the `LANES` questions' values, so maxima and sums over candidates are
//! lane-wise and each question's arithmetic is exactly what it would be alone (the answer does
//! not depend on the batch, the mask padding or the thread count). Groups run in parallel with
//! rayon. All of a slot's state lies side by side (one pointer reaches it), nothing is allocated
//! per iteration, the discriminator's two-way softmax costs one exponential, and between exact
//! recomputations every [`REFRESH`] iterations the update is multiplicative with a short
//! polynomial for `exp` of the step (see [`iterate`]). On x86-64 with AVX2 and FMA a copy of the
//! loop compiled for them is chosen at run time; it agrees bit for bit with the portable code
//! using fused multiply-adds. Measured: 10,000 questions x 20 candidates x 5,000 iterations in
//! about 1.55 s on 2 cores of an AMD EPYC (Zen 3), 3.0 s on one, against about 120 s for a
//! vectorised numpy loop (`benches/test_bench_ranking.py`).

use crate::control::Control;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Questions per parallel task (the granularity of cancellation checks between questions).
const QUESTIONS_PER_TASK: usize = 8;
/// Iterations of one question between cancellation checks and progress reports.
const CHECK_EVERY: u64 = 1024;
/// Questions solved together, one per lane (one AVX2 register of `f64`).
const LANES: usize = 4;

/// Parameters of [`equilibrium_ranking`]; the defaults are the paper's (`λ = η = 0.1`, 5000
/// iterations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankingOptions {
    /// Generator's KL weight `λ_G >= 0`.
    pub lambda_g: f64,
    /// Discriminator's KL weight `λ_D >= 0`.
    pub lambda_d: f64,
    /// Generator's step `η_G > 0`.
    pub eta_g: f64,
    /// Discriminator's step `η_D > 0`.
    pub eta_d: f64,
    /// Number of simultaneous updates `T` (0 returns the anchors).
    pub iterations: u64,
}

impl Default for RankingOptions {
    fn default() -> Self {
        RankingOptions {
            lambda_g: 0.1,
            lambda_d: 0.1,
            eta_g: 0.1,
            eta_d: 0.1,
            iterations: 5000,
        }
    }
}

impl RankingOptions {
    /// Checks that every `λ` is finite and `>= 0` and every `η` finite and `> 0`.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("lambda_g", self.lambda_g), ("lambda_d", self.lambda_d)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid(name, "a finite number >= 0", v));
            }
        }
        for (name, v) in [("eta_g", self.eta_g), ("eta_d", self.eta_d)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::invalid(name, "a finite number > 0", v));
            }
        }
        Ok(())
    }
}

/// Answers for a batch of `B` questions with `K` candidates each, batch-first and row-major.
/// Masked-out candidates have probability 0 everywhere and come last in both rankings.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingSolution {
    /// Final generator policies `π_G(y|v)`, shape `(B, 2, K)`; row 0 is `v = correct`.
    pub pi_gen: Vec<f64>,
    /// Final discriminator policies `π_D(v|y)`, shape `(B, K, 2)`; column 0 is `v = correct`.
    pub pi_disc: Vec<f64>,
    /// The generator's anchors `π_G¹`, shape `(B, 2, K)`.
    pub anchor_gen: Vec<f64>,
    /// The discriminator's anchors `π_D¹`, shape `(B, K, 2)`.
    pub anchor_disc: Vec<f64>,
    /// ER-G ranking, shape `(B, K)`: candidate indices by decreasing `π_G(y|correct)`, ties to
    /// the lower index, masked-out candidates last.
    pub ranking_gen: Vec<usize>,
    /// ER-D ranking, shape `(B, K)`: candidate indices by decreasing `π_D(correct|y)`.
    pub ranking_disc: Vec<usize>,
    /// Fixed-point residual of each question (see the module documentation), shape `(B,)`.
    pub residual: Vec<f64>,
}

/// Runs EQUILIBRIUM-RANKING on `batch` questions with `candidates` candidates each.
///
/// `p_gen` has shape `(batch, 2, candidates)` and `p_disc` `(batch, candidates, 2)`, row-major;
/// `mask`, shape `(batch, candidates)`, marks the real candidates (`None`: all are real). Real
/// entries must be finite and non-negative, every row of `p_gen` (over real candidates) and every
/// real row of `p_disc` must have a positive entry, and every question a real candidate.
/// Questions run in parallel; the answer does not depend on the thread count. Progress is counted
/// in question-iterations (`batch * iterations` in all).
pub fn equilibrium_ranking(
    p_gen: &[f64],
    p_disc: &[f64],
    mask: Option<&[bool]>,
    batch: usize,
    candidates: usize,
    opts: &RankingOptions,
    ctl: &Control,
) -> Result<RankingSolution> {
    validate(p_gen, p_disc, mask, batch, candidates)?;
    opts.validate()?;
    solve(
        p_gen,
        p_disc,
        mask,
        batch,
        candidates,
        opts,
        ctl,
        Kernel::detect(),
    )
}

/// [`equilibrium_ranking`] on validated input with a given copy of the loop.
#[allow(clippy::too_many_arguments)]
fn solve(
    p_gen: &[f64],
    p_disc: &[f64],
    mask: Option<&[bool]>,
    batch: usize,
    candidates: usize,
    opts: &RankingOptions,
    ctl: &Control,
    kernel: Kernel,
) -> Result<RankingSolution> {
    let k = candidates;
    let mut out = RankingSolution {
        pi_gen: vec![0.0; batch * 2 * k],
        pi_disc: vec![0.0; batch * k * 2],
        anchor_gen: vec![0.0; batch * 2 * k],
        anchor_disc: vec![0.0; batch * k * 2],
        ranking_gen: vec![0; batch * k],
        ranking_disc: vec![0; batch * k],
        residual: vec![0.0; batch],
    };
    ctl.set_total(batch as u64 * opts.iterations);
    let per_task = QUESTIONS_PER_TASK;
    let tasks = out
        .pi_gen
        .par_chunks_mut(2 * k * per_task)
        .zip(out.pi_disc.par_chunks_mut(2 * k * per_task))
        .zip(out.anchor_gen.par_chunks_mut(2 * k * per_task))
        .zip(out.anchor_disc.par_chunks_mut(2 * k * per_task))
        .zip(out.ranking_gen.par_chunks_mut(k * per_task))
        .zip(out.ranking_disc.par_chunks_mut(k * per_task))
        .zip(out.residual.par_chunks_mut(per_task))
        .enumerate();
    tasks.try_for_each(|(task, ((((((pg, pd), ag), ad), rg), rd), res))| {
        ctl.check()?;
        let mut group = Group::new(k);
        for start in (0..res.len()).step_by(LANES) {
            let count = (res.len() - start).min(LANES);
            for lane in 0..count {
                let b = task * per_task + start + lane;
                let real = |y: usize| mask.is_none_or(|m| m[b * k + y]);
                let q = b * 2 * k..(b + 1) * 2 * k;
                group.load(lane, &p_gen[q.clone()], &p_disc[q], real);
            }
            group.pack(count, opts);
            kernel.run(&mut group, opts, ctl)?;
            for lane in 0..count {
                let j = start + lane;
                let q = j * 2 * k..(j + 1) * 2 * k;
                let (g, d) = group.policies(lane);
                group.store(lane, &g, &d, &mut pg[q.clone()], &mut pd[q.clone()]);
                group.store_anchors(lane, &mut ag[q.clone()], &mut ad[q]);
                let r = j * k..(j + 1) * k;
                group.rank(lane, &g[0], &mut rg[r.clone()]);
                group.rank(lane, &d[0], &mut rd[r]);
                res[j] = residual(&group.anchor_g[lane], &group.anchor_d[lane], &g, &d, opts);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Checks shapes and the entries of the real candidates; errors name the argument and the index
/// `(question, row, column)` of the first offending entry.
fn validate(
    p_gen: &[f64],
    p_disc: &[f64],
    mask: Option<&[bool]>,
    batch: usize,
    k: usize,
) -> Result<()> {
    if batch == 0 || k == 0 {
        return Err(Error::invalid(
            "p_gen",
            "at least one question and one candidate",
            format!("shape ({batch}, 2, {k})"),
        ));
    }
    for (name, data, shape) in [
        ("p_gen", p_gen, format!("({batch}, 2, {k})")),
        ("p_disc", p_disc, format!("({batch}, {k}, 2)")),
    ] {
        if data.len() != batch * 2 * k {
            return Err(Error::invalid(
                name,
                format!("{} entries for shape {shape}", batch * 2 * k),
                format!("{} entries", data.len()),
            ));
        }
    }
    if let Some(m) = mask {
        if m.len() != batch * k {
            return Err(Error::invalid(
                "mask",
                format!("{} entries for shape ({batch}, {k})", batch * k),
                format!("{} entries", m.len()),
            ));
        }
    }
    let real = |b: usize, y: usize| mask.is_none_or(|m| m[b * k + y]);
    let entry = |name: &str, value: f64, at: (usize, usize, usize)| -> Result<()> {
        if !value.is_finite() || value < 0.0 {
            return Err(Error::invalid(
                name,
                "finite, non-negative probabilities",
                format!("{value} at index {at:?}"),
            ));
        }
        Ok(())
    };
    for b in 0..batch {
        if !(0..k).any(|y| real(b, y)) {
            return Err(Error::invalid(
                "mask",
                "at least one real candidate per question",
                format!("no candidate in question {b}"),
            ));
        }
        for v in 0..2 {
            let mut positive = false;
            for y in (0..k).filter(|&y| real(b, y)) {
                let value = p_gen[(b * 2 + v) * k + y];
                entry("p_gen", value, (b, v, y))?;
                positive |= value > 0.0;
            }
            if !positive {
                return Err(Error::invalid(
                    "p_gen",
                    "rows with a positive entry among the real candidates",
                    format!("row {v} of question {b} all zero"),
                ));
            }
        }
        for y in (0..k).filter(|&y| real(b, y)) {
            let row = &p_disc[(b * k + y) * 2..(b * k + y) * 2 + 2];
            entry("p_disc", row[0], (b, y, 0))?;
            entry("p_disc", row[1], (b, y, 1))?;
            if row[0] == 0.0 && row[1] == 0.0 {
                return Err(Error::invalid(
                    "p_disc",
                    "rows with a positive entry",
                    format!("row {y} of question {b} all zero"),
                ));
            }
        }
    }
    Ok(())
}

/// One candidate slot of [`LANES`] questions, aligned for AVX2 loads and stores.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(32))]
struct Block([f64; LANES]);

/// `-1023 ln 2`: arguments are clamped here, where `k = -1023` makes the `2^k` built from bits
/// exactly 0, so everything below `exp(-708.7) ≈ 2.2e-308` (the smallest normal) flushes to 0.
const EXP_FLOOR: f64 = -709.089_565_712_824;
/// `1.5 * 2^52`: adding it to a number of magnitude below `2^51` rounds it to an integer.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// `ln 2 = LN2_HI + LN2_LO`, split so that `k * LN2_HI` is exact for `|k| < 2^20` (fdlibm's
/// constants).
const LN2_HI: f64 = 0.693_147_180_369_123_8;
/// See [`LN2_HI`].
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Degree-10 polynomial for `exp(r)` on `|r| <= ln 2 / 2`, lowest degree first: the minimax
/// approximation in relative error (Remez exchange in 60-digit arithmetic), rounded. Its own
/// relative error is 2.1e-16, so results are within a few ulp of the correctly rounded `exp`.
const EXP_POLY: [f64; 11] = [
    1.0,
    1.000_000_000_000_006_4,
    0.499_999_999_999_972_86,
    0.166_666_666_665_577_33,
    0.041_666_666_668_426_16,
    0.008_333_333_384_668_856,
    0.001_388_888_849_911_494_3,
    0.000_198_411_713_803_059_53,
    2.480_191_770_107_436_5e-5,
    2.763_976_989_432_862_6e-6,
    2.748_844_214_709_995e-7,
];

/// Largest `|x|` for which [`Lanes::exp_step3`] uses [`EXP_STEP_POLY`].
const STEP: f64 = 0.125;
/// Degree-8 polynomial for `exp(x)` on `[-1/8, 1/8]`, lowest degree first: the minimax
/// approximation in relative error (Remez exchange in 60-digit arithmetic), rounded; its own
/// relative error is 8.0e-17.
const EXP_STEP_POLY: [f64; 9] = [
    1.0,
    0.999_999_999_999_994_2,
    0.500_000_000_000_017_9,
    0.166_666_666_671_582_67,
    0.041_666_666_661_247_47,
    0.008_333_332_199_296_049,
    0.001_388_889_380_853_869_8,
    0.000_198_509_544_244_245_2,
    2.479_189_872_679_211e-5,
];

/// [`LANES`] `f64` lanes and the operations the loop needs. Every implementation performs the
/// same IEEE operations in the same order, so they agree bit for bit (with or without fused
/// multiply-adds, which is the only choice).
trait Lanes: Copy {
    /// Every lane `x`.
    fn splat(x: f64) -> Self;
    /// The lanes of a block.
    fn load(x: &Block) -> Self;
    /// Writes the lanes to a block.
    fn store(self, x: &mut Block);
    /// Lane-wise `self + o`.
    fn add(self, o: Self) -> Self;
    /// Lane-wise `self - o`.
    fn sub(self, o: Self) -> Self;
    /// Lane-wise `self * o`.
    fn mul(self, o: Self) -> Self;
    /// Lane-wise `self / o`.
    fn div(self, o: Self) -> Self;
    /// Lane-wise `if self > o { self } else { o }`.
    fn max(self, o: Self) -> Self;
    /// `self * b + c` (fused or not, per implementation).
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// `-|self|`.
    fn neg_abs(self) -> Self;
    /// `|self|`.
    fn abs(self) -> Self;
    /// Whether some lane is greater than `bound`.
    fn any_greater(self, bound: Self) -> bool;
    /// Lane-wise `if self > bound { a } else { b }`.
    fn select_greater(self, bound: Self, a: Self, b: Self) -> Self;
    /// Lane-wise `if self <= 0 { a } else { b }`.
    fn select_nonpositive(self, a: Self, b: Self) -> Self;
    /// `2^k` for lanes holding `k + SHIFT`, `k` an integer in `[-1023, 1023]` (`2^-1023` comes
    /// out as 0).
    fn pow2_of_shifted(self) -> Self;

    /// `exp` of lanes up to 709 (including `-inf`), branch-free: `x = k ln 2 + r` with
    /// `|r| <= ln 2 / 2` (Cody-Waite), [`EXP_POLY`] for `exp(r)` and `2^k` from its bits.
    /// Results below the smallest normal number flush to 0.
    #[inline(always)]
    fn exp(self) -> Self {
        let xc = self.max(Self::splat(EXP_FLOOR));
        let shifted = xc.mul_add(Self::splat(std::f64::consts::LOG2_E), Self::splat(SHIFT));
        let neg_k = Self::splat(SHIFT).sub(shifted);
        let r = neg_k.mul_add(Self::splat(LN2_HI), xc);
        let r = neg_k.mul_add(Self::splat(LN2_LO), r);
        // Estrin's scheme: the polynomial in 4 dependent steps instead of Horner's 10.
        let c = |j: usize| Self::splat(EXP_POLY[j]);
        let r2 = r.mul(r);
        let r4 = r2.mul(r2);
        let b03 = c(3).mul_add(r, c(2)).mul_add(r2, c(1).mul_add(r, c(0)));
        let b47 = c(7).mul_add(r, c(6)).mul_add(r2, c(5).mul_add(r, c(4)));
        let b810 = c(10).mul_add(r2, c(9).mul_add(r, c(8)));
        let p = b810.mul_add(r4, b47).mul_add(r4, b03);
        p.mul(shifted.pow2_of_shifted())
    }

    /// `exp` of lanes in `[-STEP, STEP]` by [`EXP_STEP_POLY`] alone (no range reduction), for
    /// three values at once (each coefficient is loaded once for the three).
    #[inline(always)]
    fn exp_small3(x: [Self; 3]) -> [Self; 3] {
        let top = Self::splat(EXP_STEP_POLY[8]);
        let mut p = [top; 3];
        for &c in EXP_STEP_POLY[..8].iter().rev() {
            let c = Self::splat(c);
            p = [
                p[0].mul_add(x[0], c),
                p[1].mul_add(x[1], c),
                p[2].mul_add(x[2], c),
            ];
        }
        p
    }

    /// `exp` of three steps of the multiplicative update: [`Lanes::exp_small3`] where
    /// `|x| <= STEP` (nearly always after the first iterations), [`Lanes::exp`] elsewhere. The
    /// choice is made per lane, so a question's numbers never depend on the others in its group.
    /// Without `CHECKED` the caller guarantees `|x| <= STEP`.
    #[inline(always)]
    fn exp_step3<const CHECKED: bool>(x: [Self; 3]) -> [Self; 3] {
        let small = Self::exp_small3(x);
        if !CHECKED {
            return small;
        }
        let size = [x[0].abs(), x[1].abs(), x[2].abs()];
        let step = Self::splat(STEP);
        if size[0].any_greater(step) || size[1].any_greater(step) || size[2].any_greater(step) {
            let full = [x[0].exp(), x[1].exp(), x[2].exp()];
            [
                size[0].select_greater(step, full[0], small[0]),
                size[1].select_greater(step, full[1], small[1]),
                size[2].select_greater(step, full[2], small[2]),
            ]
        } else {
            small
        }
    }
}

/// Portable lanes (plain element-wise code); fused multiply-adds when `FMA`.
#[derive(Clone, Copy)]
struct Portable<const FMA: bool>([f64; LANES]);

impl<const FMA: bool> Portable<FMA> {
    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        Portable(self.0.map(f))
    }

    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        let mut out = self.0;
        for (x, y) in out.iter_mut().zip(o.0) {
            *x = f(*x, y);
        }
        Portable(out)
    }
}

impl<const FMA: bool> Lanes for Portable<FMA> {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Portable([x; LANES])
    }
    #[inline(always)]
    fn load(x: &Block) -> Self {
        Portable(x.0)
    }
    #[inline(always)]
    fn store(self, x: &mut Block) {
        x.0 = self.0;
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.zip(o, |a, b| a + b)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.zip(o, |a, b| a - b)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.zip(o, |a, b| a * b)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self.zip(o, |a, b| a / b)
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        self.zip(o, |a, b| if a > b { a } else { b })
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        let mut out = self.0;
        for ((x, y), z) in out.iter_mut().zip(b.0).zip(c.0) {
            *x = if FMA { x.mul_add(y, z) } else { *x * y + z };
        }
        Portable(out)
    }
    #[inline(always)]
    fn neg_abs(self) -> Self {
        self.map(|x| -x.abs())
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.map(f64::abs)
    }
    #[inline(always)]
    fn any_greater(self, bound: Self) -> bool {
        self.0.iter().zip(bound.0).any(|(&x, b)| x > b)
    }
    #[inline(always)]
    fn select_greater(self, bound: Self, a: Self, b: Self) -> Self {
        let mut out = b.0;
        for (((o, x), y), z) in out.iter_mut().zip(self.0).zip(bound.0).zip(a.0) {
            if x > y {
                *o = z;
            }
        }
        Portable(out)
    }
    #[inline(always)]
    fn select_nonpositive(self, a: Self, b: Self) -> Self {
        let mut out = b.0;
        for ((o, x), y) in out.iter_mut().zip(self.0).zip(a.0) {
            if x <= 0.0 {
                *o = y;
            }
        }
        Portable(out)
    }
    #[inline(always)]
    fn pow2_of_shifted(self) -> Self {
        self.map(|s| f64::from_bits(s.to_bits().wrapping_add(1023) << 52))
    }
}

/// AVX2 + FMA lanes; only used after detecting both features.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Block, Lanes, LANES};
    use std::arch::x86_64::*;

    /// `LANES / 4` AVX2 registers. Values of this type exist only inside
    /// `super::iterate_avx2`, which runs after `is_x86_feature_detected!` confirmed AVX2 and FMA:
    /// that is what makes the intrinsics below sound.
    #[derive(Clone, Copy)]
    pub(super) struct Avx2([__m256d; REGS]);

    /// Registers per value.
    const REGS: usize = LANES / 4;

    impl Avx2 {
        #[inline(always)]
        fn map(self, f: impl Fn(__m256d) -> __m256d) -> Self {
            Avx2(std::array::from_fn(|i| f(self.0[i])))
        }

        #[inline(always)]
        fn zip(self, o: Self, f: impl Fn(__m256d, __m256d) -> __m256d) -> Self {
            Avx2(std::array::from_fn(|i| f(self.0[i], o.0[i])))
        }
    }

    impl Lanes for Avx2 {
        #[inline(always)]
        fn splat(x: f64) -> Self {
            Avx2([unsafe { _mm256_set1_pd(x) }; REGS])
        }
        #[inline(always)]
        fn load(x: &Block) -> Self {
            // SAFETY: `Block` is 32-byte aligned and holds `4 * REGS` f64.
            Avx2(std::array::from_fn(|i| unsafe {
                _mm256_load_pd(x.0.as_ptr().add(4 * i))
            }))
        }
        #[inline(always)]
        fn store(self, x: &mut Block) {
            // SAFETY: as for `load`.
            for i in 0..REGS {
                unsafe { _mm256_store_pd(x.0.as_mut_ptr().add(4 * i), self.0[i]) }
            }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            self.zip(o, |a, b| unsafe { _mm256_add_pd(a, b) })
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            self.zip(o, |a, b| unsafe { _mm256_sub_pd(a, b) })
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            self.zip(o, |a, b| unsafe { _mm256_mul_pd(a, b) })
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            self.zip(o, |a, b| unsafe { _mm256_div_pd(a, b) })
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            // `maxpd` returns its second operand unless the first is greater.
            self.zip(o, |a, b| unsafe { _mm256_max_pd(a, b) })
        }
        #[inline(always)]
        fn mul_add(self, b: Self, c: Self) -> Self {
            Avx2(std::array::from_fn(|i| unsafe {
                _mm256_fmadd_pd(self.0[i], b.0[i], c.0[i])
            }))
        }
        #[inline(always)]
        fn neg_abs(self) -> Self {
            self.map(|a| unsafe { _mm256_or_pd(a, _mm256_set1_pd(-0.0)) })
        }
        #[inline(always)]
        fn abs(self) -> Self {
            self.map(|a| unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), a) })
        }
        #[inline(always)]
        fn any_greater(self, bound: Self) -> bool {
            let mut any = 0;
            for i in 0..REGS {
                any |= unsafe {
                    _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(self.0[i], bound.0[i]))
                };
            }
            any != 0
        }
        #[inline(always)]
        fn select_greater(self, bound: Self, a: Self, b: Self) -> Self {
            Avx2(std::array::from_fn(|i| unsafe {
                let gt = _mm256_cmp_pd::<_CMP_GT_OQ>(self.0[i], bound.0[i]);
                _mm256_blendv_pd(b.0[i], a.0[i], gt)
            }))
        }
        #[inline(always)]
        fn select_nonpositive(self, a: Self, b: Self) -> Self {
            let pick = |x: __m256d, a: __m256d, b: __m256d| unsafe {
                let le = _mm256_cmp_pd::<_CMP_LE_OQ>(x, _mm256_setzero_pd());
                _mm256_blendv_pd(b, a, le)
            };
            Avx2(std::array::from_fn(|i| pick(self.0[i], a.0[i], b.0[i])))
        }
        #[inline(always)]
        fn pow2_of_shifted(self) -> Self {
            self.map(|s| unsafe {
                let bits = _mm256_add_epi64(_mm256_castpd_si256(s), _mm256_set1_epi64x(1023));
                _mm256_castsi256_pd(_mm256_slli_epi64::<52>(bits))
            })
        }
    }
}

/// Up to [`LANES`] questions solved together, one per lane of every [`Block`]: block `j` of a
/// buffer holds candidate slot `j` of each question, so the maxima and sums over candidates are
/// lane-wise and each question's arithmetic is exactly what it would be alone. Each question's
/// real candidates are compacted to its first slots; the slots past them are padding that adds
/// exact zeros (generator exponent `-inf`). Lanes past the loaded questions repeat lane 0.
/// Index 0/1 of each pair is `v = correct/incorrect`. Reused across the groups of a task.
struct Group {
    /// Number of questions loaded.
    count: usize,
    /// Over the loaded questions: the largest spread (max - min over candidates) of the
    /// generator's anchor terms `log π_G¹(·|v)` as the loop stores them, and the largest `|·|` of
    /// the discriminator's `log π_D¹(1|y) - log π_D¹(0|y)`; they bound how far the anchor term can
    /// move a multiplicative step.
    spread: (f64, f64),
    /// Per lane: the original index of each real candidate.
    index: [Vec<usize>; LANES],
    /// Per lane: the anchors `[π_G¹(·|0), π_G¹(·|1)]` and `[π_D¹(0|·), π_D¹(1|·)]` of its real
    /// candidates.
    anchor_g: [[Vec<f64>; 2]; LANES],
    anchor_d: [[Vec<f64>; 2]; LANES],
    /// The loop's state, one [`Slot`] per candidate slot.
    slots: Vec<Slot>,
}

/// Everything the loop reads and writes for one candidate slot of a [`Group`], side by side so
/// that one pointer reaches all of it. Pairs are indexed by `v` (0 = correct).
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Current policies `π_G(y|v)` and `π_D(v|y)`.
    g: [Block; 2],
    d: [Block; 2],
    /// Running sums of the utilities: `Σ_τ π_D^τ(0|y)` for the generator (its sum for `v = 1`
    /// is `t` minus this one, the discriminator's two probabilities adding up to 1) and, for the
    /// discriminator, which only sees differences, `Σ_τ π_G^τ(y|1) - π_G^τ(y|0)`.
    sum_g: Block,
    sum_d: Block,
    /// The anchors' logarithms as the loop uses them (see [`log_anchor`]), finite: 0 where the
    /// anchor is 0, on padding, and everywhere when `λ = 0`.
    log_g: [Block; 2],
    /// For the discriminator, `log π_D¹(1|y) - log π_D¹(0|y)` (same conventions).
    log_d: Block,
    /// The support: 0 where the anchor is positive, `-inf` where it is 0 and on the generator's
    /// padding.
    bias_g: [Block; 2],
    /// For the discriminator, the difference of its supports (`±inf` where one anchor is 0, 0
    /// elsewhere and on padding, which stays a harmless uniform pair).
    bias_d: Block,
    /// Scratch: the generator's exponents (or their steps), then its unnormalised policies.
    w: [Block; 2],
    /// Scratch: the step of the discriminator's `z₁ - z₀`.
    moved: Block,
}

impl Slot {
    /// A padding slot: generator probability 0 off the support, a uniform discriminator.
    const PADDING: Slot = Slot {
        g: [Block([0.0; LANES]); 2],
        d: [Block([0.5; LANES]); 2],
        sum_g: Block([0.0; LANES]),
        sum_d: Block([0.0; LANES]),
        log_g: [Block([0.0; LANES]); 2],
        log_d: Block([0.0; LANES]),
        bias_g: [Block([f64::NEG_INFINITY; LANES]); 2],
        bias_d: Block([0.0; LANES]),
        w: [Block([0.0; LANES]); 2],
        moved: Block([0.0; LANES]),
    };
}

impl Group {
    fn new(k: usize) -> Self {
        let scalars = || [Vec::with_capacity(k), Vec::with_capacity(k)];
        Group {
            count: 0,
            spread: (0.0, 0.0),
            index: std::array::from_fn(|_| Vec::with_capacity(k)),
            anchor_g: std::array::from_fn(|_| scalars()),
            anchor_d: std::array::from_fn(|_| scalars()),
            slots: Vec::with_capacity(k),
        }
    }

    /// Loads one question (`p_gen` `(2, K)`, `p_disc` `(K, 2)`) into `lane`: its real
    /// candidates and anchors.
    fn load(&mut self, lane: usize, p_gen: &[f64], p_disc: &[f64], real: impl Fn(usize) -> bool) {
        let k = p_disc.len() / 2;
        let index = &mut self.index[lane];
        index.clear();
        index.extend((0..k).filter(|&y| real(y)));
        let n = index.len();
        let (ag, ad) = (&mut self.anchor_g[lane], &mut self.anchor_d[lane]);
        for v in 0..2 {
            ag[v].clear();
            ag[v].resize(n, 0.0);
            ad[v].clear();
            ad[v].resize(n, 0.0);
        }
        // Generator: divide by the column sum over v (0/0 counts as 0), then renormalise over y.
        for (j, &y) in index.iter().enumerate() {
            let (a, b) = (p_gen[y], p_gen[k + y]);
            let total = a + b;
            if total > 0.0 {
                ag[0][j] = a / total;
                ag[1][j] = b / total;
            }
        }
        for row in ag.iter_mut() {
            let total: f64 = row.iter().sum();
            for a in row.iter_mut() {
                *a /= total;
            }
        }
        // Discriminator: divide by the column sum over the real y, then renormalise over v.
        let mut column = [0.0; 2];
        for &y in index.iter() {
            column[0] += p_disc[2 * y];
            column[1] += p_disc[2 * y + 1];
        }
        for (j, &y) in index.iter().enumerate() {
            let mut pair = [0.0; 2];
            for v in 0..2 {
                if column[v] > 0.0 {
                    pair[v] = p_disc[2 * y + v] / column[v];
                }
            }
            let total = pair[0] + pair[1];
            ad[0][j] = pair[0] / total;
            ad[1][j] = pair[1] / total;
        }
    }

    /// Fills the loop's buffers from the `count` loaded lanes (the others repeat lane 0) and
    /// resets the policies to the anchors.
    fn pack(&mut self, count: usize, opts: &RankingOptions) {
        self.count = count;
        self.spread = (0.0, 0.0);
        let slots = (0..count).map(|l| self.index[l].len()).max().unwrap_or(0);
        self.slots.clear();
        self.slots.resize(slots, Slot::PADDING);
        for lane in 0..LANES {
            let source = if lane < count { lane } else { 0 };
            for v in 0..2 {
                let ag = &self.anchor_g[source][v];
                for (slot, &a) in self.slots.iter_mut().zip(ag) {
                    slot.log_g[v].0[lane] = log_anchor(a, opts.lambda_g);
                    slot.bias_g[v].0[lane] = support(a);
                    slot.g[v].0[lane] = a;
                }
            }
            let ad = &self.anchor_d[source];
            for (slot, (&a, &b)) in self.slots.iter_mut().zip(ad[0].iter().zip(&ad[1])) {
                let (la, lb) = (log_anchor(a, opts.lambda_d), log_anchor(b, opts.lambda_d));
                slot.log_d.0[lane] = lb - la;
                slot.bias_d.0[lane] = support(b) - support(a);
                slot.d[0].0[lane] = a;
                slot.d[1].0[lane] = b;
            }
        }
        for slot in &self.slots {
            for lane in 0..count {
                let d = slot.log_d.0[lane].abs();
                self.spread.1 = self.spread.1.max(d);
            }
        }
        for lane in 0..count {
            for v in 0..2 {
                let column = self.slots[..self.index[lane].len()].iter();
                let (lo, hi) = column.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
                    let x = s.log_g[v].0[lane];
                    (lo.min(x), hi.max(x))
                });
                self.spread.0 = self.spread.0.max(hi - lo);
            }
        }
    }

    /// The final policies of `lane`'s real candidates: `[π_G(·|0), π_G(·|1)]` and
    /// `[π_D(0|·), π_D(1|·)]`.
    fn policies(&self, lane: usize) -> ([Vec<f64>; 2], [Vec<f64>; 2]) {
        let slots = &self.slots[..self.index[lane].len()];
        let column = |f: &dyn Fn(&Slot) -> f64| slots.iter().map(f).collect::<Vec<f64>>();
        (
            [column(&|s| s.g[0].0[lane]), column(&|s| s.g[1].0[lane])],
            [column(&|s| s.d[0].0[lane]), column(&|s| s.d[1].0[lane])],
        )
    }

    /// Writes policies of `lane` in the caller's layout (`(2, K)` and `(K, 2)`); the
    /// masked-out entries keep the zeros the outputs start with.
    fn store(
        &self,
        lane: usize,
        g: &[Vec<f64>; 2],
        d: &[Vec<f64>; 2],
        out_gen: &mut [f64],
        out_disc: &mut [f64],
    ) {
        let k = out_disc.len() / 2;
        for (j, &y) in self.index[lane].iter().enumerate() {
            for v in 0..2 {
                out_gen[v * k + y] = g[v][j];
                out_disc[2 * y + v] = d[v][j];
            }
        }
    }

    /// Writes the anchors of `lane` in the caller's layout.
    fn store_anchors(&self, lane: usize, out_gen: &mut [f64], out_disc: &mut [f64]) {
        self.store(
            lane,
            &self.anchor_g[lane],
            &self.anchor_d[lane],
            out_gen,
            out_disc,
        );
    }

    /// Candidate indices of `lane` by decreasing `score` (stable: ties to the lower index),
    /// then the masked-out candidates in index order.
    fn rank(&self, lane: usize, score: &[f64], out: &mut [usize]) {
        let index = &self.index[lane];
        let mut order: Vec<usize> = (0..index.len()).collect();
        order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
        let masked = (0..out.len()).filter(|y| index.binary_search(y).is_err());
        let ranked = order.iter().map(|&j| index[j]).chain(masked);
        for (slot, y) in out.iter_mut().zip(ranked) {
            *slot = y;
        }
    }
}

/// The fixed-point residual of policies `g = [π_G(·|0), π_G(·|1)]`, `d = [π_D(0|·), π_D(1|·)]`
/// (see the module documentation).
fn residual(
    anchor_g: &[Vec<f64>; 2],
    anchor_d: &[Vec<f64>; 2],
    g: &[Vec<f64>; 2],
    d: &[Vec<f64>; 2],
    opts: &RankingOptions,
) -> f64 {
    let n = g[0].len();
    let mut total = 0.0;
    let mut target = vec![0.0; n];
    for v in 0..2 {
        // The generator's regularized best response to its utilities π_D(v|·) / 2.
        regularized_response(&anchor_g[v], &d[v], opts.lambda_g, &mut target);
        total += g[v]
            .iter()
            .zip(&target)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>();
    }
    let mut pair = [0.0; 2];
    for j in 0..n {
        let anchor = [anchor_d[0][j], anchor_d[1][j]];
        regularized_response(&anchor, &[g[0][j], g[1][j]], opts.lambda_d, &mut pair);
        total += (d[0][j] - pair[0]).abs() + (d[1][j] - pair[1]).abs();
    }
    total
}

/// `softmax(log anchor + utility / (2λ))` for `λ > 0`; for `λ = 0` its limit, the anchor
/// restricted to the maximizers of `utility` on the anchor's support and renormalised.
fn regularized_response(anchor: &[f64], utility: &[f64], lambda: f64, out: &mut [f64]) {
    if lambda > 0.0 {
        let z = |j: usize| {
            if anchor[j] > 0.0 {
                anchor[j].ln() + utility[j] / (2.0 * lambda)
            } else {
                f64::NEG_INFINITY
            }
        };
        let m = (0..anchor.len()).map(z).fold(f64::NEG_INFINITY, f64::max);
        for (j, o) in out.iter_mut().enumerate() {
            *o = (z(j) - m).exp();
        }
    } else {
        let best = (0..anchor.len())
            .filter(|&j| anchor[j] > 0.0)
            .map(|j| utility[j])
            .fold(f64::NEG_INFINITY, f64::max);
        for (j, o) in out.iter_mut().enumerate() {
            *o = if anchor[j] > 0.0 && utility[j] == best {
                anchor[j]
            } else {
                0.0
            };
        }
    }
    let total: f64 = out.iter().sum();
    for o in out.iter_mut() {
        *o /= total;
    }
}

/// The anchor's logarithm as the loop uses it: `log a` when `a > 0` and `λ > 0`, else 0 (the
/// support is kept apart, see [`support`]; for `λ = 0` its coefficient `c₂` is 0).
fn log_anchor(a: f64, lambda: f64) -> f64 {
    if a > 0.0 && lambda > 0.0 {
        a.ln()
    } else {
        0.0
    }
}

/// 0 on the anchor's support, `-inf` off it: added to an exponent, it keeps the probability 0.
fn support(a: f64) -> f64 {
    if a > 0.0 {
        0.0
    } else {
        f64::NEG_INFINITY
    }
}

/// Which compiled copy of the loop runs: chosen once per call from the CPU's features, so all
/// threads run the same arithmetic.
#[derive(Clone, Copy)]
enum Kernel {
    /// Portable code without fused multiply-adds (they would be library calls without hardware
    /// FMA).
    Portable,
    /// AVX2 registers and fused multiply-adds (x86-64 with both features).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// Portable code with fused multiply-adds (aarch64 always has them; elsewhere a check of
    /// the AVX2 copy, with which it agrees bit for bit).
    #[cfg_attr(not(any(test, target_arch = "aarch64")), allow(dead_code))]
    Fused,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Kernel::Avx2;
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            return Kernel::Fused;
        }
        #[allow(unreachable_code)]
        Kernel::Portable
    }

    fn run(self, ws: &mut Group, opts: &RankingOptions, ctl: &Control) -> Result<()> {
        match self {
            Kernel::Portable => iterate::<Portable<false>>(ws, opts, ctl),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2` is only chosen after detecting AVX2 and FMA on this CPU.
            Kernel::Avx2 => unsafe { iterate_avx2(ws, opts, ctl) },
            Kernel::Fused => iterate::<Portable<true>>(ws, opts, ctl),
        }
    }
}

/// [`iterate`] on AVX2 registers, compiled with AVX2 and FMA enabled.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn iterate_avx2(ws: &mut Group, opts: &RankingOptions, ctl: &Control) -> Result<()> {
    iterate::<avx2::Avx2>(ws, opts, ctl)
}

/// `(c₁, c₂)` of iteration `t`: the exponent is `c₁ S + c₂ log π¹`.
#[inline(always)]
fn coefficients(eta: f64, lambda: f64, t: f64) -> (f64, f64) {
    let elt = eta * lambda * t;
    (eta / (2.0 * (1.0 + elt)), elt / (1.0 + elt))
}

/// Iterations between exact recomputations of the policies from their exponents (between them
/// the update is multiplicative, see [`iterate`]).
const REFRESH: u64 = 32;

/// `(c₁, c₂)` of iteration `t`, their changes since iteration `t - 1`, and a bound on how much
/// the exponent's spread over candidates can move in that step without the anchor term,
/// `|Δc₁| t + c₁` (the utilities `S` lie in `[0, t]` and the policies in `[0, 1]`).
#[inline(always)]
fn changes(eta: f64, lambda: f64, t: f64) -> (f64, f64, f64, f64, f64) {
    let (c1, c2) = coefficients(eta, lambda, t);
    let (now, before) = (1.0 + eta * lambda * t, 1.0 + eta * lambda * (t - 1.0));
    let dc1 = -eta * eta * lambda / (2.0 * now * before);
    let dc2 = eta * lambda / (now * before);
    (c1, c2, dc1, dc2, dc1.abs() * t + c1)
}

/// Runs the dynamics on a packed group; on return its slots hold `π^{T+1}`.
///
/// Iteration `t` adds the current policies to the running sums `S` and moves both players to
/// `softmax(z)` with `z = c₁ S + c₂ log π¹`, every operation lane-wise (per question). At
/// `t = 1`, every [`REFRESH`] iterations, and while the step bound of [`changes`] exceeds
/// `STEP / 2` (large `η`), the policies are computed from `z` directly: the maximum subtracted,
/// and the discriminator's two-way softmax as `(1, e) / (1 + e)` with `e = exp(-|z₁ - z₀|)`.
/// Otherwise the same number is written multiplicatively, `π^{t+1} ∝ π^t exp(Δz)` with
/// `Δz = Δc₁ S_{t-1} + c₁ π_t + Δc₂ log π¹` (the exponent's change, computed from the sums, not
/// as a difference): it moves by `O(1/t)`, so `exp` needs no range reduction and only a short
/// polynomial ([`Lanes::exp_step3`], which falls back to the full `exp` for a lane whose step
/// is larger; the check is skipped when the step bound plus the anchors' spread in the group
/// guarantees it, which changes no result). The generator's steps are taken relative to its
/// first candidate's, so they stay small. The rounding this accumulates between refreshes is a
/// few ulp of each probability.
#[inline(always)]
fn iterate<L: Lanes>(ws: &mut Group, opts: &RankingOptions, ctl: &Control) -> Result<()> {
    let weight = ws.count as u64;
    let mut reported = 0;
    for t in 1..=opts.iterations {
        if t % CHECK_EVERY == 0 {
            ctl.check()?;
            ctl.advance((t - reported) * weight);
            reported = t;
        }
        let tf = t as f64;
        let gen = changes(opts.eta_g, opts.lambda_g, tf);
        let disc = changes(opts.eta_d, opts.lambda_d, tf);
        if t == 1 || t % REFRESH == 0 || gen.4.max(disc.4) > 0.5 * STEP {
            direct_step::<L>(&mut ws.slots, tf, (gen.0, gen.1), (disc.0, disc.1));
        } else {
            // Whether a step can exceed `STEP` (else no lane needs checking).
            let large = gen.4 + gen.3.abs() * ws.spread.0 > STEP
                || disc.4 + disc.3.abs() * ws.spread.1 > STEP;
            if large {
                multiplicative_step::<L, true>(&mut ws.slots, gen, disc);
            } else {
                multiplicative_step::<L, false>(&mut ws.slots, gen, disc);
            }
        }
    }
    ctl.advance((opts.iterations - reported) * weight);
    Ok(())
}

/// One exact iteration (see [`iterate`]); `gen` and `disc` are `(c₁, c₂)`.
#[inline(always)]
fn direct_step<L: Lanes>(slots: &mut [Slot], t: f64, gen: (f64, f64), disc: (f64, f64)) {
    let one = L::splat(1.0);
    let rounds = L::splat(t);
    let (ag, bg) = (L::splat(gen.0), L::splat(gen.1));
    let (ad, bd) = (L::splat(disc.0), L::splat(disc.1));
    let mut m0 = L::splat(f64::NEG_INFINITY);
    let mut m1 = m0;
    for s in slots.iter_mut() {
        // The utilities average every policy played so far, the current ones included.
        let s0 = L::load(&s.sum_g).add(L::load(&s.d[0]));
        let s1 = rounds.sub(s0);
        let (gp0, gp1) = (L::load(&s.g[0]), L::load(&s.g[1]));
        let u = L::load(&s.sum_d).add(gp1.sub(gp0));
        s0.store(&mut s.sum_g);
        u.store(&mut s.sum_d);
        let x0 = ag
            .mul_add(s0, bg.mul(L::load(&s.log_g[0])))
            .add(L::load(&s.bias_g[0]));
        let x1 = ag
            .mul_add(s1, bg.mul(L::load(&s.log_g[1])))
            .add(L::load(&s.bias_g[1]));
        x0.store(&mut s.w[0]);
        x1.store(&mut s.w[1]);
        m0 = m0.max(x0);
        m1 = m1.max(x1);
        // The discriminator's `z₁ - z₀` on its support.
        let gap = ad
            .mul_add(u, bd.mul(L::load(&s.log_d)))
            .add(L::load(&s.bias_d));
        let e = gap.neg_abs().exp();
        let (n0, n1) = (
            gap.select_nonpositive(one, e),
            gap.select_nonpositive(e, one),
        );
        let inv = one.div(n0.add(n1));
        n0.mul(inv).store(&mut s.d[0]);
        n1.mul(inv).store(&mut s.d[1]);
    }
    let mut t0 = L::splat(0.0);
    let mut t1 = t0;
    for s in slots.iter_mut() {
        let e0 = L::load(&s.w[0]).sub(m0).exp();
        let e1 = L::load(&s.w[1]).sub(m1).exp();
        e0.store(&mut s.w[0]);
        e1.store(&mut s.w[1]);
        t0 = t0.add(e0);
        t1 = t1.add(e1);
    }
    normalise::<L>(slots, t0, t1);
}

/// One multiplicative iteration (see [`iterate`]); `gen` and `disc` are from [`changes`].
#[inline(always)]
fn multiplicative_step<L: Lanes, const CHECKED: bool>(
    slots: &mut [Slot],
    gen: (f64, f64, f64, f64, f64),
    disc: (f64, f64, f64, f64, f64),
) {
    let one = L::splat(1.0);
    let (cg, dcg, dlg) = (L::splat(gen.0), L::splat(gen.2), L::splat(gen.3));
    let (cd, dcd, dld) = (L::splat(disc.0), L::splat(disc.2), L::splat(disc.3));
    // First the steps of the exponents (a pass of loads, stores and multiply-adds), then their
    // exponentials (a pass of independent polynomials, which keeps the multiply-add units busy).
    let mut reference = (L::splat(0.0), L::splat(0.0));
    for (j, s) in slots.iter_mut().enumerate() {
        let (gp0, gp1) = (L::load(&s.g[0]), L::load(&s.g[1]));
        let dp0 = L::load(&s.d[0]);
        let (s0, u) = (L::load(&s.sum_g), L::load(&s.sum_d));
        s0.add(dp0).store(&mut s.sum_g);
        let dg = gp1.sub(gp0);
        u.add(dg).store(&mut s.sum_d);
        // Generator: Δz_v = Δc₁ S_v + c₁ π_D(v|·) + Δc₂ log π¹, relative to the first candidate.
        // With S_1 = t - 1 - S_0 and π_D(1|·) = 1 - π_D(0|·), the first two terms of `Δz_1` are
        // a constant (which the reference removes) minus those of `Δz_0`.
        let common = dcg.mul_add(s0, cg.mul(dp0));
        let k0 = dlg.mul_add(L::load(&s.log_g[0]), common);
        let k1 = dlg.mul(L::load(&s.log_g[1])).sub(common);
        if j == 0 {
            reference = (k0, k1);
        }
        k0.sub(reference.0).store(&mut s.w[0]);
        k1.sub(reference.1).store(&mut s.w[1]);
        // Discriminator: the step of `z₁ - z₀`.
        dcd.mul_add(u, cd.mul_add(dg, dld.mul(L::load(&s.log_d))))
            .store(&mut s.moved);
    }
    let mut t0 = L::splat(0.0);
    let mut t1 = t0;
    for s in slots.iter_mut() {
        let moved = L::load(&s.moved);
        let steps = [L::load(&s.w[0]), L::load(&s.w[1]), moved.neg_abs()];
        let [x0, x1, f] = L::exp_step3::<CHECKED>(steps);
        let e0 = L::load(&s.g[0]).mul(x0);
        let e1 = L::load(&s.g[1]).mul(x1);
        e0.store(&mut s.w[0]);
        e1.store(&mut s.w[1]);
        t0 = t0.add(e0);
        t1 = t1.add(e1);
        // π_D(v|y) ∝ π_D(v|y) exp(Δz_v), as a ratio of the two.
        let (dp0, dp1) = (L::load(&s.d[0]), L::load(&s.d[1]));
        let n0 = moved.select_nonpositive(dp0, dp0.mul(f));
        let n1 = moved.select_nonpositive(dp1.mul(f), dp1);
        let inv = one.div(n0.add(n1));
        n0.mul(inv).store(&mut s.d[0]);
        n1.mul(inv).store(&mut s.d[1]);
    }
    normalise::<L>(slots, t0, t1);
}

/// `π_G(·|v) = w_v / total_v`.
#[inline(always)]
fn normalise<L: Lanes>(slots: &mut [Slot], total0: L, total1: L) {
    let one = L::splat(1.0);
    let (inv0, inv1) = (one.div(total0), one.div(total1));
    for s in slots.iter_mut() {
        L::load(&s.w[0]).mul(inv0).store(&mut s.g[0]);
        L::load(&s.w[1]).mul(inv1).store(&mut s.g[1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P_GEN: [f64; 6] = [0.5, 0.3, 0.2, 0.4, 0.3, 0.3];
    const P_DISC: [f64; 6] = [0.3, 0.7, 0.8, 0.2, 0.5, 0.5];

    fn solve_default(
        p_gen: &[f64],
        p_disc: &[f64],
        mask: Option<&[bool]>,
        b: usize,
        k: usize,
    ) -> RankingSolution {
        equilibrium_ranking(
            p_gen,
            p_disc,
            mask,
            b,
            k,
            &RankingOptions::default(),
            &Control::new(0),
        )
        .unwrap()
    }

    #[test]
    fn fast_exp_agrees_with_std() {
        let exp = |x: f64, fused: bool| {
            if fused {
                Portable::<true>::splat(x).exp().0[0]
            } else {
                Portable::<false>::splat(x).exp().0[0]
            }
        };
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            let x = -(i as f64) * 708.0 / 200_000.0 - 1e-3 * (i % 7) as f64;
            for fused in [false, true] {
                let exact = x.exp();
                worst = worst.max(((exp(x, fused) - exact) / exact).abs());
            }
        }
        assert!(worst < 1e-15, "worst relative error {worst}");
        assert_eq!(exp(0.0, false), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY, true), 0.0);
        assert_eq!(exp(-800.0, false), 0.0);
    }

    #[test]
    fn every_copy_of_the_loop_agrees() {
        let (b, k) = (7, 13);
        let mut state = 7u64;
        let mut rnd = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let p_gen: Vec<f64> = (0..b * 2 * k).map(|_| rnd()).collect();
        let p_disc: Vec<f64> = (0..b * 2 * k).map(|_| rnd()).collect();
        let opts = RankingOptions::default();
        let run = |kernel| solve(&p_gen, &p_disc, None, b, k, &opts, &Control::new(0), kernel);
        let portable = run(Kernel::Portable).unwrap();
        let fused = run(Kernel::Fused).unwrap();
        for (a, b) in portable.pi_gen.iter().zip(&fused.pi_gen) {
            assert!((a - b).abs() < 1e-13, "{a} {b}");
        }
        let detected = run(Kernel::detect()).unwrap();
        if !matches!(Kernel::detect(), Kernel::Portable) {
            assert_eq!(detected, fused);
        }
    }

    /// The dynamics exactly as the formulas read, in plain `f64` with the library `exp`.
    fn reference(p_gen: &[f64], p_disc: &[f64], k: usize, o: &RankingOptions) -> Vec<f64> {
        let mut a_g = vec![[0.0; 2]; k];
        let mut a_d = vec![[0.0; 2]; k];
        let column = [0, 1].map(|v| (0..k).map(|y| p_disc[2 * y + v]).sum::<f64>());
        for y in 0..k {
            let total = p_gen[y] + p_gen[k + y];
            a_g[y] = [p_gen[y] / total, p_gen[k + y] / total];
            a_d[y] = [p_disc[2 * y] / column[0], p_disc[2 * y + 1] / column[1]];
            let s = a_d[y][0] + a_d[y][1];
            a_d[y] = [a_d[y][0] / s, a_d[y][1] / s];
        }
        for v in 0..2 {
            let s: f64 = a_g.iter().map(|a| a[v]).sum();
            a_g.iter_mut().for_each(|a| a[v] /= s);
        }
        let softmax = |z: &mut [f64]| {
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            z.iter_mut().for_each(|x| *x = (*x - m).exp());
            let s: f64 = z.iter().sum();
            z.iter_mut().for_each(|x| *x /= s);
        };
        let (mut g, mut d) = (a_g.clone(), a_d.clone());
        let (mut sum_g, mut sum_d) = (vec![[0.0; 2]; k], vec![[0.0; 2]; k]);
        for t in 1..=o.iterations {
            let tf = t as f64;
            for y in 0..k {
                for v in 0..2 {
                    sum_g[y][v] += d[y][v];
                    sum_d[y][v] += g[y][v];
                }
            }
            let tg = 1.0 / (o.eta_g * tf) + o.lambda_g;
            let td = 1.0 / (o.eta_d * tf) + o.lambda_d;
            for v in 0..2 {
                let mut z: Vec<f64> = (0..k)
                    .map(|y| (sum_g[y][v] / (2.0 * tf) + o.lambda_g * a_g[y][v].ln()) / tg)
                    .collect();
                softmax(&mut z);
                (0..k).for_each(|y| g[y][v] = z[y]);
            }
            for y in 0..k {
                let mut z =
                    [0, 1].map(|v| (sum_d[y][v] / (2.0 * tf) + o.lambda_d * a_d[y][v].ln()) / td);
                softmax(&mut z);
                d[y] = z;
            }
        }
        (0..2).flat_map(|v| g.iter().map(move |p| p[v])).collect()
    }

    #[test]
    fn agrees_with_the_formulas() {
        let (b, k) = (5, 9);
        let mut state = 11u64;
        let mut rnd = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        // Scores over six orders of magnitude.
        let p_gen: Vec<f64> = (0..b * 2 * k).map(|_| 10f64.powf(-6.0 * rnd())).collect();
        let p_disc: Vec<f64> = (0..b * 2 * k).map(|_| 10f64.powf(-6.0 * rnd())).collect();
        for o in [
            RankingOptions::default(),
            RankingOptions {
                lambda_g: 0.5,
                lambda_d: 0.02,
                eta_g: 1.0,
                eta_d: 0.3,
                iterations: 700,
            },
        ] {
            let s = equilibrium_ranking(&p_gen, &p_disc, None, b, k, &o, &Control::new(0)).unwrap();
            for q in 0..b {
                let expected = reference(
                    &p_gen[2 * k * q..],
                    &p_disc[2 * k * q..2 * k * (q + 1)],
                    k,
                    &o,
                );
                for (x, y) in s.pi_gen[2 * k * q..2 * k * (q + 1)].iter().zip(&expected) {
                    assert!((x - y).abs() < 1e-12, "{x} {y}");
                }
            }
        }
    }

    #[test]
    fn golden_toy() {
        let s = solve_default(&P_GEN, &P_DISC, None, 1, 3);
        let g = [0.012635, 0.971169, 0.016196];
        let d = [0.029416, 0.996173, 0.126760];
        for y in 0..3 {
            assert!((s.pi_gen[y] - g[y]).abs() < 5e-7, "{:?}", s.pi_gen);
            assert!((s.pi_disc[2 * y] - d[y]).abs() < 5e-7, "{:?}", s.pi_disc);
        }
        assert_eq!(s.ranking_gen, vec![1, 2, 0]);
        assert_eq!(s.ranking_disc, vec![1, 2, 0]);
        assert!((s.residual[0] - 0.134).abs() < 1e-3, "{}", s.residual[0]);
        assert!((s.anchor_gen[0] - 0.38168).abs() < 1e-5);
        assert!((s.anchor_disc[0] - 0.27273).abs() < 1e-5);
    }

    #[test]
    fn mask_equals_dropping_and_batches_are_independent() {
        // The toy with a masked-out candidate (index 1) holding junk.
        let p_gen = [0.5, 9.0, 0.3, 0.2, 0.4, 9.0, 0.3, 0.3];
        let p_disc = [0.3, 0.7, 9.0, 9.0, 0.8, 0.2, 0.5, 0.5];
        let mask = [true, false, true, true];
        let s = solve_default(&p_gen, &p_disc, Some(&mask), 1, 4);
        let t = solve_default(&P_GEN, &P_DISC, None, 1, 3);
        assert_eq!([s.pi_gen[0], s.pi_gen[2], s.pi_gen[3]], t.pi_gen[..3]);
        assert_eq!(s.pi_gen[1], 0.0);
        assert_eq!(s.pi_disc[2..4], [0.0, 0.0]);
        assert_eq!(s.ranking_gen, vec![2, 3, 0, 1]);
        assert_eq!(s.residual, t.residual);
        let two = solve_default(
            &[P_GEN, P_GEN].concat(),
            &[P_DISC, P_DISC].concat(),
            None,
            2,
            3,
        );
        assert_eq!(two.pi_gen[6..], t.pi_gen[..]);
        assert_eq!(two.residual, vec![t.residual[0]; 2]);
    }

    #[test]
    fn bad_input_names_the_argument() {
        let opts = RankingOptions::default();
        let ctl = Control::new(0);
        let run = |pg: &[f64], pd: &[f64], o: &RankingOptions| {
            equilibrium_ranking(pg, pd, None, 1, 3, o, &ctl).unwrap_err()
        };
        let mut bad = P_GEN;
        bad[4] = f64::NAN;
        assert!(
            matches!(run(&bad, &P_DISC, &opts), Error::InvalidInput { argument, .. } if argument == "p_gen")
        );
        let mut bad = P_DISC;
        bad[2] = 0.0;
        bad[3] = 0.0;
        assert!(
            matches!(run(&P_GEN, &bad, &opts), Error::InvalidInput { argument, .. } if argument == "p_disc")
        );
        let o = RankingOptions { eta_d: 0.0, ..opts };
        assert!(
            matches!(run(&P_GEN, &P_DISC, &o), Error::InvalidInput { argument, .. } if argument == "eta_d")
        );
        let err = equilibrium_ranking(&P_GEN, &P_DISC, Some(&[false; 3]), 1, 3, &opts, &ctl);
        assert!(matches!(err, Err(Error::InvalidInput { argument, .. }) if argument == "mask"));
    }

    #[test]
    fn cancellation_stops_the_loop() {
        let ctl = Control::new(0);
        ctl.cancel();
        let r = equilibrium_ranking(
            &P_GEN,
            &P_DISC,
            None,
            1,
            3,
            &RankingOptions::default(),
            &ctl,
        );
        assert_eq!(r, Err(Error::Cancelled));
    }
}
