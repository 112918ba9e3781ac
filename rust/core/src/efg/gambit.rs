//! Gambit's extensive-form text format (`.efg`, version 2): [`read_efg`] and [`write_efg`].
//!
//! A file is a header, `EFG 2 R "title" { "Player 1" "Player 2" ... }`, an optional quoted
//! comment, then the nodes in prefix (depth-first preorder) order, one entry per node:
//!
//! ```text
//! c "node name" <chance infoset #> ["infoset name" { "action" prob ... }] <outcome #> [...]
//! p "node name" <player #> <infoset #> ["infoset name" { "action" ... }] <outcome #> [...]
//! t "node name" <outcome #> ["outcome name" { payoff payoff ... }]
//! ```
//!
//! Infosets are numbered per player (chance has its own numbering); their name and actions are
//! given at the first node and may be omitted, or repeated identically, later. Outcomes are
//! numbered globally (0 is "no outcome") and may sit at any node: a terminal receives the sum of
//! the outcomes on its path. Numbers are integers, decimals (`-1.5e-3`) or rationals (`3/4`);
//! strings are double-quoted with `\"` and `\\` escapes (a backslash before any other character
//! is kept, as Gambit does).

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use super::builder::{InfosetId, NodeId, TreeBuilder};
use super::game::{ExtensiveGame, NodeKind};
use crate::error::{Error, Result};

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A double-quoted string, unescaped.
    Str(String),
    /// A run of characters other than whitespace, braces, commas and quotes (`EFG`, `p`, `3/4`).
    Word(String),
    Open,
    Close,
    Comma,
    Eof,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Str(s) => write!(f, "the string {s:?}"),
            Tok::Word(w) => write!(f, "`{w}`"),
            Tok::Open => f.write_str("'{'"),
            Tok::Close => f.write_str("'}'"),
            Tok::Comma => f.write_str("','"),
            Tok::Eof => f.write_str("the end of the file"),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    col: usize,
}

/// The error for a malformed file: `expected`, and what was found at a 1-based line and column.
fn error_at(
    line: usize,
    col: usize,
    expected: impl Into<String>,
    found: impl fmt::Display,
) -> Error {
    Error::invalid(
        "efg",
        expected,
        format!("line {line}, column {col}: {found}"),
    )
}

struct Lexer<'a> {
    rest: std::str::Chars<'a>,
    line: usize,
    col: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Lexer {
            rest: text.chars(),
            line: 1,
            col: 1,
        }
    }

    fn peek(&self) -> Option<char> {
        self.rest.clone().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.rest.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn next_token(&mut self) -> Result<Token> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let (line, col) = (self.line, self.col);
        let tok = match self.peek() {
            None => Tok::Eof,
            Some(c @ ('{' | '}' | ',')) => {
                self.bump();
                match c {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    _ => Tok::Comma,
                }
            }
            Some('"') => {
                self.bump();
                let mut s = String::new();
                loop {
                    match self.bump() {
                        None => {
                            return Err(error_at(
                                line,
                                col,
                                "a closing '\"'",
                                "a string that never ends",
                            ))
                        }
                        Some('"') => break,
                        Some('\\') => match self.peek() {
                            Some(e @ ('"' | '\\')) => {
                                self.bump();
                                s.push(e);
                            }
                            // Like Gambit, keep a backslash that escapes nothing.
                            _ => s.push('\\'),
                        },
                        Some(c) => s.push(c),
                    }
                }
                Tok::Str(s)
            }
            Some(_) => {
                let mut w = String::new();
                while let Some(c) = self.peek() {
                    if c.is_whitespace() || matches!(c, '{' | '}' | ',' | '"') {
                        break;
                    }
                    w.push(c);
                    self.bump();
                }
                Tok::Word(w)
            }
        };
        Ok(Token { tok, line, col })
    }
}

