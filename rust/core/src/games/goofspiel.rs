//! Goofspiel, as OpenSpiel's turn-based view of its simultaneous-move `goofspiel`.

use super::{uniform, Infosets, Parent};
use crate::efg::{ExtensiveGame, TreeBuilder};
use crate::error::{Error, Result};
use std::fmt::Write;

/// OpenSpiel's `kInvalidPlayer`, written in the win sequence for a tied turn.
const TIE: i8 = -3;

/// Most cards any points order accepts (the size of [`State`]'s arrays).
const MAX_CARDS: usize = 7;

/// The order in which point cards are turned up (OpenSpiel's `points_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointsOrder {
    /// Highest card first: `cards`, `cards - 1`, ..., 1.
    Descending,
    /// Lowest card first: 1, 2, ..., `cards`.
    Ascending,
    /// A chance node before each turn turns up one of the remaining point cards uniformly.
    Random,
}

impl PointsOrder {
    /// The largest number of cards accepted with this order: 7 (47.5 million nodes), or 5 with
    /// [`PointsOrder::Random`] (3.3 million nodes; 6 cards would need 723 million).
    pub fn max_cards(self) -> usize {
        match self {
            PointsOrder::Descending | PointsOrder::Ascending => MAX_CARDS,
            PointsOrder::Random => 5,
        }
    }
}

impl std::str::FromStr for PointsOrder {
    type Err = Error;

    /// Parses OpenSpiel's names: `"descending"`, `"ascending"` or `"random"`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "descending" => Ok(PointsOrder::Descending),
            "ascending" => Ok(PointsOrder::Ascending),
            "random" => Ok(PointsOrder::Random),
            _ => Err(Error::invalid(
                "points_order",
                "\"descending\", \"ascending\" or \"random\"",
                format!("{s:?}"),
            )),
        }
    }
}

/// Two-player Goofspiel with `cards` cards per hand, matching OpenSpiel's
/// `goofspiel(num_cards=cards, imp_info=imperfect_information, points_order=...)` loaded with
/// `load_game_as_turn_based` (the tree OpenSpiel's CFR solves).
///
/// Each turn a point card is turned up (worth its number); player 0 then player 1 secretly bid a
/// card from their hand (`"[P0]Bid: 3"`; player 1 does not see player 0's bid); the higher bid
/// wins the point card, equal bids discard it. The last turn (one card left each) plays itself.
/// Payoffs are OpenSpiel's default `win_loss` returns: +1 to the player with more points, -1 to
/// the other, 0 each on a tie. With [`PointsOrder::Random`] a chance node (`"Deal <card>"`) turns
/// up each point card, uniformly among those left, but the last of two or more.
///
/// Infoset labels are OpenSpiel's turn-based `information_state_string`: `"Current player: p\n"`
/// then goofspiel's string. With `imperfect_information = false` OpenSpiel's string shows hands
/// only as sets, so its partition forgets the order of play (imperfect recall); the labels here
/// append both players' bid sequences (`"P0 action sequence: ..."`, as OpenSpiel writes its own
/// in the imperfect-information string), which refines that partition to perfect recall.
///
/// `cards = 6`, descending, imperfect information: 969,523 nodes and 34,482 infosets (7 cards:
/// 47.5 million nodes, about a minute and 12 GB to generate). Errors when `cards` is 0 or above
/// [`PointsOrder::max_cards`].
pub fn goofspiel(
    cards: usize,
    imperfect_information: bool,
    points_order: PointsOrder,
) -> Result<ExtensiveGame> {
    let max_cards = points_order.max_cards();
    if !(1..=max_cards).contains(&cards) {
        return Err(Error::invalid(
            "cards",
            format!("between 1 and {max_cards} cards with {points_order:?} points order"),
            cards,
        ));
    }
    let mut builder = TreeBuilder::new(2)?;
    let info = if imperfect_information {
        "imperfect"
    } else {
        "perfect"
    };
    builder.set_title(format!(
        "Goofspiel ({cards} cards, {info} information, {points_order:?} points order)"
    ));
    let rules = Rules {
        cards,
        imperfect_information,
        points_order,
    };
    let mut infosets = Infosets::new(2);
    rules.turn(&mut builder, &mut infosets, None, State::new(cards))?;
    builder.build()
}

/// The state of a game between bids (small and `Copy`: the walk copies it at every node).
#[derive(Debug, Clone, Copy)]
struct State {
    /// Bit `c` set while card `c + 1` is in the player's hand.
    hands: [u16; 2],
    points: [u32; 2],
    /// Number of finished turns.
    turn: usize,
    /// Number of point cards turned up (`turn`, or `turn + 1` once the turn's card is up).
    dealt: usize,
    /// Point cards turned up, as card indices (value - 1).
    point_cards: [u8; MAX_CARDS],
    /// Winner of each finished turn, [`TIE`] for a tie.
    wins: [i8; MAX_CARDS],
    /// Each player's bids, as card indices (OpenSpiel's action ids).
    bids: [[u8; MAX_CARDS]; 2],
}

