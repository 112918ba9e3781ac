//! Small dense linear algebra: LU factorization with partial pivoting.

/// `P A = L U` of a square row-major matrix, kept in one buffer (unit-diagonal `L` below).
#[derive(Debug, Clone)]
pub struct Lu {
    n: usize,
    lu: Vec<f64>,
    perm: Vec<usize>,
}

impl Lu {
    /// Factors the `n x n` row-major `a`. Returns `None` when a pivot is below
    /// `rel_tol * max|a|` (numerically singular).
    pub fn factor(mut a: Vec<f64>, n: usize, rel_tol: f64) -> Option<Lu> {
        assert_eq!(a.len(), n * n, "Lu::factor needs n*n entries");
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if scale == 0.0 {
            return None;
        }
        let threshold = rel_tol * scale;
        let mut perm: Vec<usize> = (0..n).collect();
        for k in 0..n {
            let (p, best) = (k..n)
                .map(|i| (i, a[i * n + k].abs()))
                .fold((k, -1.0), |acc, v| if v.1 > acc.1 { v } else { acc });
            if !(best > threshold) {
                return None;
            }
            if p != k {
                for j in 0..n {
                    a.swap(k * n + j, p * n + j);
                }
                perm.swap(k, p);
            }
            let (head, tail) = a.split_at_mut((k + 1) * n);
            let pivot_row = &head[k * n..];
            let inv = 1.0 / pivot_row[k];
            for row in tail.chunks_exact_mut(n) {
                let l = row[k] * inv;
                row[k] = l;
                if l != 0.0 {
                    for (r, &u) in row[k + 1..].iter_mut().zip(&pivot_row[k + 1..]) {
                        *r -= l * u;
                    }
                }
            }
        }
        Some(Lu { n, lu: a, perm })
    }

    /// Solves `A z = b` in place.
    pub fn solve(&self, b: &mut [f64]) {
        let n = self.n;
        let mut z: Vec<f64> = self.perm.iter().map(|&p| b[p]).collect();
        for i in 0..n {
            let row = &self.lu[i * n..i * n + i];
            z[i] -= row.iter().zip(&z[..i]).map(|(l, v)| l * v).sum::<f64>();
        }
        for i in (0..n).rev() {
            let row = &self.lu[i * n..(i + 1) * n];
            let s: f64 = row[i + 1..]
                .iter()
                .zip(&z[i + 1..])
                .map(|(u, v)| u * v)
                .sum();
            z[i] = (z[i] - s) / row[i];
        }
        b.copy_from_slice(&z);
    }

    /// Solves `A^T z = b` in place.
    pub fn solve_transpose(&self, b: &mut [f64]) {
        let n = self.n;
        // A^T = U^T L^T P, so solve U^T w = b, then L^T v = w, then z = P^T v.
        let mut w = b.to_vec();
        for i in 0..n {
            w[i] /= self.lu[i * n + i];
            let wi = w[i];
            for (wj, &u) in w[i + 1..]
                .iter_mut()
                .zip(&self.lu[i * n + i + 1..(i + 1) * n])
            {
                *wj -= u * wi;
            }
        }
        for i in (0..n).rev() {
            let wi = w[i];
            for j in 0..i {
                w[j] -= self.lu[i * n + j] * wi;
            }
        }
        for (i, &p) in self.perm.iter().enumerate() {
            b[p] = w[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn solves_and_transposes() {
        let n = 23;
        let mut s = Stream::new(3, 0);
        let a: Vec<f64> = (0..n * n).map(|_| s.uniform(-1.0, 1.0)).collect();
        let lu = Lu::factor(a.clone(), n, 1e-14).unwrap();
        let z: Vec<f64> = (0..n).map(|i| i as f64 - 4.0).collect();
        let mut b: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| a[i * n + j] * z[j]).sum())
            .collect();
        lu.solve(&mut b);
        let mut bt: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| a[i * n + j] * z[i]).sum())
            .collect();
        lu.solve_transpose(&mut bt);
        for i in 0..n {
            assert!((b[i] - z[i]).abs() < 1e-9, "{} vs {}", b[i], z[i]);
            assert!((bt[i] - z[i]).abs() < 1e-9, "{} vs {}", bt[i], z[i]);
        }
    }

    #[test]
    fn detects_singular() {
        assert!(Lu::factor(vec![1.0, 2.0, 2.0, 4.0], 2, 1e-12).is_none());
        assert!(Lu::factor(vec![0.0; 4], 2, 1e-12).is_none());
    }
}
