//! Regularized equilibria: KL-regularized (logit QRE) matrix games by Magnetic Mirror Descent.

pub mod qre;