impl State {
    fn new(cards: usize) -> Self {
        let full = (1u16 << cards) - 1;
        State {
            hands: [full; 2],
            points: [0; 2],
            turn: 0,
            dealt: 0,
            point_cards: [0; MAX_CARDS],
            wins: [0; MAX_CARDS],
            bids: [[0; MAX_CARDS]; 2],
        }
    }

    fn point_cards(&self) -> &[u8] {
        &self.point_cards[..self.dealt]
    }

    fn hand(&self, player: usize) -> impl Iterator<Item = usize> {
        let hand = self.hands[player];
        (0..MAX_CARDS).filter(move |c| hand & (1 << c) != 0)
    }

    /// Turns up point card `card` (a card index).
    fn deal(&mut self, card: usize) {
        self.point_cards[self.dealt] = card as u8;
        self.dealt += 1;
    }

    /// Plays the current point card with bids `bid` (card indices).
    fn play(&mut self, bid: [usize; 2]) {
        let value = u32::from(self.point_cards[self.turn]) + 1;
        let winner = match bid[0].cmp(&bid[1]) {
            std::cmp::Ordering::Greater => 0,
            std::cmp::Ordering::Less => 1,
            std::cmp::Ordering::Equal => TIE,
        };
        if winner != TIE {
            self.points[winner as usize] += value;
        }
        self.wins[self.turn] = winner;
        for (p, &card) in bid.iter().enumerate() {
            self.hands[p] &= !(1 << card);
            self.bids[p][self.turn] = card as u8;
        }
        self.turn += 1;
    }

    /// OpenSpiel's `win_loss` returns.
    fn payoffs(&self) -> [f64; 2] {
        match self.points[0].cmp(&self.points[1]) {
            std::cmp::Ordering::Greater => [1.0, -1.0],
            std::cmp::Ordering::Less => [-1.0, 1.0],
            std::cmp::Ordering::Equal => [0.0, 0.0],
        }
    }

    /// Appends `"P<player> hand: 1 3 \n"`.
    fn write_hand(&self, out: &mut String, player: usize) {
        let _ = write!(out, "P{player} hand: ");
        for c in self.hand(player) {
            let _ = write!(out, "{} ", c + 1);
        }
        out.push('\n');
    }

    /// Appends `"P<player> action sequence: 2 0 \n"`.
    fn write_bids(&self, out: &mut String, player: usize) {
        let _ = write!(out, "P{player} action sequence: ");
        for b in &self.bids[player][..self.turn] {
            let _ = write!(out, "{b} ");
        }
        out.push('\n');
    }

    /// Appends `"Point card sequence: 3 2 \n"`.
    fn write_point_cards(&self, out: &mut String) {
        out.push_str("Point card sequence: ");
        for c in self.point_cards() {
            let _ = write!(out, "{} ", c + 1);
        }
        out.push('\n');
    }

    /// Appends `"Win sequence: 1 -3 \nPoints: 0 3 \n"`.
    fn write_wins_and_points(&self, out: &mut String) {
        out.push_str("Win sequence: ");
        for w in &self.wins[..self.turn] {
            let _ = write!(out, "{w} ");
        }
        let _ = writeln!(out, "\nPoints: {} {} ", self.points[0], self.points[1]);
    }
}

/// The game's parameters.
struct Rules {
    cards: usize,
    imperfect_information: bool,
    points_order: PointsOrder,
}

impl Rules {
    /// The infoset label of `player` (to act) in `state` (see [`goofspiel`]).
    fn label(&self, state: &State, player: usize) -> String {
        let mut out = format!("Current player: {player}\n");
        if self.imperfect_information {
            state.write_hand(&mut out, player);
            state.write_bids(&mut out, player);
            state.write_point_cards(&mut out);
            state.write_wins_and_points(&mut out);
            out.push_str("Terminal?: 0\n");
        } else {
            state.write_point_cards(&mut out);
            state.write_hand(&mut out, 0);
            state.write_hand(&mut out, 1);
            state.write_wins_and_points(&mut out);
            // Not in OpenSpiel's string: restores perfect recall.
            state.write_bids(&mut out, 0);
            state.write_bids(&mut out, 1);
        }
        out
    }

    /// Adds the subtree from the start of a turn, before its point card is up.
    fn turn(
        &self,
        builder: &mut TreeBuilder,
        infosets: &mut Infosets,
        parent: Parent,
        mut state: State,
    ) -> Result<()> {
        let turn = state.turn;
        let mut remaining = (0..self.cards).filter(|&c| !state.point_cards().contains(&(c as u8)));
        if turn == self.cards {
            builder.add_terminal(parent, &state.payoffs())?;
        } else if turn + 1 == self.cards && self.cards > 1 {
            // The last turn has no choice: OpenSpiel plays it without adding nodes.
            if state.dealt == turn {
                state.deal(remaining.next().expect("one point card left"));
            }
            state.play([0, 1].map(|p| state.hand(p).next().expect("one card left")));
            builder.add_terminal(parent, &state.payoffs())?;
        } else if self.points_order == PointsOrder::Random {
            let remaining: Vec<usize> = remaining.collect();
            let deals = remaining.iter().map(|c| format!("Deal {}", c + 1));
            let node = builder.add_chance(parent, uniform(deals))?;
            for (outcome, &card) in remaining.iter().enumerate() {
                let mut next = state;
                next.deal(card);
                self.bids(builder, infosets, Some((node, outcome)), next)?;
            }
        } else {
            state.deal(match self.points_order {
                PointsOrder::Ascending => turn,
                _ => self.cards - 1 - turn,
            });
            self.bids(builder, infosets, parent, state)?;
        }
        Ok(())
    }

