"""Built-in games: OpenSpiel's sizes, published values, and (with ``open_spiel`` installed)
identity with the converted OpenSpiel game: labels, CFR iterates and exploitability."""

from __future__ import annotations

import numpy as np
import pytest

import equilibria as eq


@pytest.mark.parametrize(
    "make, histories, infosets, terminals",
    [
        (eq.games.kuhn_poker, 58, 12, 30),
        (eq.games.leduc_poker, 9_457, 936, 5_520),
        (eq.games.liars_dice, 294_883, 24_576, 147_420),
        (lambda: eq.games.goofspiel(6), 969_523, 34_482, 518_400),
    ],
    ids=["kuhn", "leduc", "liars_dice", "goofspiel6"],
)
def test_sizes_match_openspiel(make, histories: int, infosets: int, terminals: int) -> None:
    game = make()
    assert (game.num_histories, game.num_infosets, game.num_terminals) == (histories, infosets, terminals)
    assert game.num_players == 2 and game.is_zero_sum and game.has_perfect_recall


def test_kuhn_cfr_plus_reaches_the_value_minus_one_eighteenth() -> None:
    game = eq.games.kuhn_poker()
    solver = eq.CFR(game, "cfr+").run(10_000, checkpoint_every=1000)
    strategy = solver.average_strategy()
    assert game.expected_payoffs(strategy)[0] == pytest.approx(-1 / 18, abs=1e-4)
    assert eq.exploitability(game, strategy) < 1e-3
    assert solver.trace[-1] == (10_000, pytest.approx(eq.exploitability(game, strategy), abs=0))


def test_kuhn_known_equilibrium_has_zero_nash_conv() -> None:
    # Player 0 bets a jack with alpha = 1/3, a king with 3 alpha, calls with a queen with
    # alpha + 1/3; player 1 bets a jack with 1/3 after a pass, calls with a queen 1/3.
    game = eq.games.kuhn_poker()
    a = 1 / 3
    table = {
        "0": [1 - a, a], "1": [1, 0], "2": [1 - 3 * a, 3 * a],
        "0pb": [1, 0], "1pb": [1 - a - 1 / 3, a + 1 / 3], "2pb": [0, 1],
        "0p": [2 / 3, 1 / 3], "1p": [1, 0], "2p": [0, 1],
        "0b": [1, 0], "1b": [2 / 3, 1 / 3], "2b": [0, 1],
    }
    strategy = eq.BehaviorStrategy.from_dict(game, table, default="error")
    assert eq.nash_conv(game, strategy) == pytest.approx(0.0, abs=1e-12)
    assert game.expected_payoffs(strategy)[0] == pytest.approx(-1 / 18, abs=1e-12)


def test_leduc_dcfr_approaches_its_published_value() -> None:
    game = eq.games.leduc_poker()
    solver = eq.CFR(game, "dcfr").run(2000)
    expl = solver.exploitability()
    assert expl < 1e-4
    # Game value of Leduc hold'em for the first player: -0.0856 (e.g. OpenSpiel, postflop-solver).
    assert game.expected_payoffs(solver.average_strategy())[0] == pytest.approx(-0.0856, abs=2e-4 + 2 * expl)


def test_bad_parameters() -> None:
    with pytest.raises(eq.InvalidInputError, match="faces"):
        eq.games.liars_dice(1)
    with pytest.raises(eq.InvalidInputError, match="cards"):
        eq.games.goofspiel(0)
    with pytest.raises(eq.InvalidInputError, match="points_order"):
        eq.games.goofspiel(3, points_order="sideways")
    with pytest.raises(eq.InvalidInputError, match="game"):
        eq.games.load("chess")
    assert eq.games.load("liars_dice(faces=3)").num_infosets == eq.games.liars_dice(3).num_infosets
    assert eq.games.load(" goofspiel( cards=3, points_order=ascending ) ").num_terminals == 36


# ---- identity with OpenSpiel ----

OPENSPIEL_SPECS = [
    ("kuhn_poker", eq.games.kuhn_poker),
    ("leduc_poker", eq.games.leduc_poker),
    ("liars_dice(dice_sides=3)", lambda: eq.games.liars_dice(3)),
    ("goofspiel(num_cards=4,imp_info=True,points_order=descending)", lambda: eq.games.goofspiel(4)),
    ("goofspiel(num_cards=4,imp_info=True,points_order=random)", lambda: eq.games.goofspiel(4, points_order="random")),
]


def _load_spiel(spec: str):
    pyspiel = pytest.importorskip("pyspiel")
    if spec.startswith("goofspiel"):
        return pyspiel.load_game_as_turn_based(spec)
    return pyspiel.load_game(spec)


@pytest.mark.parametrize("spec, make", OPENSPIEL_SPECS, ids=[s for s, _ in OPENSPIEL_SPECS])
def test_builtin_equals_the_converted_openspiel_game(spec: str, make) -> None:
    spiel = _load_spiel(spec)
    ours, converted = make(), eq.from_openspiel(spiel)
    assert (ours.num_histories, ours.num_infosets, ours.num_terminals) == (
        converted.num_histories, converted.num_infosets, converted.num_terminals,
    )
    assert sorted(ours.infoset_labels) == sorted(converted.infoset_labels)
    for label in ours.infoset_labels[:: max(1, ours.num_infosets // 200)]:
        assert ours.infoset_actions(label) == converted.infoset_actions(label)
    # Chance outcomes carry OpenSpiel's labels in both.
    assert sorted(set(ours.node_arrays()["chance_label"])) == sorted(set(converted.node_arrays()["chance_label"]))
    # Same game: CFR+ iterates agree label by label after 50 iterations.
    a = eq.CFR(ours, "cfr+").run(50).average_strategy()
    b = eq.CFR(converted, "cfr+").run(50).average_strategy()
    for label in ours.infoset_labels:
        np.testing.assert_allclose(a[label], b[label], atol=1e-9)
    assert eq.exploitability(ours, a) == pytest.approx(eq.exploitability(converted, b), abs=1e-9)


def test_exploitability_of_builtin_equals_pyspiel() -> None:
    pyspiel = pytest.importorskip("pyspiel")
    spiel = pyspiel.load_game("leduc_poker")
    game = eq.games.leduc_poker()
    strategy = eq.CFR(game, "pcfr+").run(30).average_strategy()
    policy = eq.to_openspiel_policy(strategy, spiel)
    from open_spiel.python.algorithms import exploitability as os_expl

    assert eq.exploitability(game, strategy) == pytest.approx(os_expl.exploitability(spiel, policy), abs=1e-9)
