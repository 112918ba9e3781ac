"""Best responses, NashConv and CFR against independent oracles: brute-force enumeration of pure
strategies, a sequence-form LP solved by scipy, and closed-form values."""

from __future__ import annotations

import numpy as np
import pytest
from efg_oracles import brute_force_best_response_value, random_poker_like, sequence_form_lp_value

import equilibria as eq


def random_strategy(game: eq.ExtensiveGame, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    off = game.slot_offsets
    probs = np.empty(game.num_slots)
    for i in range(game.num_infosets):
        probs[off[i] : off[i + 1]] = rng.dirichlet(np.ones(off[i + 1] - off[i]))
    return probs


@pytest.mark.parametrize("seed", range(6))
def test_best_response_equals_enumeration_of_pure_strategies(seed: int) -> None:
    game = random_poker_like(seed, signals=2, depth=3)
    strategy = random_strategy(game, seed + 100)
    for player in range(2):
        br = eq.best_response(game, strategy, player)
        assert br.value == pytest.approx(brute_force_best_response_value(game, strategy, player), abs=1e-12)
        # The returned pure strategy achieves the value.
        assert game.expected_payoffs(br.strategy)[player] == pytest.approx(br.value, abs=1e-12)


def test_nash_conv_is_sum_of_best_response_gains_in_general_sum_games() -> None:
    game = random_poker_like(7, signals=2, depth=3, zero_sum=False)
    strategy = random_strategy(game, 3)
    values = game.expected_payoffs(strategy)
    expected = sum(brute_force_best_response_value(game, strategy, p) - values[p] for p in range(2))
    assert eq.nash_conv(game, strategy) == pytest.approx(expected, abs=1e-12)
    assert eq.exploitability(game, strategy) == pytest.approx(expected / 2, abs=1e-12)


@pytest.mark.parametrize("variant", ["cfr", "cfr+", "lcfr", "dcfr", "pcfr+"])
def test_every_variant_approaches_the_lp_value(variant: str) -> None:
    game = random_poker_like(11, signals=3, depth=4)
    value = sequence_form_lp_value(game)
    solver = eq.CFR(game, variant).run(2000)
    expl = solver.exploitability()
    assert expl < 5e-3, expl
    # |value of the average profile - game value| <= NashConv.
    v0 = game.expected_payoffs(solver.average_strategy())[0]
    assert abs(v0 - value) <= 2 * expl + 1e-12
    # Best-response values bracket the game value.
    avg = solver.average_strategy()
    assert eq.best_response(game, avg, 1).value >= -value - 1e-9
    assert eq.best_response(game, avg, 0).value >= value - 1e-9


def test_exploitability_of_an_equilibrium_is_zero_on_perfect_information_games() -> None:
    # A perfect-information game: backward induction gives the equilibrium; CFR+ finds it.
    b = eq.GameBuilder(2)
    root = b.decision(None, 0, "root", ["L", "R"])
    left = b.decision((root, 0), 1, "left", ["a", "b"])
    right = b.decision((root, 1), 1, "right", ["a", "b"])
    for node, pay in ((left, (3, 1)), (right, (2, 4))):
        for k, u in enumerate(pay):
            b.terminal((node, k), [u, -u])
    game = b.build()
    # Player 1 picks the smaller payoff: left -> 1, right -> 2, so player 0 goes right (value 2).
    eq_strategy = eq.BehaviorStrategy.from_dict(game, {"root": [0, 1], "left": [0, 1], "right": [1, 0]})
    assert eq.nash_conv(game, eq_strategy) == 0.0
    assert game.expected_payoffs(eq_strategy)[0] == 2.0
    assert sequence_form_lp_value(game) == pytest.approx(2.0)


def three_player_game(seed: int) -> eq.ExtensiveGame:
    """Chance deals a private bit to player 0; players 0, 1, 2 act in turn, each seeing only
    the public actions before them (player 0 also sees its bit); random general-sum payoffs."""
    rng = np.random.default_rng(seed)
    b = eq.GameBuilder(3)
    deal = b.chance(None, [("0", 0.3), ("1", 0.7)])
    for bit in range(2):
        n0 = b.decision((deal, bit), 0, f"p0 bit={bit}", ["a", "b"])
        for a0 in range(2):
            n1 = b.decision((n0, a0), 1, f"p1 h={a0}", ["c", "d", "e"])
            for a1 in range(3):
                n2 = b.decision((n1, a1), 2, f"p2 h={a0}{a1}", ["f", "g"])
                for a2 in range(2):
                    b.terminal((n2, a2), rng.normal(size=3).tolist())
    return b.build()


@pytest.mark.parametrize("seed", range(3))
def test_three_player_best_responses_and_nash_conv_equal_enumeration(seed: int) -> None:
    game = three_player_game(seed)
    strategy = random_strategy(game, seed)
    values = game.expected_payoffs(strategy)
    total = 0.0
    for player in range(3):
        brute = brute_force_best_response_value(game, strategy, player)
        assert eq.best_response(game, strategy, player).value == pytest.approx(brute, abs=1e-12)
        total += brute - values[player]
    assert eq.nash_conv(game, strategy) == pytest.approx(total, abs=1e-12)
    assert eq.exploitability(game, strategy) == pytest.approx(total / 3, abs=1e-12)
    with pytest.raises(eq.InvalidInputError, match="3 players"):
        eq.CFR(game)


def test_a_game_without_decisions_takes_the_empty_strategy() -> None:
    # Gambit's test game "chance_root_5_moves_no_nonterm_player_nodes": only chance moves, so the
    # expected payoff is the chance average 1/3 (0 + 3 + 3) = 2, and every strategy is empty.
    game = eq.parse_efg(
        'EFG 2 R "A chance node with 5 moves" { "Player" }\n""\n'
        'c "" 1 "" { "A" 1/3 "B" 0 "C" 1/3 "D" 1/3 "E" 0 } 0\n'
        't "" 1 "A" { 0 }\nt "" 2 "B" { 1 }\nt "" 3 "C" { 3 }\nt "" 4 "D" { 3 }\nt "" 5 "E" { 4 }\n'
    )
    assert game.num_infosets == 0 and game.num_slots == 0
    assert game.expected_payoffs(np.zeros(0)).tolist() == pytest.approx([2.0], abs=1e-15)
    assert game.expected_payoffs(game.uniform_strategy()).tolist() == pytest.approx([2.0], abs=1e-15)
    assert eq.best_response(game, np.zeros(0), 0).value == pytest.approx(2.0, abs=1e-15)
    with pytest.raises(eq.InvalidInputError, match="^strategy"):
        game.expected_payoffs(np.zeros(1))
