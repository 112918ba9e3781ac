//! Leduc poker, as OpenSpiel's `leduc_poker` with two players.

use super::{uniform, Infosets, Parent};
use crate::efg::{ExtensiveGame, TreeBuilder};
use crate::error::Result;

/// Cards 0..6: two suits of three ranks, rank = card / 2.
const CARDS: usize = 6;
const STARTING_MONEY: i32 = 100;
const MAX_RAISES: u32 = 2;
const FOLD: u8 = 0;
const CALL: u8 = 1;
const RAISE: u8 = 2;

/// Two-player Leduc poker, exactly OpenSpiel's `leduc_poker` with default parameters.
///
/// Six cards (two suits of three ranks, card `c` has rank `c / 2`), ante 1, at most two raises
/// per round, raises of 2 in round 1 and 4 in round 2; player 0 opens both rounds. Chance deals
/// player 0's card, then player 1's, then the public card between the rounds
/// (`"Chance outcome:<card>"`). Actions are `Fold` (only when facing a raise), `Call` and `Raise`.
/// A pair with the public card wins, else the higher rank; equal hands split the pot. Payoffs are
/// chips won. Infosets carry OpenSpiel's labels, such as
/// `"[Observer: 0][Private: 1][Round 1][Player: 0][Pot: 2][Money: 99 99][Round1: ][Round2: ]"`.
/// 9,457 nodes, 936 infosets.
pub fn leduc_poker() -> Result<ExtensiveGame> {
    let mut builder = TreeBuilder::new(2)?;
    builder.set_title("Leduc poker");
    let mut infosets = Infosets::new(2);
    let root = builder.add_chance(None, uniform((0..CARDS).map(deal)))?;
    for first in 0..CARDS {
        let rest: Vec<usize> = (0..CARDS).filter(|&c| c != first).collect();
        let node =
            builder.add_chance(Some((root, first)), uniform(rest.iter().map(|&c| deal(c))))?;
        for (outcome, &second) in rest.iter().enumerate() {
            let state = State::new([first, second]);
            walk(&mut builder, &mut infosets, Some((node, outcome)), state)?;
        }
    }
    builder.build()
}

fn deal(card: usize) -> String {
    format!("Chance outcome:{card}")
}

/// What happens next in a [`State`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Betting,
    PublicCard,
    Over,
}

/// The state of a hand once both private cards are dealt (OpenSpiel's `LeducState` fields).
#[derive(Debug, Clone)]
struct State {
    stage: Stage,
    private: [usize; 2],
    public: Option<usize>,
    round: usize,
    player: usize,
    folded: Option<usize>,
    pot: i32,
    money: [i32; 2],
    ante: [i32; 2],
    stakes: i32,
    calls: u32,
    raises: u32,
    /// The actions of each round, as action ids.
    sequences: [Vec<u8>; 2],
}

impl State {
    fn new(private: [usize; 2]) -> Self {
        State {
            stage: Stage::Betting,
            private,
            public: None,
            round: 1,
            player: 0,
            folded: None,
            pot: 2,
            money: [STARTING_MONEY - 1; 2],
            ante: [1; 2],
            stakes: 1,
            calls: 0,
            raises: 0,
            sequences: [Vec::new(), Vec::new()],
        }
    }

    /// OpenSpiel's information state string of the player to act.
    fn label(&self) -> String {
        let p = self.player;
        let public = match self.public {
            Some(card) => format!("[Public: {card}]"),
            None => String::new(),
        };
        format!(
            "[Observer: {p}][Private: {}][Round {}][Player: {p}][Pot: {}][Money: {} {}]{public}\
             [Round1: {}][Round2: {}]",
            self.private[p],
            self.round,
            self.pot,
            self.money[0],
            self.money[1],
            join(&self.sequences[0]),
            join(&self.sequences[1]),
        )
    }

    /// Legal action ids of the player to act, in OpenSpiel's order.
    fn legal_actions(&self) -> Vec<u8> {
        let mut actions = Vec::with_capacity(3);
        if self.stakes > self.ante[self.player] {
            actions.push(FOLD);
        }
        actions.push(CALL);
        if self.raises < MAX_RAISES {
            actions.push(RAISE);
        }
        actions
    }

    fn put_in(&mut self, player: usize, amount: i32) {
        self.pot += amount;
        self.ante[player] += amount;
        self.money[player] -= amount;
    }

    fn apply(&mut self, action: u8) {
        let p = self.player;
        self.sequences[self.round - 1].push(action);
        match action {
            FOLD => {
                self.folded = Some(p);
                self.stage = Stage::Over;
            }
            CALL => {
                self.put_in(p, self.stakes - self.ante[p]);
                self.calls += 1;
                let round_done = if self.raises == 0 {
                    self.calls == 2
                } else {
                    self.calls == 1
                };
                if !round_done {
                    self.player = 1 - p;
                } else if self.round == 2 {
                    self.stage = Stage::Over;
                } else {
                    self.round = 2;
                    self.calls = 0;
                    self.raises = 0;
                    self.stage = Stage::PublicCard;
                }
            }
            _ => {
                self.put_in(p, self.stakes - self.ante[p]);
                let raise = if self.round == 1 { 2 } else { 4 };
                self.stakes += raise;
                self.put_in(p, raise);
                self.raises += 1;
                self.calls = 0;
                self.player = 1 - p;
            }
        }
    }

