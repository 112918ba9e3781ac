"""Gambit ``.efg`` files: reading, writing, round trips, errors with line and column, and (with
``pygambit`` installed) every game of pygambit's catalog compared node by node with Gambit's
own reader, plus LP values from ``pygambit.nash.lp_solve``."""

from __future__ import annotations

import glob
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from efg_oracles import random_poker_like, sequence_form_lp_value

import equilibria as eq

DATA = Path(__file__).parent / "data"


def same_game(a: eq.ExtensiveGame, b: eq.ExtensiveGame) -> None:
    x, y = a.node_arrays(), b.node_arrays()
    for key in ("kind", "parent", "first_child", "num_children", "infoset", "player", "terminal"):
        np.testing.assert_array_equal(x[key], y[key], err_msg=key)
    np.testing.assert_array_equal(x["chance_prob"], y["chance_prob"])
    np.testing.assert_array_equal(x["payoffs"], y["payoffs"])
    assert x["chance_label"] == y["chance_label"]
    assert a.infoset_labels == b.infoset_labels
    assert a.action_labels == b.action_labels
    assert a.player_names == b.player_names and a.title == b.title and a.comment == b.comment


def test_hand_written_file_with_shared_outcomes_and_a_root_outcome() -> None:
    game = eq.read_efg(DATA / "poker_outcomes.efg")
    assert (game.num_players, game.num_histories, game.num_infosets, game.num_terminals) == (2, 11, 3, 6)
    assert game.player_names == ["Alice", "Bob"]
    assert game.comment.startswith("Written by hand") and "both deals." in game.comment
    assert game.infoset_labels == ["Alice high", "Alice low", "Bob"]
    # Bob's infoset holds a node under each deal.
    arr = game.node_arrays()
    assert np.count_nonzero(arr["infoset"] == game.infoset_index("Bob")) == 2
    # Root ante (-1, 1) is added to every terminal; "fold" (2, -2) is shared by two terminals.
    pays = sorted(map(tuple, arr["payoffs"].tolist()))
    assert pays == sorted([(3, -3), (1, -1), (1, -1), (-1, 1), (1, -1), (-1, 1)])
    # Raising dominates checking for Alice with either card; against it Bob's call and fold both
    # give her 1, so the value is 1.
    assert sequence_form_lp_value(game) == pytest.approx(1.0)
    assert eq.CFR(game, "dcfr").run(3000).exploitability() < 1e-4


def test_round_trip_preserves_the_game() -> None:
    for game in (eq.read_efg(DATA / "poker_outcomes.efg"), random_poker_like(3, signals=3, depth=3)):
        once = eq.parse_efg(game.to_efg())
        same_game(game, once)
        assert once.to_efg() == game.to_efg()


@pytest.mark.parametrize(
    "text, where, what",
    [
        ('EFG 2 R "g" { "A" }\nc "" 1 "" { "a" 1/2 "b" 1/3 } 0\nt "" 0\nt "" 0\n', "line 2", "sum"),
        ('EFG 2 R "g" { "A" }\np "" 1 1 "" { "a" } 0\nt "" 1 "" { 1 2 }\n', "line 3", "payoff"),
        ('EFG 2 R "g" { "A" }\np "" 2 1 "" { "a" } 0\nt "" 0\n', "line 2", "player"),
        ('EFG 2 R "g" { "A" "B" }\np "" 1 1 "" { "a" "b" } 0\np "" 2 1 "" { "x" } 0\nt "" 0\n'
         'p "" 2 1 "" { "x" "y" } 0\nt "" 0\nt "" 0\n', "line 5", ""),
        ('EFG 2 R "g" { "A" }\np "" 1 1 "" { "a" } 0\nt "" 0 "" { 1/0 }\n', "line 3", ""),
        ('EFG 2 R "g" { "A" }\np "" 1 1 "unterminated { "a" } 0\n', "line 2", ""),
        ('EFG 2 R "g" { "A" }\np "" 1 1 "" { "a" "b" } 0\nt "" 0\n', "", ""),
    ],
)
def test_malformed_files_name_line_and_column(text: str, where: str, what: str) -> None:
    with pytest.raises(eq.InvalidInputError, match="efg") as info:
        eq.parse_efg(text)
    message = str(info.value)
    assert "line" in message and "column" in message, message
    assert where in message and what in message, message


