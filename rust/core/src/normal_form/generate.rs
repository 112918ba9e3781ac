//! Random matrix games from counter-based streams (identical for any thread count).

use crate::error::{Error, Result};
use crate::rng::Stream;
use rayon::prelude::*;

/// `batch` games of shape `rows x cols` with entries uniform in `[low, high)`, row-major and
/// batch-first. Row `i` of game `b` is stream `b * rows + i` of `seed`.
pub fn uniform_games(
    batch: usize,
    rows: usize,
    cols: usize,
    low: f64,
    high: f64,
    seed: u64,
) -> Result<Vec<f64>> {
    if rows == 0 || cols == 0 || batch == 0 {
        return Err(Error::invalid(
            "shape",
            "positive batch, rows and cols",
            format!("({batch}, {rows}, {cols})"),
        ));
    }
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(Error::invalid(
            "low, high",
            "finite bounds with low < high",
            format!("low={low}, high={high}"),
        ));
    }
    let total = batch
        .checked_mul(rows)
        .and_then(|v| v.checked_mul(cols))
        .ok_or_else(|| Error::invalid("shape", "a size that fits in memory", "an overflow"))?;
    let mut out = vec![0.0; total];
    out.par_chunks_mut(cols).enumerate().for_each(|(r, row)| {
        let mut s = Stream::new(seed, r as u64);
        row.iter_mut().for_each(|v| *v = s.uniform(low, high));
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_in_range() {
        let a = uniform_games(2, 3, 4, -1.0, 1.0, 9).unwrap();
        let b = crate::control::with_threads(Some(1), || uniform_games(2, 3, 4, -1.0, 1.0, 9))
            .unwrap()
            .unwrap();
        assert_eq!(a, b);
        assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
        assert!(uniform_games(1, 2, 2, 1.0, 1.0, 0).is_err());
    }
}
