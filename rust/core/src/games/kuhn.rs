//! Kuhn poker, as OpenSpiel's `kuhn_poker` with two players.

use super::{uniform, Infosets, Parent};
use crate::efg::{ExtensiveGame, TreeBuilder};
use crate::error::Result;

const CARDS: usize = 3;

/// Two-player Kuhn poker, exactly OpenSpiel's `kuhn_poker`: cards 0 < 1 < 2, an ante of 1 and
/// one bet of 1. Chance deals player 0's card, then player 1's (`"Deal:<card>"`); players then
/// `Pass` or `Bet`, player 0 first. Infosets are labelled by the card then the betting (`"1"`,
/// `"0pb"`, `"2b"`). 58 nodes, 12 infosets; the game's value to player 0 is -1/18.
pub fn kuhn_poker() -> Result<ExtensiveGame> {
    let mut builder = TreeBuilder::new(2)?;
    builder.set_title("Kuhn poker");
    let mut infosets = Infosets::new(2);
    let root = builder.add_chance(None, uniform((0..CARDS).map(deal)))?;
    for first in 0..CARDS {
        let rest: Vec<usize> = (0..CARDS).filter(|&c| c != first).collect();
        let node =
            builder.add_chance(Some((root, first)), uniform(rest.iter().map(|&c| deal(c))))?;
        for (outcome, &second) in rest.iter().enumerate() {
            let cards = [first, second];
            betting(
                &mut builder,
                &mut infosets,
                Some((node, outcome)),
                cards,
                "",
            )?;
        }
    }
    builder.build()
}

fn deal(card: usize) -> String {
    format!("Deal:{card}")
}

/// Adds the subtree after the betting `history` (`p` pass, `b` bet).
fn betting(
    builder: &mut TreeBuilder,
    infosets: &mut Infosets,
    parent: Parent,
    cards: [usize; 2],
    history: &str,
) -> Result<()> {
    if let Some(payoff) = payoff_to_first(cards, history) {
        builder.add_terminal(parent, &[payoff, -payoff])?;
        return Ok(());
    }
    let player = history.len() % 2;
    let label = format!("{}{history}", cards[player]);
    let node = infosets.decision(builder, parent, player, label, || {
        vec!["Pass".to_string(), "Bet".to_string()]
    })?;
    for (action, step) in ["p", "b"].into_iter().enumerate() {
        let next = format!("{history}{step}");
        betting(builder, infosets, Some((node, action)), cards, &next)?;
    }
    Ok(())
}

/// Player 0's payoff when `history` ends the game, `None` while betting goes on.
fn payoff_to_first(cards: [usize; 2], history: &str) -> Option<f64> {
    let showdown = if cards[0] > cards[1] { 1.0 } else { -1.0 };
    match history {
        "pp" => Some(showdown),
        "bb" | "pbb" => Some(2.0 * showdown),
        "bp" => Some(1.0),
        "pbp" => Some(-1.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::efg::{expected_payoffs, nash_conv};
    use crate::games::test_util::{actions, check_well_formed, counts, infoset, uniform};

    #[test]
    fn matches_openspiel_sizes() {
        let game = kuhn_poker().unwrap();
        assert_eq!(counts(&game), (58, 24, 4, 30));
        assert_eq!(game.num_infosets(), 12);
        check_well_formed(&game);
    }

    #[test]
    fn labels_match_openspiel() {
        let game = kuhn_poker().unwrap();
        for label in ["0", "1", "2", "0pb", "2pb", "0p", "1b", "2p"] {
            assert_eq!(actions(&game, label), ["Pass", "Bet"], "{label}");
        }
        assert_eq!(game.infoset_player(infoset(&game, "1pb").unwrap()), 0);
        assert_eq!(game.infoset_player(infoset(&game, "1p").unwrap()), 1);
        let first_deal: Vec<&str> = game.children(0).map(|c| game.chance_label(c)).collect();
        assert_eq!(first_deal, ["Deal:0", "Deal:1", "Deal:2"]);
        let second_deal: Vec<&str> = game.children(2).map(|c| game.chance_label(c)).collect();
        assert_eq!(second_deal, ["Deal:0", "Deal:2"]);
    }

    #[test]
    fn equilibrium_value_is_minus_one_eighteenth() {
        let game = kuhn_poker().unwrap();
        // The equilibrium family's member with alpha = 0: probability of Bet per infoset.
        let bet = [
            ("0", 0.0),
            ("1", 0.0),
            ("2", 0.0),
            ("0pb", 0.0),
            ("1pb", 1.0 / 3.0),
            ("2pb", 1.0),
            ("0p", 1.0 / 3.0),
            ("1p", 0.0),
            ("2p", 1.0),
            ("0b", 0.0),
            ("1b", 1.0 / 3.0),
            ("2b", 1.0),
        ];
        let mut x = vec![0.0; game.num_slots()];
        for (label, p) in bet {
            let slots = game.infoset_slots(infoset(&game, label).unwrap());
            x[slots.start] = 1.0 - p;
            x[slots.start + 1] = p;
        }
        let values = expected_payoffs(&game, &x).unwrap();
        assert!((values[0] + 1.0 / 18.0).abs() < 1e-12, "{values:?}");
        assert!(nash_conv(&game, &x).unwrap().nash_conv.abs() < 1e-12);
        // OpenSpiel: nash_conv(kuhn_poker, UniformRandomPolicy) = 0.916666666667.
        let uniform_nash_conv = nash_conv(&game, &uniform(&game)).unwrap().nash_conv;
        assert!((uniform_nash_conv - 11.0 / 12.0).abs() < 1e-12);
    }
}