def test_read_efg_reports_missing_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        eq.read_efg(tmp_path / "missing.efg")


# ---- pygambit: its catalog of real files, read by both readers ----

def _pygambit():
    return pytest.importorskip("pygambit")


def catalog_files() -> list[str]:
    try:
        import pygambit
    except ImportError:
        return []
    root = Path(pygambit.__file__).parent
    return sorted(glob.glob(str(root / "**" / "*.efg"), recursive=True))


def _walk_gambit(node, acc, total):
    """Depth-first (kind, player, chance probs, payoff) of pygambit's tree, outcomes summed."""
    players = node.game.players
    try:
        payoffs = [Fraction(str(node.outcome[p])) for p in players]
    except (KeyError, TypeError):  # no outcome at this node
        payoffs = None
    if payoffs is not None:
        total = [t + u for t, u in zip(total, payoffs)]
    if node.is_terminal:
        acc.append(("t", None, None, [float(t) for t in total]))
        return
    if node.player.is_chance:
        probs = [float(Fraction(str(a.prob))) for a in node.infoset.actions]
        acc.append(("c", None, probs, None))
    else:
        acc.append(("p", list(players).index(node.player), len(node.children), None))
    for child in node.children:
        _walk_gambit(child, acc, total)


def _walk_ours(game: eq.ExtensiveGame):
    arr = game.node_arrays()
    acc = []
    stack = [0]
    while stack:
        v = stack.pop()
        kids = list(range(arr["first_child"][v], arr["first_child"][v] + arr["num_children"][v]))
        if arr["kind"][v] == 2:
            acc.append(("t", None, None, arr["payoffs"][arr["terminal"][v]].tolist()))
        elif arr["kind"][v] == 0:
            acc.append(("c", None, [arr["chance_prob"][c] for c in kids], None))
        else:
            acc.append(("p", int(arr["player"][v]), len(kids), None))
        stack.extend(reversed(kids))
    return acc


@pytest.mark.parametrize("path", catalog_files() or ["<pygambit missing>"], ids=lambda p: Path(p).stem)
def test_pygambit_catalog_files_read_like_gambit(path: str) -> None:
    pygambit = _pygambit()
    ours = eq.read_efg(path)
    theirs = pygambit.read_efg(path)
    assert ours.num_players == len(theirs.players)
    a, b = _walk_ours(ours), []
    _walk_gambit(theirs.root, b, [Fraction(0)] * len(theirs.players))
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x[0] == y[0] and x[1] == y[1]
        if x[0] == "c":
            np.testing.assert_allclose(x[2], y[2], rtol=1e-12)
        if x[0] == "t":
            np.testing.assert_allclose(x[3], y[3], rtol=1e-12, atol=1e-12)
    assert ours.num_infosets == sum(len(p.infosets) for p in theirs.players)
    # Round trip through our writer.
    same_game(ours, eq.parse_efg(ours.to_efg()))
    # Two-player zero-sum, perfect recall: Gambit's sequence-form LP agrees with ours and CFR.
    if ours.num_players == 2 and ours.is_zero_sum and ours.has_perfect_recall and theirs.is_perfect_recall:
        result = pygambit.nash.lp_solve(theirs, rational=False)
        value = float(result.equilibria[0].payoff(list(theirs.players)[0]))
        assert sequence_form_lp_value(ours) == pytest.approx(value, abs=1e-9)
        solver = eq.CFR(ours, "dcfr").run(2000)
        assert abs(ours.expected_payoffs(solver.average_strategy())[0] - value) <= 2 * solver.exploitability() + 1e-9