    /// Adds player 0's bid, player 1's bid (at one infoset whatever player 0 bid), and the
    /// subtrees after them.
    fn bids(
        &self,
        builder: &mut TreeBuilder,
        infosets: &mut Infosets,
        parent: Parent,
        state: State,
    ) -> Result<()> {
        let hands = [0, 1].map(|p| state.hand(p).collect::<Vec<usize>>());
        let infoset = |infosets: &mut Infosets, builder: &mut TreeBuilder, p: usize| {
            let actions = || {
                let bid = |c: &usize| format!("[P{p}]Bid: {}", c + 1);
                hands[p].iter().map(bid).collect()
            };
            infosets.infoset(builder, p, self.label(&state, p), actions)
        };
        let first = infoset(infosets, builder, 0)?;
        let second = infoset(infosets, builder, 1)?;
        let first_node = builder.add_decision(parent, first)?;
        for (i0, &b0) in hands[0].iter().enumerate() {
            let second_node = builder.add_decision(Some((first_node, i0)), second)?;
            for (i1, &b1) in hands[1].iter().enumerate() {
                let mut next = state;
                next.play([b0, b1]);
                self.turn(builder, infosets, Some((second_node, i1)), next)?;
            }
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
        let game = goofspiel(6, true, PointsOrder::Descending).unwrap();
        assert_eq!(game.num_nodes(), 969_523);
        assert_eq!(game.num_infosets(), 34_482);
        check_well_formed(&game);
        let game = goofspiel(3, true, PointsOrder::Random).unwrap();
        assert_eq!(counts(&game), (418, 174, 28, 216));
        assert_eq!(game.num_infosets(), 90);
        check_well_formed(&game);
        let game = goofspiel(1, true, PointsOrder::Descending).unwrap();
        assert_eq!(counts(&game), (3, 2, 0, 1));
    }

    #[test]
    fn perfect_information_variant_has_perfect_recall() {
        let game = goofspiel(4, false, PointsOrder::Descending).unwrap();
        assert_eq!(counts(&game).0, 1077);
        check_well_formed(&game);
    }

    #[test]
    fn labels_match_openspiel() {
        let game = goofspiel(3, true, PointsOrder::Descending).unwrap();
        let root = "Current player: 0\nP0 hand: 1 2 3 \nP0 action sequence: \n\
                    Point card sequence: 3 \nWin sequence: \nPoints: 0 0 \nTerminal?: 0\n";
        assert_eq!(
            actions(&game, root),
            ["[P0]Bid: 1", "[P0]Bid: 2", "[P0]Bid: 3"]
        );
        let later = "Current player: 1\nP1 hand: 1 2 \nP1 action sequence: 2 \n\
                     Point card sequence: 3 2 \nWin sequence: 1 \nPoints: 0 3 \nTerminal?: 0\n";
        assert_eq!(actions(&game, later), ["[P1]Bid: 1", "[P1]Bid: 2"]);
        let tie = "Current player: 0\nP0 hand: 1 2 \nP0 action sequence: 2 \n\
                   Point card sequence: 3 2 \nWin sequence: -3 \nPoints: 0 0 \nTerminal?: 0\n";
        assert_eq!(actions(&game, tie), ["[P0]Bid: 1", "[P0]Bid: 2"]);
        let random = goofspiel(3, true, PointsOrder::Random).unwrap();
        let deals: Vec<&str> = random.children(0).map(|c| random.chance_label(c)).collect();
        assert_eq!(deals, ["Deal 1", "Deal 2", "Deal 3"]);
    }

    #[test]
    fn rejects_bad_sizes_and_orders() {
        for (cards, order) in [(0, PointsOrder::Descending), (8, PointsOrder::Ascending)] {
            let err = goofspiel(cards, true, order).unwrap_err();
            assert!(err.to_string().starts_with("cards:"), "{err}");
        }
        assert!(goofspiel(6, true, PointsOrder::Random).is_err());
        assert_eq!("random".parse::<PointsOrder>(), Ok(PointsOrder::Random));
        assert!("shuffled".parse::<PointsOrder>().is_err());
    }

    #[test]
    fn uniform_nash_conv_matches_openspiel() {
        // OpenSpiel: nash_conv(turn-based goofspiel(num_cards=4, imp_info=True), uniform).
        for order in [
            PointsOrder::Descending,
            PointsOrder::Ascending,
            PointsOrder::Random,
        ] {
            let game = goofspiel(4, true, order).unwrap();
            let value = nash_conv(&game, &uniform(&game)).unwrap().nash_conv;
            assert!((value - 1.416666666667).abs() < 1e-9, "{order:?}: {value}");
        }
    }
}
