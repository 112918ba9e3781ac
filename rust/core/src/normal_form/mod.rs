//! Normal-form games: zero-sum matrix games, their metrics and solvers.

pub mod batch;
pub mod exact;
pub mod generate;
pub mod iterative;
pub mod matrix;
pub mod polish;

pub use batch::{solve_batch, BatchMethod, BatchSolution};
pub use iterative::{solve_iterative, IterativeMethod, IterativeOptions, MatrixSolution};
pub use matrix::{MatrixGame, ProductScratch};
