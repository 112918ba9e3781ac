"""Interoperability with OpenSpiel (``pip install open_spiel``; optional).

:func:`from_openspiel` walks a ``pyspiel`` game into an :class:`ExtensiveGame` whose infoset
labels are OpenSpiel's information-state strings and whose action labels are its action strings,
actions in ``legal_actions()`` order. Strategies then convert both ways by label:
:func:`to_openspiel_policy` and :func:`from_openspiel_policy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._runtime import invalid
from .efg import CHANCE, TERMINAL, BehaviorStrategy, ExtensiveGame

__all__ = ["from_openspiel", "to_openspiel_policy", "from_openspiel_policy"]


def _pyspiel() -> Any:
    try:
        import pyspiel
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("from_openspiel needs OpenSpiel: pip install open_spiel") from None
    return pyspiel


def from_openspiel(game: Any, max_histories: int = 50_000_000) -> ExtensiveGame:
    """Converts a ``pyspiel.Game`` (sequential, explicit chance, with information-state
    strings) by walking its whole tree.

    Simultaneous-move games must be converted first with ``pyspiel.convert_to_turn_based``.
    Walking is Python-speed (about 3 s per million histories); the resulting game is native.
    """
    pyspiel = _pyspiel()
    if not isinstance(game, pyspiel.Game):
        raise invalid("game", "a pyspiel.Game", type(game).__name__)
    gtype = game.get_type()
    if gtype.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
        raise invalid(
            "game",
            "a sequential game (use pyspiel.convert_to_turn_based for simultaneous moves)",
            f"{gtype.short_name} with {gtype.dynamics}",
        )
    if gtype.chance_mode == pyspiel.GameType.ChanceMode.SAMPLED_STOCHASTIC:
        raise invalid("game", "explicit chance outcomes", f"{gtype.short_name} samples its chance events")
    if not gtype.provides_information_state_string:
        raise invalid("game", "a game with information-state strings", gtype.short_name)

    num_players = game.num_players()
    parent: list[int] = []
    player: list[int] = []
    infoset: list[int] = []
    action: list[int] = []
    prob: list[float] = []
    edge: list[str] = []
    payoffs: list[list[float]] = []
    keys: dict[str, int] = {}
    labels: dict[int, str] = {}
    action_labels: dict[int, list[str]] = {}
    zero = [0.0] * num_players

    stack: list[tuple[Any, int, int, float, str]] = [(game.new_initial_state(), -1, 0, 1.0, "")]
    while stack:
        state, par, act, p, label = stack.pop()
        node = len(parent)
        if node >= max_histories:
            raise invalid("game", f"at most max_histories={max_histories} histories", "a larger tree")
        parent.append(par)
        action.append(act)
        prob.append(p)
        edge.append(label)
        if state.is_terminal():
            player.append(TERMINAL)
            infoset.append(-1)
            payoffs.append(list(state.returns()))
            continue
        payoffs.append(zero)
        if state.is_chance_node():
            player.append(CHANCE)
            infoset.append(-1)
            outcomes = state.chance_outcomes()
            for k in range(len(outcomes) - 1, -1, -1):
                a, q = outcomes[k]
                stack.append((state.child(a), node, k, q, state.action_to_string(pyspiel.PlayerId.CHANCE, a)))
            continue
        who = state.current_player()
        if who < 0:
            raise invalid("game", "chance, terminal or single-player decision states", f"player id {who}")
        key_str = state.information_state_string(who)
        legal = state.legal_actions()
        key = keys.get(key_str)
        if key is None:
            key = len(keys)
            keys[key_str] = key
            labels[key] = key_str
            action_labels[key] = [state.action_to_string(who, a) for a in legal]
        player.append(who)
        infoset.append(key)
        for k in range(len(legal) - 1, -1, -1):
            stack.append((state.child(legal[k]), node, k, 1.0, ""))

    return ExtensiveGame.from_arrays(
        np.asarray(parent, dtype=np.int64),
        np.asarray(player, dtype=np.int64),
        np.asarray(payoffs, dtype=np.float64),
        infoset=np.asarray(infoset, dtype=np.int64),
        action=np.asarray(action, dtype=np.int64),
        chance_prob=np.asarray(prob, dtype=np.float64),
        num_players=num_players,
        infoset_labels=labels,
        action_labels=action_labels,
        chance_labels=edge,
    )


def to_openspiel_policy(strategy: BehaviorStrategy, game: Any) -> Any:
    """An OpenSpiel ``TabularPolicy`` of ``game`` (a pyspiel game) holding ``strategy``; the
    strategy's game must label infosets with OpenSpiel's information-state strings (as
    :func:`from_openspiel` and the built-in games do)."""
    _pyspiel()
    from open_spiel.python import policy as os_policy

    if not isinstance(strategy, BehaviorStrategy):
        raise invalid("strategy", "a BehaviorStrategy", type(strategy).__name__)
    tabular = os_policy.TabularPolicy(game)
    ours = strategy.game
    for label, row in tabular.state_lookup.items():
        try:
            s = ours.slots(label)
        except ValueError:
            raise invalid("strategy", "a strategy labelled with OpenSpiel info-state strings", f"no infoset {label!r}") from None
        legal = np.flatnonzero(tabular.legal_actions_mask[row])
        if legal.shape[0] != s.stop - s.start:
            raise invalid("strategy", f"{legal.shape[0]} actions at infoset {label!r}", s.stop - s.start)
        tabular.action_probability_array[row, :] = 0.0
        tabular.action_probability_array[row, legal] = strategy.probabilities[s]
    return tabular


def from_openspiel_policy(game: ExtensiveGame, policy: Any) -> BehaviorStrategy:
    """Reads an OpenSpiel policy into a :class:`BehaviorStrategy` of ``game`` by infoset label:
    a Python ``TabularPolicy`` or a C++ policy with ``get_state_policy`` (for example
    ``pyspiel.CFRSolver(...).average_policy()``)."""
    probs = np.empty(game.num_slots)
    labels = game.infoset_labels
    off = game.slot_offsets
    if hasattr(policy, "state_lookup") and hasattr(policy, "action_probability_array"):
        for i, label in enumerate(labels):
            row = policy.state_lookup.get(label)
            if row is None:
                raise invalid("policy", "a policy for every infoset of the game", f"none for {label!r}")
            legal = np.flatnonzero(policy.legal_actions_mask[row])
            probs[off[i] : off[i + 1]] = policy.action_probability_array[row, legal]
    elif hasattr(policy, "get_state_policy"):
        for i, label in enumerate(labels):
            pairs = policy.get_state_policy(label)
            if not pairs:
                raise invalid("policy", "a policy for every infoset of the game", f"none for {label!r}")
            probs[off[i] : off[i + 1]] = [q for _, q in sorted(pairs)]
    else:
        raise invalid("policy", "an OpenSpiel TabularPolicy or a C++ policy with get_state_policy()", type(policy).__name__)
    return BehaviorStrategy(game, probs)
