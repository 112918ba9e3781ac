//! Regularized equilibria: KL-regularized (logit QRE) matrix games by Magnetic Mirror Descent,
//! the Consensus Game's Equilibrium-Ranking, and KL-regularized preference (NLHF) games.

pub mod behavioral_mmd;
pub mod dilated_mmd;
pub mod logit;
pub mod pikl;
pub mod preference;
pub mod qre;
pub mod ranking;
