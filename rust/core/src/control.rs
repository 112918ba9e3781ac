//! Cancellation, progress reporting and thread pools for long computations.
//!
//! A [`Control`] is shared by reference between the thread that drives a computation (for the
//! Python bindings: the thread holding the GIL, which polls Ctrl-C and the progress callback) and
//! the workers. Workers call [`Control::check`] once per chunk of work and [`Control::advance`] to
//! report progress; the driver calls [`Control::cancel`] to stop them.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Shared cancellation flag and progress counters of one computation.
#[derive(Debug, Default)]
pub struct Control {
    cancelled: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
}

impl Control {
    /// A fresh control expecting `total` units of work (0 when unknown).
    pub fn new(total: u64) -> Self {
        Control {
            cancelled: AtomicBool::new(false),
            done: AtomicU64::new(0),
            total: AtomicU64::new(total),
        }
    }

    /// Asks every worker to stop at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Control::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// `Err(Error::Cancelled)` once the computation was cancelled; workers call it per chunk.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Records `units` more units of finished work.
    pub fn advance(&self, units: u64) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }

    /// Sets the finished-work counter (for loops that know their position).
    pub fn set_done(&self, done: u64) {
        self.done.store(done, Ordering::Relaxed);
    }

    /// Sets the expected total (for computations that learn it late).
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// `(done, total)` as last reported.
    pub fn progress(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// Runs `work` on the global rayon pool (`threads = None`) or on a pool of `threads` workers.
/// Results never depend on the pool: every parallel reduction in the core runs in a fixed order
/// over a partition that depends only on the problem size.
///
/// Pools of explicit sizes are built once and kept for the life of the process (starting
/// threads costs far more than a short call such as one exploitability), one per size asked for.
pub fn with_threads<T, F>(threads: Option<usize>, work: F) -> Result<T>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    match threads {
        None => Ok(work()),
        Some(0) => Err(Error::invalid("threads", "a positive integer or None", 0)),
        Some(n) => Ok(pool_of(n)?.install(work)),
    }
}

/// The shared pool of `n` workers, built on first use.
fn pool_of(n: usize) -> Result<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(pool) = pools.get(&n) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(move |k| format!("equilibria-{n}-{k}"))
        .build()
        .map_err(|e| Error::Numerical(format!("cannot start a thread pool: {e}")))?;
    let pool = Arc::new(pool);
    pools.insert(n, Arc::clone(&pool));
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_seen_by_check() {
        let c = Control::new(10);
        assert!(c.check().is_ok());
        c.advance(3);
        c.advance(2);
        assert_eq!(c.progress(), (5, 10));
        c.cancel();
        assert_eq!(c.check(), Err(Error::Cancelled));
    }

    #[test]
    fn local_pool_has_requested_size() {
        let n = with_threads(Some(3), rayon::current_num_threads).unwrap();
        assert_eq!(n, 3);
        assert!(with_threads(Some(0), || ()).is_err());
    }
}
