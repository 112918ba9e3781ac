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
