"""Bad extensive-form input: every case a clear InvalidInputError naming what is wrong."""

from __future__ import annotations

import numpy as np
import pytest
from efg_oracles import random_poker_like

import equilibria as eq
from equilibria import CHANCE, TERMINAL


def test_chance_probabilities_must_be_stochastic() -> None:
    b = eq.GameBuilder(2)
    with pytest.raises(eq.InvalidInputError, match="sum"):
        b.chance(None, [("a", 0.5), ("b", 0.4)])
    with pytest.raises(eq.InvalidInputError, match="non-negative"):
        b.chance(None, [("a", 1.5), ("b", -0.5)])
    with pytest.raises(eq.InvalidInputError, match="chance_prob.*node 0"):
        eq.ExtensiveGame.from_arrays(
            [-1, 0, 0], [CHANCE, TERMINAL, TERMINAL], [[0, 0], [1, -1], [-1, 1]], chance_prob=[1.0, 0.7, 0.7]
        )


def test_infoset_nodes_must_agree_on_player_and_actions() -> None:
    b = eq.GameBuilder(2)
    root = b.decision(None, 0, "I", ["a", "b"])
    with pytest.raises(eq.InvalidInputError, match="infoset 'I'"):
        b.decision((root, 0), 1, "I", ["a", "b"])
    with pytest.raises(eq.InvalidInputError, match="infoset 'I'"):
        b.decision((root, 0), 0, "I", ["a", "c"])
    # Arrays: infoset key 5 used by player 0 and player 1.
    with pytest.raises(eq.InvalidInputError, match="infoset 5"):
        eq.ExtensiveGame.from_arrays(
            [-1, 0, 0, 1, 2],
            [0, 1, 0, TERMINAL, TERMINAL],
            [[0, 0]] * 5,
            infoset=[5, 5, 6, -1, -1],
        )


def test_builder_rejects_missing_children_and_reused_actions() -> None:
    b = eq.GameBuilder(2)
    root = b.decision(None, 0, "I", ["a", "b"])
    b.terminal((root, 0), [1, -1])
    with pytest.raises(eq.InvalidInputError, match="already leads"):
        b.terminal((root, 0), [1, -1])
    with pytest.raises(eq.InvalidInputError, match="no child for action 1"):
        b.build()
    with pytest.raises(eq.InvalidInputError, match="parent"):
        eq.GameBuilder(2).terminal((7, 0), [0, 0])
    with pytest.raises(eq.InvalidInputError, match="parent"):
        eq.GameBuilder(2).terminal((-1, 0), [0, 0])


def test_arrays_reject_cycles_unreachable_nodes_and_bad_shapes() -> None:
    # Nodes 1 and 2 are each other's parents: unreachable from the root.
    with pytest.raises(eq.InvalidInputError, match="cycle"):
        eq.ExtensiveGame.from_arrays([-1, 2, 1, 0], [0, 0, 0, TERMINAL], [[0, 0]] * 4)
    with pytest.raises(eq.InvalidInputError, match="exactly one root"):
        eq.ExtensiveGame.from_arrays([-1, -1], [TERMINAL, TERMINAL], [[0, 0]] * 2)
    with pytest.raises(eq.InvalidInputError, match="terminal node 0 has 1 children"):
        eq.ExtensiveGame.from_arrays([-1, 0], [TERMINAL, TERMINAL], [[0, 0]] * 2)
    with pytest.raises(eq.InvalidInputError, match="decision node 1 has none"):
        eq.ExtensiveGame.from_arrays([-1, 0], [0, 0], [[0, 0]] * 2)
    with pytest.raises(eq.InvalidInputError, match="player"):
        eq.ExtensiveGame.from_arrays([-1, 0], [0, 5], [[0, 0]] * 2, num_players=2)
    with pytest.raises(eq.InvalidInputError, match="payoffs"):
        eq.ExtensiveGame.from_arrays([-1, 0], [0, TERMINAL], [[0, np.nan], [1, -1]])
    with pytest.raises(eq.InvalidInputError, match="action"):
        eq.ExtensiveGame.from_arrays([-1, 0, 0], [0, TERMINAL, TERMINAL], [[0, 0]] * 3, action=[0, 0, 0])
    with pytest.raises(eq.InvalidInputError, match="parent"):
        eq.ExtensiveGame.from_arrays([-1.0, 0.0], [0, TERMINAL], [[0, 0]] * 2)


