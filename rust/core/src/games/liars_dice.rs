//! Liar's Dice with one die per player, as OpenSpiel's `liars_dice(numdice=1)`.

use super::{uniform, Infosets, Parent};
use crate::efg::{ExtensiveGame, TreeBuilder};
use crate::error::{Error, Result};

/// Most faces accepted: the tree has about `2 faces^2 4^faces` nodes (42 million at 9).
pub const MAX_FACES: usize = 9;

/// Two-player Liar's Dice with one die each, exactly OpenSpiel's
/// `liars_dice(numdice=1, dice_sides=faces)` (`faces = 6` is OpenSpiel's default game).
///
/// Chance rolls player 0's die, then player 1's (`"Roll <face>"`, uniform). Players alternate,
/// player 0 first, each bidding higher than the last bid, `"<quantity>-<face>"` with quantity
/// 1 or 2 (bids ordered by quantity, then face), or calling `"Liar"` once a bid stands. The face
/// `faces` is wild. On `Liar` the bidder wins (+1, the caller -1) if at least `quantity` dice
/// show the face or the wild face, and loses otherwise. Infosets carry OpenSpiel's labels: the
/// player's die then the bids, such as `"3 1-2 2-1"`. For six faces: 294,883 nodes, 24,576
/// infosets. Errors when `faces` is outside `2..=`[`MAX_FACES`].
pub fn liars_dice(faces: usize) -> Result<ExtensiveGame> {
    if !(2..=MAX_FACES).contains(&faces) {
        return Err(Error::invalid(
            "faces",
            format!("between 2 and {MAX_FACES} faces (the tree grows as 4^faces)"),
            faces,
        ));
    }
    let mut builder = TreeBuilder::new(2)?;
    builder.set_title(format!("Liar's Dice (1 die of {faces} faces each)"));
    let mut infosets = Infosets::new(2);
    let roll = || uniform((1..=faces).map(|face| format!("Roll {face}")));
    let root = builder.add_chance(None, roll())?;
    let game = Bidding { faces };
    for first in 0..faces {
        let node = builder.add_chance(Some((root, first)), roll())?;
        for second in 0..faces {
            let dice = [first + 1, second + 1];
            let parent = Some((node, second));
            game.walk(&mut builder, &mut infosets, parent, dice, None, "")?;
        }
    }
    builder.build()
}

/// The bidding phase of a game with `faces` faces: bids `0 .. 2 faces`, then `Liar`.
struct Bidding {
    faces: usize,
}

impl Bidding {
    /// `(quantity, face)` of bid id `bid`.
    fn unrank(&self, bid: usize) -> (usize, usize) {
        (bid / self.faces + 1, bid % self.faces + 1)
    }

    fn bid_label(&self, bid: usize) -> String {
        let (quantity, face) = self.unrank(bid);
        format!("{quantity}-{face}")
    }

    /// Adds the decision node after the bids summarised by `last` (the last bid id) and `bids`
    /// (their labels, each preceded by a space), and its subtree.
    fn walk(
        &self,
        builder: &mut TreeBuilder,
        infosets: &mut Infosets,
        parent: Parent,
        dice: [usize; 2],
        last: Option<usize>,
        bids: &str,
    ) -> Result<()> {
        let num_bids = bids.matches(' ').count();
        let player = num_bids % 2;
        let first_bid = last.map_or(0, |b| b + 1);
        let label = format!("{}{bids}", dice[player]);
        let node = infosets.decision(builder, parent, player, label, || {
            let mut actions: Vec<String> = (first_bid..2 * self.faces)
                .map(|b| self.bid_label(b))
                .collect();
            if last.is_some() {
                actions.push("Liar".to_string());
            }
            actions
        })?;
        for (action, bid) in (first_bid..2 * self.faces).enumerate() {
            let next = format!("{bids} {}", self.bid_label(bid));
            let child = Some((node, action));
            self.walk(builder, infosets, child, dice, Some(bid), &next)?;
        }
        if let Some(bid) = last {
            let (quantity, face) = self.unrank(bid);
            let matches = dice
                .iter()
                .filter(|&&d| d == face || d == self.faces)
                .count();
            // The bidder is the previous player; the player calling Liar is `player`.
            let caller_wins = if matches >= quantity { -1.0 } else { 1.0 };
            let mut payoffs = [0.0; 2];
            payoffs[player] = caller_wins;
            payoffs[1 - player] = -caller_wins;
            let liar = Some((node, 2 * self.faces - first_bid));
            builder.add_terminal(liar, &payoffs)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::efg::nash_conv;
    use crate::games::test_util::{actions, check_well_formed, counts, uniform};

    #[test]
    fn matches_openspiel_sizes() {
        let game = liars_dice(6).unwrap();
        assert_eq!(counts(&game), (294_883, 147_456, 7, 147_420));
        assert_eq!(game.num_infosets(), 24_576);
        check_well_formed(&game);
        let small = liars_dice(3).unwrap();
        assert_eq!(counts(&small), (1147, 576, 4, 567));
        assert_eq!(small.num_infosets(), 192);
    }

    #[test]
    fn labels_match_openspiel() {
        let game = liars_dice(6).unwrap();
        assert_eq!(actions(&game, "2").len(), 12);
        assert_eq!(actions(&game, "2")[6], "2-1");
        assert_eq!(
            actions(&game, "5 1-2"),
            ["1-3", "1-4", "1-5", "1-6", "2-1", "2-2", "2-3", "2-4", "2-5", "2-6", "Liar"]
        );
        assert_eq!(actions(&game, "2 1-2 2-1 2-2 2-6"), ["Liar"]);
        assert_eq!(game.chance_label(1), "Roll 1");
        assert_eq!(game.chance_label(6), "Roll 6");
    }

    #[test]
    fn rejects_too_few_or_too_many_faces() {
        for faces in [0, 1, MAX_FACES + 1] {
            let err = liars_dice(faces).unwrap_err();
            assert!(err.to_string().starts_with("faces:"), "{err}");
        }
    }

    #[test]
    fn uniform_nash_conv_matches_openspiel() {
        // OpenSpiel: nash_conv(liars_dice(numdice=1, dice_sides=3), UniformRandomPolicy).
        let game = liars_dice(3).unwrap();
        let value = nash_conv(&game, &uniform(&game)).unwrap().nash_conv;
        assert!((value - 1.111111111111).abs() < 1e-9, "{value}");
    }
}