/// Parses an integer (`-3`), a decimal (`.5`, `2.`, `1e-3`) or a rational (`-3/4`) exactly as
/// Rust's correctly rounded parsing and division give it; `None` if malformed or not finite.
fn parse_number(s: &str) -> Option<f64> {
    fn digits(t: &str) -> bool {
        t.bytes().all(|b| b.is_ascii_digit())
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let value = if let Some((p, q)) = unsigned.split_once('/') {
        if p.is_empty() || q.is_empty() || !digits(p) || !digits(q) {
            return None;
        }
        let q: f64 = q.parse().ok()?;
        let p: f64 = s.split_once('/')?.0.parse().ok()?;
        p / q
    } else {
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
            None => (unsigned, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let exponent_ok = exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || !exponent_ok {
            return None;
        }
        s.parse().ok()?
    };
    value.is_finite().then_some(value)
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// Where the next node of the tree hangs (`None` for the root), and the payoff sums of the
/// outcomes above it (`None` when there are none).
type OpenSlot = (Option<(NodeId, usize)>, Option<Vec<f64>>);

/// A chance infoset as first declared: its name and `(action, probability)` list.
type ChanceInfoset = (String, Vec<(String, f64)>);

struct Parser<'a> {
    lex: Lexer<'a>,
    /// The lookahead token.
    cur: Token,
    num_players: usize,
    /// `(player, number)` to the builder's infoset, its name and actions.
    infosets: HashMap<(usize, u64), (InfosetId, String, Vec<String>)>,
    chance_infosets: HashMap<u64, ChanceInfoset>,
    /// Outcome number to its name and payoffs.
    outcomes: HashMap<u64, (String, Vec<f64>)>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Result<Self> {
        let mut lex = Lexer::new(text);
        let cur = lex.next_token()?;
        Ok(Parser {
            lex,
            cur,
            num_players: 0,
            infosets: HashMap::new(),
            chance_infosets: HashMap::new(),
            outcomes: HashMap::new(),
        })
    }

    /// Consumes the lookahead token and returns it.
    fn advance(&mut self) -> Result<Token> {
        let next = self.lex.next_token()?;
        Ok(std::mem::replace(&mut self.cur, next))
    }

    /// An error at `token`, which was found where `expected` should be.
    fn error(token: &Token, expected: impl Into<String>) -> Error {
        error_at(token.line, token.col, expected, &token.tok)
    }

    fn fail<T>(&self, expected: impl Into<String>) -> Result<T> {
        Err(Self::error(&self.cur, expected))
    }

    fn at_string(&self) -> bool {
        matches!(self.cur.tok, Tok::Str(_))
    }

    fn string(&mut self, expected: &str) -> Result<String> {
        if let Tok::Str(s) = &mut self.cur.tok {
            let s = std::mem::take(s);
            self.advance()?;
            Ok(s)
        } else {
            self.fail(expected)
        }
    }

    fn punct(&mut self, tok: Tok, expected: &str) -> Result<Token> {
        if self.cur.tok == tok {
            self.advance()
        } else {
            self.fail(expected)
        }
    }

    /// A word for which `parse` gives a value.
    fn word<T>(&mut self, expected: &str, parse: impl Fn(&str) -> Option<T>) -> Result<(T, Token)> {
        let value = match &self.cur.tok {
            Tok::Word(w) => parse(w),
            _ => None,
        };
        match value {
            Some(v) => Ok((v, self.advance()?)),
            None => self.fail(expected),
        }
    }

    fn integer(&mut self, expected: &str) -> Result<(u64, Token)> {
        self.word(expected, |w| {
            w.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| w.parse().ok())
                .flatten()
        })
    }

    fn number(&mut self, expected: &str) -> Result<f64> {
        Ok(self.word(expected, parse_number)?.0)
    }

    /// `EFG 2 R|D "title" { "player" ... } ["comment"]`: a builder with the title and players.
    fn header(&mut self) -> Result<TreeBuilder> {
        self.word("the file type `EFG`", |w| (w == "EFG").then_some(()))?;
        self.word("the format version `2`", |w| (w == "2").then_some(()))?;
        self.word("the number type `R` or `D`", |w| {
            matches!(w, "R" | "D").then_some(())
        })?;
        let title = self.string("the quoted title of the game")?;
        self.punct(Tok::Open, "'{' opening the list of players")?;
        let mut names = Vec::new();
        while self.at_string() {
            names.push(self.string("a quoted player name")?);
        }
        let close = self.punct(Tok::Close, "a quoted player name or '}'")?;
        let located = |e| locate(&close, e);
        let mut builder = TreeBuilder::new(names.len()).map_err(located)?;
        self.num_players = names.len();
        builder.set_title(title);
        builder.set_player_names(names).map_err(located)?;
        if self.at_string() {
            builder.set_comment(self.string("a quoted comment")?);
        }
        Ok(builder)
    }

    /// `"infoset name" { "action" ... }` for a player, or the infoset declared before.
    fn player_infoset(
        &mut self,
        b: &mut TreeBuilder,
        player: usize,
        at: &Token,
    ) -> Result<InfosetId> {
        let (number, number_token) = self.integer("an infoset number")?;
        let key = (player, number);
        if !self.at_string() {
            return match self.infosets.get(&key) {
                Some(&(id, ..)) => Ok(id),
                None => Err(Self::error(
                    &self.cur,
                    format!(
                        "the name and actions of infoset {number} of player {}, used here first",
                        player + 1
                    ),
                )),
            };
        }
        let label = self.string("a quoted infoset name")?;
        self.punct(Tok::Open, "'{' opening the list of actions")?;
        let mut actions = vec![self.string("a quoted action name")?];
        while self.at_string() {
            actions.push(self.string("a quoted action name")?);
        }
        self.punct(Tok::Close, "a quoted action name or '}'")?;
        match self.infosets.get(&key) {
            Some((id, l, a)) if *l == label && *a == actions => Ok(*id),
            Some(_) => Err(Self::error(
                &number_token,
                format!(
                    "infoset {number} of player {} with the name and actions first given",
                    player + 1
                ),
            )),
            None => {
                let id = b
                    .add_infoset(player, label.clone(), actions.clone())
                    .map_err(|e| locate(at, e))?;
                self.infosets.insert(key, (id, label, actions));
                Ok(id)
            }
        }
    }

    /// `"infoset name" { "action" prob ... }` for chance, or the infoset declared before.
    fn chance_infoset(&mut self) -> Result<Vec<(String, f64)>> {
        let (number, number_token) = self.integer("a chance infoset number")?;
        if !self.at_string() {
            return match self.chance_infosets.get(&number) {
                Some((_, actions)) => Ok(actions.clone()),
                None => Err(Self::error(
                    &self.cur,
                    format!("the name and actions of chance infoset {number}, used here first"),
                )),
            };
        }
        let label = self.string("a quoted infoset name")?;
        self.punct(Tok::Open, "'{' opening the list of actions")?;
        let mut actions = Vec::new();
        loop {
            let name = self.string("a quoted action name")?;
            let prob = self.number("a probability (like 1/3 or 0.25)")?;
            actions.push((name, prob));
            if self.cur.tok == Tok::Close {
                break;
            }
        }
        self.advance()?;
        match self.chance_infosets.get(&number) {
            Some((l, a)) if *l == label && *a == actions => Ok(actions),
            Some(_) => Err(Self::error(
                &number_token,
                format!(
                    "chance infoset {number} with the name, actions and probabilities first given"
                ),
            )),
            None => {
                self.chance_infosets
                    .insert(number, (label, actions.clone()));
                Ok(actions)
            }
        }
    }

    /// `<outcome #> ["outcome name" { payoffs }]`: the outcome's payoffs, `None` for outcome 0.
    fn outcome(&mut self) -> Result<Option<Vec<f64>>> {
        let (number, number_token) = self.integer("an outcome number")?;
        if !self.at_string() {
            return match (number, self.outcomes.get(&number)) {
                (0, _) => Ok(None),
                (_, Some((_, payoffs))) => Ok(Some(payoffs.clone())),
                (_, None) => self.fail(format!(
                    "the name and payoffs of outcome {number}, used here first"
                )),
            };
        }
        if number == 0 {
            return self.fail("no name or payoffs after outcome 0 (no outcome)");
        }
        let label = self.string("a quoted outcome name")?;
        self.punct(Tok::Open, "'{' opening the list of payoffs")?;
        let n = self.num_players;
        let mut payoffs = Vec::with_capacity(n);
        while self.cur.tok != Tok::Close {
            if payoffs.len() == n {
                return self.fail(format!("'}}' after {n} payoffs (one per player)"));
            }
            payoffs.push(self.number("a payoff or '}'")?);
            if self.cur.tok == Tok::Comma {
                self.advance()?;
            }
        }
        if payoffs.len() != n {
            let found = format!("'}}' after {} payoffs", payoffs.len());
            return Err(error_at(
                self.cur.line,
                self.cur.col,
                format!("{n} payoffs (one per player)"),
                found,
            ));
        }
        self.advance()?;
        match self.outcomes.get(&number) {
            Some((l, p)) if *l == label && *p == payoffs => {}
            Some(_) => {
                return Err(Self::error(
                    &number_token,
                    format!("outcome {number} with the name and payoffs first given"),
                ))
            }
            None => {
                self.outcomes.insert(number, (label, payoffs.clone()));
            }
        }
        Ok(Some(payoffs))
    }

    /// The nodes in prefix order. Iterative (an explicit stack of open child slots), so a deep
    /// tree cannot overflow the call stack.
    fn tree(&mut self, b: &mut TreeBuilder) -> Result<()> {
        let mut open: Vec<OpenSlot> = vec![(None, None)];
        while let Some((parent, above)) = open.pop() {
            let more = open.len() + 1;
            let expected = format!("a node ('c', 'p' or 't'), with {more} more to come");
            let (kind, at) = self.word(&expected, |w| {
                matches!(w, "c" | "p" | "t").then(|| w.to_owned())
            })?;
            let located = |e| locate(&at, e);
            let name = self.string("a quoted node name")?;
            let (node, arity) = match kind.as_str() {
                "c" => {
                    let actions = self.chance_infoset()?;
                    let arity = actions.len();
                    (Some(b.add_chance(parent, actions).map_err(located)?), arity)
                }
                "p" => {
                    let n = self.num_players;
                    let expected = format!("a player number in 1..={n}");
                    let (player, token) = self.integer(&expected)?;
                    if player == 0 || player > n as u64 {
                        return Err(Self::error(&token, expected));
                    }
                    let infoset = self.player_infoset(b, player as usize - 1, &at)?;
                    let node = b.add_decision(parent, infoset).map_err(located)?;
                    (Some(node), b.infoset_signature(infoset).map_or(0, |s| s.1))
                }
                _ => (None, 0),
            };
            let sum = match (above, self.outcome()?) {
                (None, here) => here,
                (above, None) => above,
                (Some(mut above), Some(here)) => {
                    above.iter_mut().zip(&here).for_each(|(a, h)| *a += h);
                    Some(above)
                }
            };
            let node = match node {
                Some(node) => node,
                None => {
                    let zeros = vec![0.0; self.num_players];
                    let payoffs = sum.as_deref().unwrap_or(&zeros);
                    b.add_terminal(parent, payoffs).map_err(located)?
                }
            };
            b.set_node_label(node, name).map_err(located)?;
            open.extend((0..arity).rev().map(|a| (Some((node, a)), sum.clone())));
        }
        if self.cur.tok != Tok::Eof {
            return self.fail("the end of the file after the last node of the tree");
        }
        Ok(())
    }
}

/// Moves a builder error to the file position of `token`.
fn locate(token: &Token, e: Error) -> Error {
    match e {
        Error::InvalidInput {
            expected, found, ..
        } => error_at(token.line, token.col, expected, found),
        other => other,
    }
}

/// Reads a game from Gambit's `.efg` text (version 2, `R` or `D`).
///
/// Payoffs of outcomes met along a path are summed into its terminal (a terminal without any
/// outcome pays 0); outcome and chance-infoset names are not kept (the file's comment is).
///
/// # Errors
///
/// [`Error::InvalidInput`] with argument `"efg"` for malformed text: `found` starts with
/// `line L, column C:` (1-based) at the offending token, for example an unterminated string, a
/// malformed number, a missing brace, a wrong number of payoffs, an unknown player, an infoset
/// or outcome repeated with different contents, probabilities not summing to 1, text after the
/// tree or a tree cut short.
pub fn read_efg(text: &str) -> Result<ExtensiveGame> {
    let mut parser = Parser::new(text)?;
    let mut builder = parser.header()?;
    parser.tree(&mut builder)?;
    let end = parser.cur.clone();
    builder.build().map_err(|e| locate(&end, e))
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/// `s` double-quoted, with `"` and `\` escaped by a backslash.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

/// `x` in the shortest decimal that reads back bit-exactly, or as `p/q` (q <= 100) when that is
/// shorter and reads back bit-exactly (`1/3` rather than `0.3333333333333333`).
fn number(x: f64) -> String {
    let decimal = format!("{x}");
    if decimal.len() > 8 {
        for q in 2..=100u32 {
            let q = f64::from(q);
            let p = (x * q).round();
            if p.abs() < 1e15 && p / q == x {
                let rational = format!("{p}/{q}");
                return if rational.len() < decimal.len() {
                    rational
                } else {
                    decimal
                };
            }
        }
    }
    decimal
}

/// Writes `game` as Gambit `.efg` text (`EFG 2 R`) that [`read_efg`] reads back to the same game:
/// same tree, labels, probabilities and payoffs (bit-exact).
///
/// Nodes are written depth-first; each chance node gets its own chance infoset, each player's
/// infosets are numbered in order of first appearance, and each terminal its own outcome
/// (numbered from 1, unnamed) carrying its payoffs.
pub fn write_efg(game: &ExtensiveGame) -> String {
    let mut out = format!("EFG 2 R {} {{", quote(game.title()));
    for name in game.player_names() {
        let _ = write!(out, " {}", quote(name));
    }
    let _ = write!(out, " }}\n{}\n\n", quote(game.comment()));
    let mut infoset_number = vec![0u32; game.num_infosets()];
    let mut last_number = vec![0u32; game.num_players()];
    let (mut chance_count, mut terminal_count) = (0u32, 0u32);
    let mut stack = vec![0usize];
    while let Some(node) = stack.pop() {
        let label = quote(game.node_label(node));
        match game.kind(node) {
            NodeKind::Chance => {
                chance_count += 1;
                let _ = write!(out, "c {label} {chance_count} \"\" {{");
                for child in game.children(node) {
                    let (name, p) = (game.chance_label(child), game.chance_prob(child));
                    let _ = write!(out, " {} {}", quote(name), number(p));
                }
                out.push_str(" } 0\n");
            }
            NodeKind::Decision => {
                let i = game.node_infoset(node) as usize;
                let player = game.infoset_player(i);
                if infoset_number[i] == 0 {
                    last_number[player] += 1;
                    infoset_number[i] = last_number[player];
                }
                let infoset_label = quote(game.infoset_label(i));
                let _ = write!(
                    out,
                    "p {label} {} {} {infoset_label} {{",
                    player + 1,
                    infoset_number[i]
                );
                for slot in game.infoset_slots(i) {
                    let _ = write!(out, " {}", quote(game.action_label(slot)));
                }
                out.push_str(" } 0\n");
            }
            NodeKind::Terminal => {
                terminal_count += 1;
                let t = game.node_terminal(node) as usize;
                let payoffs: Vec<String> = game
                    .terminal_payoffs(t)
                    .iter()
                    .map(|&v| number(v))
                    .collect();
                let _ = writeln!(
                    out,
                    "t {label} {terminal_count} \"\" {{ {} }}",
                    payoffs.join(", ")
                );
            }
        }
        stack.extend(game.children(node).rev());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    /// One-card poker: an ante outcome at the chance root, outcomes 3 and 4 shared by several
    /// terminals, and Alice's infoset spanning both cards.
    const POKER: &str = r#"EFG 2 R "One-card \"poker\"" { "Fred" "Alice" }
"Myerson-style poker; both players ante 1 at the root."

c "deal" 1 "card" { "Red" 1/2 "Black" 0.5 } 1 "ante" { -1, -1 }
p "fred red" 1 1 "F:red" { "Raise" "Fold" } 0
p "alice after red raise" 2 1 "A:raised" { "Meet" "Pass" } 0
t "RRM" 2 "win big" { 3 -1 }
t "RRP" 3 "win" { 2, 0 }
t "RF" 4 "lose" { 0, 2 }
p "fred black" 1 2 "F:black" { "Raise" "Fold" } 0
p "alice after black raise" 2 1 0
t "BRM" 5 "lose big" { -1 3 }
t "BRP" 3
t "BF" 4 "lose" { 0, 2 }
"#;

    /// Three players: an outcome at the root, a chance node in the middle whose infoset is
    /// reused, B's infoset repeated identically, escapes, and every number syntax.
    const THREE: &str =
        "EFG 2 D \"three \\\\ players\" { \"A\" \"B \\\"the second\\\"\" \"C\" } \"a comment\"
p \"root\" 1 1 \"a1\" { \"L\" \"R\" } 1 \"toll\" { -1/4 0 2.5e-1 }
c \"mid\" 1 \"nature\" { \"x\" 1/3 \"y\" 2/3 } 0
p \"\" 2 1 \"b1\" { \"l\" \"r\" } 0
t \"Lxl\" 2 \"o2\" { 1 2 3 }
t \"Lxr\" 3 \"o3\" { +4, -5, 6. }
p \"\" 3 1 \"c1\" { \"u\" \"d\" } 0
t \"Lyu\" 2
p \"\" 2 1 \"b1\" { \"l\" \"r\" } 0
t \"Lydl\" 0
t \"Lydr\" 3 \"o3\" { 4 -5 6 }
c \"R\" 1 0
t \"Rx\" 2
t \"Ry\" 4 \"o4\" {.5,1e1,-3/2}
";

    const HEAD: &str = "EFG 2 R \"g\" { \"1\" \"2\" }\n";

    fn node(g: &ExtensiveGame, label: &str) -> usize {
        (0..g.num_nodes())
            .find(|&n| g.node_label(n) == label)
            .unwrap_or_else(|| panic!("no node {label:?}"))
    }

    fn payoffs(g: &ExtensiveGame, label: &str) -> Vec<f64> {
        g.terminal_payoffs(g.node_terminal(node(g, label)) as usize)
            .to_vec()
    }

    fn infoset_actions(g: &ExtensiveGame, i: usize) -> Vec<&str> {
        g.infoset_slots(i).map(|s| g.action_label(s)).collect()
    }

    /// Everything the game stores, bit-exact.
    fn assert_same(g: &ExtensiveGame, h: &ExtensiveGame) {
        assert_eq!(g.title(), h.title());
        assert_eq!(g.player_names(), h.player_names());
        assert_eq!(g.num_nodes(), h.num_nodes());
        for n in 0..g.num_nodes() {
            assert_eq!(g.kind(n), h.kind(n), "node {n}");
            assert_eq!(g.children(n), h.children(n), "node {n}");
            assert_eq!(g.node_infoset(n), h.node_infoset(n), "node {n}");
            assert_eq!(g.node_label(n), h.node_label(n), "node {n}");
            assert_eq!(g.chance_label(n), h.chance_label(n), "node {n}");
            assert_eq!(
                g.chance_prob(n).to_bits(),
                h.chance_prob(n).to_bits(),
                "node {n}"
            );
            assert_eq!(g.node_terminal(n), h.node_terminal(n), "node {n}");
        }
        let bits = |g: &ExtensiveGame| g.payoffs().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(g), bits(h));
        assert_eq!(g.num_infosets(), h.num_infosets());
        for i in 0..g.num_infosets() {
            assert_eq!(g.infoset_player(i), h.infoset_player(i));
            assert_eq!(g.infoset_label(i), h.infoset_label(i));
            assert_eq!(infoset_actions(g, i), infoset_actions(h, i));
        }
    }

    fn round_trip(g: &ExtensiveGame) {
        let text = write_efg(g);
        let h = read_efg(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_same(g, &h);
        assert_eq!(write_efg(&h), text);
    }

    #[test]
    fn reads_poker_with_shared_and_nonterminal_outcomes() {
        let g = read_efg(POKER).unwrap();
        assert_eq!(g.title(), "One-card \"poker\"");
        assert_eq!(g.player_names(), ["Fred", "Alice"]);
        assert_eq!(
            (g.num_nodes(), g.num_terminals(), g.num_infosets()),
            (11, 6, 3)
        );
        let expected = [
            ("RRM", [2.0, -2.0]),
            ("RRP", [1.0, -1.0]),
            ("RF", [-1.0, 1.0]),
            ("BRM", [-2.0, 2.0]),
            ("BRP", [1.0, -1.0]),
            ("BF", [-1.0, 1.0]),
        ];
        for (label, u) in expected {
            assert_eq!(payoffs(&g, label), u, "{label}");
        }
        assert!(g.is_zero_sum());
        let (red, black) = (node(&g, "fred red"), node(&g, "fred black"));
        assert_eq!((g.chance_label(red), g.chance_prob(red)), ("Red", 0.5));
        assert_eq!(
            (g.chance_label(black), g.chance_prob(black)),
            ("Black", 0.5)
        );
        assert_ne!(g.node_infoset(red), g.node_infoset(black));
        let alice = g.node_infoset(node(&g, "alice after red raise"));
        assert_eq!(alice, g.node_infoset(node(&g, "alice after black raise")));
        let alice = alice as usize;
        assert_eq!(
            (g.infoset_player(alice), g.infoset_label(alice)),
            (1, "A:raised")
        );
        assert_eq!(infoset_actions(&g, alice), ["Meet", "Pass"]);
        assert_eq!(g.player_infosets(0).len(), 2);
        round_trip(&g);
    }

    #[test]
    fn reads_three_players_rationals_escapes_and_reused_infosets() {
        let g = read_efg(THREE).unwrap();
        assert_eq!(g.title(), "three \\ players");
        assert_eq!(g.player_names(), ["A", "B \"the second\"", "C"]);
        assert_eq!(
            (g.num_nodes(), g.num_terminals(), g.num_infosets()),
            (13, 7, 3)
        );
        let expected = [
            ("Lxl", [0.75, 2.0, 3.25]),
            ("Lxr", [3.75, -5.0, 6.25]),
            ("Lyu", [0.75, 2.0, 3.25]),
            ("Lydl", [-0.25, 0.0, 0.25]),
            ("Lydr", [3.75, -5.0, 6.25]),
            ("Rx", [0.75, 2.0, 3.25]),
            ("Ry", [0.25, 10.0, -1.25]),
        ];
        for (label, u) in expected {
            assert_eq!(payoffs(&g, label), u, "{label}");
        }
        for chance in [node(&g, "mid"), node(&g, "R")] {
            let children: Vec<usize> = g.children(chance).collect();
            let labels: Vec<&str> = children.iter().map(|&c| g.chance_label(c)).collect();
            assert_eq!(labels, ["x", "y"]);
            assert!((g.chance_prob(children[0]) - 1.0 / 3.0).abs() < 1e-15);
            assert!((g.chance_prob(children[1]) - 2.0 / 3.0).abs() < 1e-15);
        }
        let b_nodes: Vec<usize> = (0..g.num_nodes())
            .filter(|&n| g.node_player(n) == Some(1))
            .collect();
        assert_eq!(b_nodes.len(), 2);
        assert_eq!(g.node_infoset(b_nodes[0]), g.node_infoset(b_nodes[1]));
        for p in 0..3 {
            assert_eq!(g.player_infosets(p).len(), 1);
        }
        round_trip(&g);
    }

    #[test]
    fn writes_gambit_text() {
        let g = read_efg(POKER).unwrap();
        let expected = r#"EFG 2 R "One-card \"poker\"" { "Fred" "Alice" }
"Myerson-style poker; both players ante 1 at the root."

c "deal" 1 "" { "Red" 0.5 "Black" 0.5 } 0
p "fred red" 1 1 "F:red" { "Raise" "Fold" } 0
p "alice after red raise" 2 1 "A:raised" { "Meet" "Pass" } 0
t "RRM" 1 "" { 2, -2 }
t "RRP" 2 "" { 1, -1 }
t "RF" 3 "" { -1, 1 }
p "fred black" 1 2 "F:black" { "Raise" "Fold" } 0
p "alice after black raise" 2 1 "A:raised" { "Meet" "Pass" } 0
t "BRM" 4 "" { -2, 2 }
t "BRP" 5 "" { 1, -1 }
t "BF" 6 "" { -1, 1 }
"#;
        assert_eq!(write_efg(&g), expected);
        assert_eq!(number(1.0 / 3.0), "1/3");
        assert_eq!(number(-2.0 / 7.0), "-2/7");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(123456.78), "123456.78");
        assert_eq!(number(-0.0), "-0");
        assert_eq!(number(std::f64::consts::PI), "3.141592653589793");
    }

    #[test]
    fn parses_numbers() {
        let cases = [
            ("7", 7.0),
            ("-3/4", -0.75),
            ("+.5", 0.5),
            ("2.", 2.0),
            ("1e-3", 1e-3),
            ("-1.5E+2", -150.0),
            ("0.1", 0.1),
            ("1/10", 0.1),
        ];
        for (text, value) in cases {
            assert_eq!(parse_number(text), Some(value), "{text}");
        }
        assert_eq!(
            parse_number("-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        for bad in [
            "", ".", "-", "1/0", "1e", "e5", "1.2.3", "0x1", "inf", "nan", "1/-2", "--1", "1e999",
            "1/2/3", "3/", "/3", "1 2",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    /// A random game: up to 3 players, labels full of quotes, backslashes and non-ASCII text,
    /// payoffs of every magnitude (and -0), infosets reused across nodes, dyadic probabilities.
    fn random_game(seed: u64) -> ExtensiveGame {
        let mut rng = Stream::new(seed, 7);
        let mut below = move |n: u64| rng.next_u64() % n;
        let pieces = [
            "", "a", "\"", "\\", "é", " ", "\n", "x y", "\\\"", "{", "}", ",", "0",
        ];
        let label = |below: &mut dyn FnMut(u64) -> u64| -> String {
            (0..below(4))
                .map(|_| pieces[below(pieces.len() as u64) as usize])
                .collect()
        };
        let np = 1 + below(3) as usize;
        let mut b = TreeBuilder::new(np).unwrap();
        b.set_title(label(&mut below));
        b.set_player_names((0..np).map(|_| label(&mut below)).collect())
            .unwrap();
        let mut infosets: Vec<(InfosetId, usize)> = Vec::new();
        let mut open = vec![(None, 0)];
        while let Some((parent, depth)) = open.pop() {
            let (node, arity) = match below(3) {
                _ if depth >= 4 => (None, 0),
                0 => (None, 0),
                1 => {
                    let arity = 1 + below(3) as usize;
                    let mut left = 16;
                    let outcomes = (0..arity)
                        .map(|a| {
                            let k = if a + 1 == arity {
                                left
                            } else {
                                1 + below(left - (arity - a) as u64 + 1)
                            };
                            left -= k;
                            (label(&mut below), k as f64 / 16.0)
                        })
                        .collect();
                    (Some(b.add_chance(parent, outcomes).unwrap()), arity)
                }
                _ => {
                    let (infoset, arity) = if !infosets.is_empty() && below(2) == 0 {
                        infosets[below(infosets.len() as u64) as usize]
                    } else {
                        let arity = 1 + below(3) as usize;
                        let actions = (0..arity).map(|_| label(&mut below)).collect();
                        let i = b
                            .add_infoset(below(np as u64) as usize, label(&mut below), actions)
                            .unwrap();
                        infosets.push((i, arity));
                        (i, arity)
                    };
                    (Some(b.add_decision(parent, infoset).unwrap()), arity)
                }
            };
            let node = node.unwrap_or_else(|| {
                let payoffs: Vec<f64> = (0..np)
                    .map(|_| match below(5) {
                        0 => -0.0,
                        1 => below(21) as f64 - 10.0,
                        2 => (below(9) as f64 - 4.0) / 3.0,
                        _ => {
                            (f64::from_bits(rng_bits(seed, depth)) - 0.5)
                                * 10f64.powi(below(21) as i32 - 10)
                        }
                    })
                    .collect();
                b.add_terminal(parent, &payoffs).unwrap()
            });
            b.set_node_label(node, label(&mut below)).unwrap();
            open.extend((0..arity).rev().map(|a| (Some((node, a)), depth + 1)));
        }
        b.build().unwrap()
    }

    /// A float in [1, 2) with random mantissa bits.
    fn rng_bits(seed: u64, depth: usize) -> u64 {
        0x3FF0_0000_0000_0000 | (Stream::new(seed, depth as u64 + 100).next_u64() >> 12)
    }

    #[test]
    fn round_trips_random_games() {
        for seed in 0..200 {
            round_trip(&random_game(seed));
        }
    }

    /// `text` fails with `expected` containing `what`, found at `line`, `column`.
    #[track_caller]
    fn assert_error(text: &str, line: usize, column: usize, what: &str) {
        match read_efg(text) {
            Err(Error::InvalidInput {
                argument,
                expected,
                found,
            }) => {
                assert_eq!(argument, "efg");
                let at = format!("line {line}, column {column}: ");
                assert!(found.starts_with(&at), "{found:?} is not at {at:?}");
                assert!(
                    expected.contains(what),
                    "{expected:?} lacks {what:?} ({found})"
                );
            }
            other => panic!("expected an error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn reports_errors_with_line_and_column() {
        let headers: &[(&str, usize, usize, &str)] = &[
            ("", 1, 1, "`EFG`"),
            ("EFG 3 R", 1, 5, "version"),
            ("EFG 2 R \"unterminated", 1, 9, "closing '\"'"),
            ("EFG 2 R \"g\" \"1\" }", 1, 13, "'{'"),
            (
                "EFG 2 R \"g\" { } t \"\" 0",
                1,
                15,
                "between 1 and 65535 players",
            ),
        ];
        for &(text, line, column, what) in headers {
            assert_error(text, line, column, what);
        }
        // Each body follows a one-line header for players 1 and 2, so it starts on line 2.
        let decision = "p \"\" 1 1 \"i\" { \"a\" \"b\" } 0\n";
        let bodies: &[(&str, usize, usize, &str)] = &[
            ("t \"\" 1 \"o\" { 1 x }", 2, 16, "a payoff"),
            ("t \"\" 1 \"o\" { 1 1/0 }", 2, 16, "a payoff"),
            ("t \"é\" x", 2, 7, "an outcome number"),
            ("q \"\" 0", 2, 1, "a node"),
            ("t \"\" 1 \"o\" { 1 2 \nt", 3, 1, "'}' after 2 payoffs"),
            ("t \"\" 1 \"o\" { 1 }", 2, 16, "2 payoffs"),
            ("t \"\" 1 \"o\" 1 2 }", 2, 12, "'{'"),
            (
                "p \"\" 3 1 \"\" { \"a\" } 0",
                2,
                6,
                "player number in 1..=2",
            ),
            ("p \"\" 0 1 \"\" { \"a\" } 0", 2, 6, "player number"),
            ("p \"\" 1 1 \"i\" { } 0", 2, 16, "action name"),
            (
                "p \"\" 1 1 0",
                2,
                10,
                "infoset 1 of player 1, used here first",
            ),
            (
                "c \"\" 1 \"\" { \"a\" 1/2 \"b\" 1/3 } 0",
                2,
                1,
                "summing to 1",
            ),
            ("c \"\" 1 \"\" { \"a\" -1 \"b\" 2 } 0", 2, 1, "non-negative"),
            ("c \"\" 1 \"\" { \"a\" 1 \"b\" } 0", 2, 23, "probability"),
            ("c \"\" 1 0", 2, 8, "chance infoset 1, used here first"),
            (
                "t \"\" 0 \"o\" { 1 2 }",
                2,
                8,
                "no name or payoffs after outcome 0",
            ),
            ("t \"\" 5", 2, 7, "outcome 5, used here first"),
            ("t \"\" 0\nt \"\" 0", 3, 1, "the end of the file"),
        ];
        for &(body, line, column, what) in bodies {
            assert_error(&format!("{HEAD}{body}"), line, column, what);
        }
        let cases = [
            (
                "p \"\" 1 1 \"i\" { \"a\" \"c\" } 0",
                3,
                8,
                "infoset 1 of player 1 with",
            ),
            (
                "t \"\" 1 \"o\" { 1 2 }\nt \"\" 1 \"o\" { 1 3 }",
                4,
                6,
                "outcome 1 with",
            ),
            ("t \"\" 0\n", 4, 1, "1 more to come"),
            ("t \"é\" 0\n\"x", 4, 1, "closing"),
        ];
        for (rest, line, column, what) in cases {
            assert_error(&format!("{HEAD}{decision}{rest}"), line, column, what);
        }
    }

    #[test]
    fn accepts_crlf_tabs_and_compact_layout() {
        let text = "EFG\t2 R\r\n\"t\"{\"A\"\"B\"}\r\np\"n\"1 1\"i\"{\"a\"\"b\"}0 t\"\"1\"o\"{1,-1}t\"\"2\"o2\"{-1,1,}";
        let g = read_efg(text).unwrap();
        assert_eq!(g.node_label(0), "n");
        assert_eq!(g.payoffs(), [1.0, -1.0, -1.0, 1.0]);
    }

    #[test]
    fn never_panics_on_truncated_or_mutated_input() {
        let inputs = [
            POKER.to_string(),
            THREE.to_string(),
            write_efg(&random_game(3)),
        ];
        for text in &inputs {
            for (i, _) in text.char_indices() {
                let _ = read_efg(&text[..i]);
            }
        }
        let alphabet = b" \n\"\\{},.-+/0123456789cpteE";
        let mut rng = Stream::new(99, 0);
        for round in 0..3000 {
            let mut bytes = inputs[round % inputs.len()].clone().into_bytes();
            for _ in 0..1 + rng.next_u64() % 3 {
                let at = (rng.next_u64() % bytes.len() as u64) as usize;
                let byte = match rng.next_u64() % 3 {
                    0 => rng.next_u64() as u8,
                    _ => alphabet[(rng.next_u64() % alphabet.len() as u64) as usize],
                };
                match rng.next_u64() % 3 {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(g) = read_efg(&text) {
                read_efg(&write_efg(&g)).unwrap();
            }
        }
    }
}