def test_from_arrays_accepts_any_node_order() -> None:
    # Matching pennies in natural order, then shuffled.
    parent = np.array([-1, 0, 0, 1, 1, 2, 2])
    player = np.array([0, 1, 1, TERMINAL, TERMINAL, TERMINAL, TERMINAL])
    infoset = np.array([3, 7, 7, 0, 0, 0, 0])
    payoffs = np.array([[0, 0], [0, 0], [0, 0], [1, -1], [-1, 1], [-1, 1], [1, -1]], dtype=float)
    action = np.array([0, 0, 1, 0, 1, 0, 1])
    perm = np.random.default_rng(0).permutation(7)  # new position k holds old node perm[k]
    where = np.argsort(perm)  # old node -> new position
    shuffled_parent = np.array([-1 if parent[o] < 0 else where[parent[o]] for o in perm])
    game = eq.ExtensiveGame.from_arrays(
        shuffled_parent, player[perm], payoffs[perm], infoset=infoset[perm], action=action[perm]
    )
    assert (game.num_histories, game.num_infosets, game.num_terminals) == (7, 2, 4)
    solver = eq.CFR(game, "cfr+").run(500)
    assert solver.exploitability() < 1e-2
    np.testing.assert_allclose(solver.average_strategy()["3"], [0.5, 0.5], atol=1e-2)


def test_cfr_requires_two_player_zero_sum_perfect_recall() -> None:
    general = random_poker_like(1, zero_sum=False)
    with pytest.raises(eq.InvalidInputError, match="zero-sum"):
        eq.CFR(general)
    with pytest.raises(eq.InvalidInputError, match="zero-sum"):
        eq.MCCFR(general)
    b = eq.GameBuilder(3)
    root = b.decision(None, 0, "I", ["a"])
    b.terminal((root, 0), [0, 0, 0])
    with pytest.raises(eq.InvalidInputError, match="3 players"):
        eq.CFR(b.build())
    # Absent-minded driver: the same infoset twice on one path (imperfect recall).
    b = eq.GameBuilder(2)
    first = b.decision(None, 0, "X", ["exit", "continue"])
    b.terminal((first, 0), [0, 0])
    second = b.decision((first, 1), 0, "X", ["exit", "continue"])
    b.terminal((second, 0), [4, -4])
    b.terminal((second, 1), [1, -1])
    driver = b.build()
    assert not driver.has_perfect_recall
    with pytest.raises(eq.InvalidInputError, match="perfect recall"):
        eq.CFR(driver)
    with pytest.raises(eq.InvalidInputError, match="perfect recall"):
        eq.exploitability(driver, driver.uniform_strategy())
    # Expected payoffs work for any game.
    assert driver.expected_payoffs(driver.uniform_strategy())[0] == pytest.approx(0.5 * 0 + 0.25 * 4 + 0.25 * 1)


def test_strategies_are_validated() -> None:
    game = random_poker_like(2)
    with pytest.raises(eq.InvalidInputError, match="slot"):
        eq.exploitability(game, np.ones(game.num_slots + 1))
    bad = game.uniform_strategy().probabilities.copy()
    bad[0] += 0.1
    with pytest.raises(eq.InvalidInputError, match="summing to 1 at every infoset"):
        eq.exploitability(game, bad)
    bad[0] = -0.5
    with pytest.raises(eq.InvalidInputError, match="non-negative"):
        eq.BehaviorStrategy(game, bad)
    other = random_poker_like(3)
    with pytest.raises(eq.InvalidInputError, match="another game"):
        eq.exploitability(game, other.uniform_strategy())
    with pytest.raises(eq.InvalidInputError, match="player"):
        eq.best_response(game, game.uniform_strategy(), 2)
    with pytest.raises(eq.InvalidInputError, match="infoset"):
        game.uniform_strategy()["no such infoset"]


def test_solver_arguments_are_validated() -> None:
    game = random_poker_like(2)
    with pytest.raises(eq.InvalidInputError, match="variant"):
        eq.CFR(game, "cfr++")
    with pytest.raises(eq.InvalidInputError, match="alpha"):
        eq.CFR(game, "cfr+", alpha=2.0)
    with pytest.raises(eq.InvalidInputError, match="iterations"):
        eq.CFR(game).run(0)
    with pytest.raises(eq.InvalidInputError, match="checkpoint_every"):
        eq.CFR(game).run(10, checkpoint_every=0)
    with pytest.raises(eq.InvalidInputError, match="threads"):
        eq.CFR(game, threads=0)
    with pytest.raises(eq.InvalidInputError, match="sampling"):
        eq.MCCFR(game, sampling="chance")
    with pytest.raises(eq.InvalidInputError, match="epsilon"):
        eq.MCCFR(game, sampling="outcome", epsilon=0.0)
    with pytest.raises(eq.InvalidInputError, match="game"):
        eq.CFR("kuhn_poker")
