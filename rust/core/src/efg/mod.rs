//! Extensive-form games: the flat tree, its builder, the sequence form, best responses, and the
//! ways in (Gambit `.efg` text).

pub mod arrays;
pub mod best_response;
pub mod builder;
pub mod gambit;
pub mod game;
pub mod sequence;

pub use best_response::{
    best_response, check_behavior, expected_payoffs, nash_conv, BestResponse, NashConv,
};
pub use builder::{InfosetId, NodeId, TreeBuilder};
pub use gambit::{read_efg, write_efg};
pub use game::{ExtensiveGame, NodeKind, NONE};
pub use sequence::SequenceForm;
