//! [`Disjoint`]: a raw view of a mutable `f64` slice that parallel tasks write at disjoint
//! indices (each task owns a range: one infoset's slots, one block of sequences).
//!
//! Rust's borrow rules cannot express "task k writes range k and reads ranges finished before the
//! parallel region", which is how every sequence-form pass is organised. This type is the one
//! place where that promise is made; each use states which ranges it touches.

use std::marker::PhantomData;
use std::ops::Range;

/// A shared, unchecked view of a `&mut [f64]` for tasks with disjoint write sets.
#[derive(Clone, Copy)]
pub struct Disjoint<'a> {
    ptr: *mut f64,
    len: usize,
    _borrow: PhantomData<&'a mut [f64]>,
}

// SAFETY: the view is only used under the contract of its unsafe methods (no two tasks touch the
// same index while one of them writes it).
unsafe impl Send for Disjoint<'_> {}
unsafe impl Sync for Disjoint<'_> {}

impl<'a> Disjoint<'a> {
    /// Borrows `slice` mutably for the lifetime of the view.
    pub fn new(slice: &'a mut [f64]) -> Self {
        Disjoint {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: PhantomData,
        }
    }

    /// Reads index `k`.
    ///
    /// # Safety
    /// No other task may write `k` concurrently.
    pub unsafe fn get(&self, k: usize) -> f64 {
        debug_assert!(k < self.len);
        *self.ptr.add(k)
    }

    /// Writes index `k`.
    ///
    /// # Safety
    /// No other task may read or write `k` concurrently.
    pub unsafe fn set(&self, k: usize, value: f64) {
        debug_assert!(k < self.len);
        *self.ptr.add(k) = value;
    }

    /// The sub-slice `range`, mutably.
    ///
    /// # Safety
    /// No other task may touch `range` while the returned slice lives.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice(&self, range: Range<usize>) -> &mut [f64] {
        debug_assert!(range.start <= range.end && range.end <= self.len);
        std::slice::from_raw_parts_mut(self.ptr.add(range.start), range.len())
    }
}