    /// OpenSpiel's `RankHand`: pairs above every high-card hand, ranks compared high card first.
    fn hand_rank(&self, player: usize) -> usize {
        let public = self
            .public
            .expect("a showdown happens after the public card");
        let (low, high) = if public < self.private[player] {
            (public, self.private[player])
        } else {
            (self.private[player], public)
        };
        if low % 2 == 0 && high == low + 1 {
            CARDS * CARDS + low
        } else {
            (high / 2) * CARDS + low / 2
        }
    }

    /// Chips won by each player at the end of the hand.
    fn payoffs(&self) -> [f64; 2] {
        let mut money = self.money.map(f64::from);
        let pot = f64::from(self.pot);
        match self.folded {
            Some(p) => money[1 - p] += pot,
            None => {
                let (r0, r1) = (self.hand_rank(0), self.hand_rank(1));
                if r0 == r1 {
                    money[0] += pot / 2.0;
                    money[1] += pot / 2.0;
                } else {
                    money[usize::from(r1 > r0)] += pot;
                }
            }
        }
        money.map(|m| m - f64::from(STARTING_MONEY))
    }
}

fn join(actions: &[u8]) -> String {
    let strings: Vec<String> = actions.iter().map(u8::to_string).collect();
    strings.join(" ")
}

fn action_label(action: u8) -> String {
    match action {
        FOLD => "Fold",
        CALL => "Call",
        _ => "Raise",
    }
    .to_string()
}

/// Adds the subtree rooted at `state`.
fn walk(
    builder: &mut TreeBuilder,
    infosets: &mut Infosets,
    parent: Parent,
    state: State,
) -> Result<()> {
    match state.stage {
        Stage::Over => {
            builder.add_terminal(parent, &state.payoffs())?;
        }
        Stage::PublicCard => {
            let rest: Vec<usize> = (0..CARDS).filter(|c| !state.private.contains(c)).collect();
            let node = builder.add_chance(parent, uniform(rest.iter().map(|&c| deal(c))))?;
            for (outcome, &card) in rest.iter().enumerate() {
                let mut next = state.clone();
                next.public = Some(card);
                next.player = 0;
                next.stage = Stage::Betting;
                walk(builder, infosets, Some((node, outcome)), next)?;
            }
        }
        Stage::Betting => {
            let actions = state.legal_actions();
            let node = infosets.decision(builder, parent, state.player, state.label(), || {
                actions.iter().map(|&a| action_label(a)).collect()
            })?;
            for (index, &action) in actions.iter().enumerate() {
                let mut next = state.clone();
                next.apply(action);
                walk(builder, infosets, Some((node, index)), next)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::efg::nash_conv;
    use crate::games::test_util::{actions, check_well_formed, counts, uniform};

    #[test]
    fn matches_openspiel_sizes() {
        let game = leduc_poker().unwrap();
        assert_eq!(counts(&game), (9457, 3780, 157, 5520));
        assert_eq!(game.num_infosets(), 936);
        check_well_formed(&game);
    }

    #[test]
    fn labels_match_openspiel() {
        let game = leduc_poker().unwrap();
        let open = "[Observer: 0][Private: 1][Round 1][Player: 0][Pot: 2][Money: 99 99]\
                    [Round1: ][Round2: ]";
        assert_eq!(actions(&game, open), ["Call", "Raise"]);
        let reraised = "[Observer: 0][Private: 1][Round 1][Player: 0][Pot: 8][Money: 97 95]\
                        [Round1: 2 2][Round2: ]";
        assert_eq!(actions(&game, reraised), ["Fold", "Call"]);
        let second = "[Observer: 1][Private: 5][Round 2][Player: 1][Pot: 10][Money: 93 97]\
                      [Public: 0][Round1: 1 2 1][Round2: 2]";
        assert_eq!(actions(&game, second), ["Fold", "Call", "Raise"]);
        let first_deal: Vec<&str> = game.children(0).map(|c| game.chance_label(c)).collect();
        assert_eq!(first_deal[5], "Chance outcome:5");
        assert!((game.chance_prob(1) - 1.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn uniform_nash_conv_matches_openspiel() {
        // OpenSpiel: nash_conv(leduc_poker, UniformRandomPolicy) = 4.747222222222.
        let game = leduc_poker().unwrap();
        let value = nash_conv(&game, &uniform(&game)).unwrap().nash_conv;
        assert!((value - 4.747222222222).abs() < 1e-9, "{value}");
    }
}
