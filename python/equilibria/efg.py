"""Extensive-form games: the flat game, its builders, behaviour strategies and best responses.

A game is a tree of chance, decision and terminal nodes stored as flat arrays in the Rust core
(nodes breadth-first, infosets grouped by player with contiguous action *slots*). Ways in:
:class:`GameBuilder` (node by node), :meth:`ExtensiveGame.from_arrays` (vectorised),
:func:`read_efg` (Gambit ``.efg``), :func:`equilibria.from_openspiel` and the built-ins in
:mod:`equilibria.games`.

A behaviour strategy is one probability per slot (:class:`BehaviorStrategy`); best responses,
NashConv and exploitability use the sequence form and need perfect recall.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from . import _core
from ._arrays import as_real_array
from ._runtime import check_threads, invalid

__all__ = [
    "CHANCE",
    "TERMINAL",
    "ExtensiveGame",
    "GameBuilder",
    "BehaviorStrategy",
    "BestResponse",
    "read_efg",
    "best_response",
    "nash_conv",
    "exploitability",
]

#: ``player`` value of a chance node in :meth:`ExtensiveGame.from_arrays`.
CHANCE = -1
#: ``player`` value of a terminal node in :meth:`ExtensiveGame.from_arrays`.
TERMINAL = -2

#: Tolerance on a behaviour strategy's per-infoset sums (same as the core's).
STRATEGY_SUM_TOLERANCE = 1e-6


class ExtensiveGame:
    """A finite extensive-form game with any number of players (immutable).

    Do not construct directly: use :class:`GameBuilder`, :meth:`from_arrays`, :func:`read_efg`,
    :func:`equilibria.from_openspiel` or :mod:`equilibria.games`.
    """

    __slots__ = ("_core", "_labels", "_index", "_actions", "_offsets", "_players")

    def __init__(self, core: _core.ExtensiveGame) -> None:
        if not isinstance(core, _core.ExtensiveGame):
            raise TypeError("ExtensiveGame is built by GameBuilder, from_arrays, read_efg or equilibria.games")
        self._core = core
        self._labels: list[str] | None = None
        self._index: dict[str, int] | None = None
        self._actions: list[str] | None = None
        self._offsets: np.ndarray | None = None
        self._players: np.ndarray | None = None

    # ---- sizes ----
    @property
    def num_players(self) -> int:
        """Number of players (chance excluded)."""
        return self._core.num_players

    @property
    def num_histories(self) -> int:
        """Number of nodes: chance, decision and terminal (OpenSpiel's histories)."""
        return self._core.num_histories

    @property
    def num_infosets(self) -> int:
        """Number of information sets over all players."""
        return self._core.num_infosets

    @property
    def num_terminals(self) -> int:
        """Number of terminal nodes."""
        return self._core.num_terminals

    @property
    def num_slots(self) -> int:
        """Number of (infoset, action) slots: the length of a behaviour strategy."""
        return self._core.num_slots

    def num_sequences(self, player: int) -> int:
        """Number of sequences of ``player`` in the sequence form (the empty one included)."""
        return self._core.num_sequences(_check_player(self, player))

    # ---- descriptive ----
    @property
    def title(self) -> str:
        """The game's title (Gambit files carry one)."""
        return self._core.title

    @property
    def comment(self) -> str:
        """The game's description (Gambit files carry one)."""
        return self._core.comment

    @property
    def player_names(self) -> list[str]:
        """The players' names."""
        return self._core.player_names

    @property
    def is_zero_sum(self) -> bool:
        """Whether the payoffs at every terminal sum to zero."""
        return self._core.is_zero_sum

    @property
    def has_perfect_recall(self) -> bool:
        """Whether every player remembers their own past actions (needed by CFR and best responses)."""
        return self._core.recall_violation is None

    @property
    def infoset_labels(self) -> list[str]:
        """Infoset labels, in infoset order (OpenSpiel info-state strings for converted games)."""
        if self._labels is None:
            self._labels = self._core.infoset_labels()
        return self._labels

    @property
    def action_labels(self) -> list[str]:
        """Action labels, in slot order."""
        if self._actions is None:
            self._actions = self._core.action_labels()
        return self._actions

    @property
    def slot_offsets(self) -> np.ndarray:
        """``num_infosets + 1`` offsets: infoset ``i`` owns slots ``offsets[i]:offsets[i+1]``."""
        if self._offsets is None:
            off = self._core.slot_offsets()
            off.flags.writeable = False
            self._offsets = off
        return self._offsets

    @property
    def infoset_players(self) -> np.ndarray:
        """The acting player of every infoset."""
        if self._players is None:
            p = self._core.infoset_players()
            p.flags.writeable = False
            self._players = p
        return self._players

    def infoset_index(self, label: str) -> int:
        """The index of the infoset labelled ``label`` (labels must be unique for lookup)."""
        if self._index is None:
            index: dict[str, int] = {}
            for i, lab in enumerate(self.infoset_labels):
                index[lab] = -1 if lab in index else i
            self._index = index
        i = self._index.get(label)
        if i is None:
            raise invalid("infoset", "the label of an infoset of this game", repr(label))
        if i < 0:
            raise invalid("infoset", "a label naming a single infoset", f"{label!r}, shared by several infosets")
        return i

    def infoset_actions(self, infoset: int | str) -> list[str]:
        """The action labels of an infoset (by index or label)."""
        s = self.slots(infoset)
        return self.action_labels[s]

    def slots(self, infoset: int | str) -> slice:
        """The slot range of an infoset (by index or label)."""
        i = self._infoset(infoset)
        off = self.slot_offsets
        return slice(int(off[i]), int(off[i + 1]))

    def _infoset(self, infoset: int | str) -> int:
        if isinstance(infoset, str):
            return self.infoset_index(infoset)
        if isinstance(infoset, bool) or not isinstance(infoset, numbers.Integral) or not 0 <= infoset < self.num_infosets:
            raise invalid("infoset", f"an infoset label or an index in 0..{self.num_infosets}", repr(infoset))
        return int(infoset)

    def node_arrays(self) -> dict[str, Any]:
        """The flat tree, nodes in breadth-first order: ``kind`` (0 chance, 1 decision,
        2 terminal), ``parent`` (-1 at the root), ``first_child``/``num_children``, ``infoset``,
        ``player`` (-1 chance, -2 terminal), ``chance_prob`` (of the edge into the node),
        ``terminal`` (index into ``payoffs``), ``chance_label``, ``node_label``, and
        ``payoffs`` (``num_terminals x num_players``)."""
        return self._core.node_arrays()

    # ---- evaluation ----
    def uniform_strategy(self) -> BehaviorStrategy:
        """The strategy playing every action of every infoset with equal probability."""
        off = self.slot_offsets
        counts = np.diff(off)
        probs = np.repeat(1.0 / counts, counts)
        return BehaviorStrategy(self, probs)

    def expected_payoffs(self, strategy: BehaviorStrategy | Any) -> np.ndarray:
        """Every player's expected payoff when all follow ``strategy`` (works for any game)."""
        return self._core.expected_payoffs(_strategy_array(self, strategy))

    def to_efg(self) -> str:
        """The game in Gambit's ``.efg`` text format (version 2); :func:`read_efg` reads it back."""
        return self._core.to_efg()

    def __repr__(self) -> str:
        return (
            f"ExtensiveGame(players={self.num_players}, histories={self.num_histories}, "
            f"infosets={self.num_infosets}, terminals={self.num_terminals})"
        )

    @classmethod
    def from_arrays(
        cls,
        parent: Any,
        player: Any,
        payoffs: Any,
        *,
        infoset: Any = None,
        action: Any = None,
        chance_prob: Any = None,
        num_players: int | None = None,
        infoset_labels: Mapping[int, str] | None = None,
        action_labels: Mapping[int, Sequence[str]] | None = None,
        chance_labels: Sequence[str] | None = None,
    ) -> ExtensiveGame:
        """Builds a game from parallel per-node arrays, nodes in any order.

        Args:
            parent: ``(n,)`` ints, the parent of each node; ``-1`` marks the (single) root.
            player: ``(n,)`` ints, the acting player (``>= 0``), :data:`CHANCE` or :data:`TERMINAL`.
            payoffs: ``(n, num_players)`` (rows of non-terminals ignored) or
                ``(num_terminals, num_players)`` (terminals in node order).
            infoset: ``(n,)`` ints, infoset key of each decision node; default: one infoset per
                decision node (perfect information).
            action: ``(n,)`` ints, the index of the action at the parent leading to each node;
                default: siblings in node order.
            chance_prob: ``(n,)`` probability of the chance edge into each node (needed when
                there are chance nodes).
            num_players: default: the number of payoff columns.
            infoset_labels: label per infoset key (default: the key).
            action_labels: action labels per infoset key (default ``"0"``, ``"1"``, ...).
            chance_labels: ``(n,)`` label of the chance outcome leading into each node (read
                only below chance nodes; default: unlabelled).
        """
        par = _int_array(parent, "parent")
        n = par.shape[0]
        who = _int_array(player, "player", n)
        pay = as_real_array(payoffs, "payoffs", 2, "(n, num_players)")
        if num_players is None:
            num_players = pay.shape[1]
        elif isinstance(num_players, bool) or not isinstance(num_players, numbers.Integral) or num_players < 1:
            raise invalid("num_players", "a positive integer", repr(num_players))
        num_players = int(num_players)
        if infoset is None:
            info = np.arange(n, dtype=np.int64)
        else:
            info = _int_array(infoset, "infoset", n)
        if action is None:
            act = np.zeros(n, dtype=np.int64)
            counter: dict[int, int] = {}
            for v, p in enumerate(par.tolist()):
                if p >= 0:
                    act[v] = counter.get(p, 0)
                    counter[p] = act[v] + 1
        else:
            act = _int_array(action, "action", n)
        if chance_prob is None:
            if (who == CHANCE).any():
                raise invalid("chance_prob", "probabilities for the children of chance nodes", "None")
            prob = np.ones(n)
        else:
            prob = as_real_array(chance_prob, "chance_prob", 1, f"({n},)")
            if prob.shape[0] != n:
                raise invalid("chance_prob", f"{n} entries (one per node)", prob.shape[0])
        terminals = np.flatnonzero(who == TERMINAL)
        if pay.shape[1] != num_players:
            raise invalid("payoffs", f"{num_players} columns (one per player)", f"shape {pay.shape}")
        if pay.shape[0] == n:
            full = pay
        elif pay.shape[0] == terminals.shape[0]:
            full = np.zeros((n, num_players))
            full[terminals] = pay
        else:
            raise invalid(
                "payoffs",
                f"{n} rows (one per node) or {terminals.shape[0]} (one per terminal)",
                f"shape {pay.shape}",
            )
        labels = {int(k): str(v) for k, v in (infoset_labels or {}).items()}
        actions = {int(k): [str(a) for a in v] for k, v in (action_labels or {}).items()}
        if chance_labels is None:
            edge_labels: list[str] = []
        else:
            edge_labels = [str(x) for x in chance_labels]
            if len(edge_labels) != n:
                raise invalid("chance_labels", f"{n} labels (one per node)", len(edge_labels))
        core = _core.game_from_arrays(
            num_players, par, who, info, act, prob, np.ascontiguousarray(full), labels, actions, edge_labels
        )
        return cls(core)


def _int_array(value: Any, name: str, length: int | None = None) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise invalid(name, "an integer array", f"dtype {arr.dtype}")
    if arr.ndim != 1:
        raise invalid(name, "a 1-D array", f"shape {arr.shape}")
    if arr.shape[0] == 0:
        raise invalid(name, "at least one node", "an empty array")
    if length is not None and arr.shape[0] != length:
        raise invalid(name, f"{length} entries (one per node)", arr.shape[0])
    return np.ascontiguousarray(arr, dtype=np.int64)


def _check_player(game: ExtensiveGame, player: Any) -> int:
    if isinstance(player, bool) or not isinstance(player, numbers.Integral) or not 0 <= player < game.num_players:
        raise invalid("player", f"a player index in 0..{game.num_players}", repr(player))
    return int(player)


@dataclass(frozen=True, repr=False, eq=False)
class BehaviorStrategy:
    """A behaviour strategy profile: one probability per (infoset, action) slot.

    ``probabilities[game.slots(i)]`` is the distribution at infoset ``i``. Index with an infoset
    label or index to read one distribution: ``strategy["0pb"]``.
    """

    game: ExtensiveGame
    probabilities: np.ndarray

    def __post_init__(self) -> None:
        probs = _validated_probabilities(self.game, self.probabilities, "probabilities")
        probs.flags.writeable = False
        object.__setattr__(self, "probabilities", probs)

    def __getitem__(self, infoset: int | str) -> np.ndarray:
        return self.probabilities[self.game.slots(infoset)]

    def action_probabilities(self, infoset: int | str) -> dict[str, float]:
        """``{action label: probability}`` at one infoset."""
        s = self.game.slots(infoset)
        return dict(zip(self.game.action_labels[s], self.probabilities[s].tolist()))

    def to_dict(self) -> dict[str, np.ndarray]:
        """``{infoset label: probabilities}`` (labels must be unique)."""
        labels = self.game.infoset_labels
        if len(set(labels)) != len(labels):
            raise invalid("game", "unique infoset labels for to_dict", "duplicated labels")
        off = self.game.slot_offsets
        return {lab: self.probabilities[off[i] : off[i + 1]].copy() for i, lab in enumerate(labels)}

    @classmethod
    def from_dict(
        cls, game: ExtensiveGame, mapping: Mapping[str, Any], default: str = "uniform"
    ) -> BehaviorStrategy:
        """Builds a strategy from ``{infoset label: probabilities}``; infosets not named get the
        uniform distribution (``default="uniform"``) or raise (``default="error"``)."""
        if default not in ("uniform", "error"):
            raise invalid("default", "'uniform' or 'error'", repr(default))
        probs = game.uniform_strategy().probabilities.copy()
        seen = set()
        for label, dist in mapping.items():
            s = game.slots(label)
            arr = as_real_array(dist, f"mapping[{label!r}]", 1, f"({s.stop - s.start},)")
            if arr.shape[0] != s.stop - s.start:
                raise invalid(f"mapping[{label!r}]", f"{s.stop - s.start} probabilities", arr.shape[0])
            probs[s] = arr
            seen.add(game.infoset_index(label))
        if default == "error" and len(seen) != game.num_infosets:
            missing = next(lab for i, lab in enumerate(game.infoset_labels) if i not in seen)
            raise invalid("mapping", "a distribution for every infoset", f"none for {missing!r}")
        return cls(game, probs)

    def __repr__(self) -> str:
        return f"BehaviorStrategy(infosets={self.game.num_infosets}, slots={self.game.num_slots})"


def _validated_probabilities(game: ExtensiveGame, value: Any, name: str) -> np.ndarray:
    probs = as_real_array(value, name, 1, f"({game.num_slots},)", allow_empty=game.num_slots == 0)
    if probs.shape[0] != game.num_slots:
        raise invalid(name, f"{game.num_slots} probabilities (one per slot)", f"length {probs.shape[0]}")
    if (probs < 0).any():
        k = int(np.argmax(probs < 0))
        raise invalid(name, "non-negative probabilities", f"{probs[k]} at slot {k}")
    off = game.slot_offsets
    sums = np.add.reduceat(probs, off[:-1]) if game.num_infosets else np.zeros(0)
    bad = np.flatnonzero(np.abs(sums - 1.0) > STRATEGY_SUM_TOLERANCE)
    if bad.size:
        i = int(bad[0])
        raise invalid(
            name,
            "probabilities summing to 1 at every infoset",
            f"a sum of {sums[i]!r} at infoset {i} ({game.infoset_labels[i]!r})",
        )
    if probs is value:
        probs = probs.copy()
    return probs


StrategyLike = Union[BehaviorStrategy, Any]


def _strategy_array(game: ExtensiveGame, strategy: StrategyLike) -> np.ndarray:
    if isinstance(strategy, BehaviorStrategy):
        if strategy.game._core is not game._core:
            raise invalid("strategy", "a strategy of this game", "a strategy of another game")
        return strategy.probabilities
    return _validated_probabilities(game, strategy, "strategy")


@dataclass(frozen=True)
class BestResponse:
    """A best response: its value to the responder and the strategy profile with the
    responder's infosets replaced by the (pure) best response."""

    value: float
    strategy: BehaviorStrategy


def best_response(game: ExtensiveGame, strategy: StrategyLike, player: int, threads: int | None = None) -> BestResponse:
    """A best response of ``player`` to the other players' parts of ``strategy``: one pass
    over the sequence form (the cost of one CFR pass). Ties go to the lowest action.
    ``threads``: ``None`` (all cores) or a count; the answer does not depend on it."""
    _check_game(game)
    probs = _strategy_array(game, strategy)
    value, br = game._core.best_response(probs, _check_player(game, player), check_threads(threads))
    return BestResponse(float(value), BehaviorStrategy(game, br))


def nash_conv(game: ExtensiveGame, strategy: StrategyLike, threads: int | None = None) -> float:
    """``Σ_p (best-response value_p - value_p)``: zero exactly at a Nash equilibrium (one
    best-response pass per player; ``threads`` as in :func:`best_response`)."""
    _check_game(game)
    value, _, _ = game._core.nash_conv(_strategy_array(game, strategy), check_threads(threads))
    return float(value)


def exploitability(game: ExtensiveGame, strategy: StrategyLike, threads: int | None = None) -> float:
    """OpenSpiel's exploitability: :func:`nash_conv` divided by the number of players."""
    return nash_conv(game, strategy, threads) / game.num_players


def _check_game(game: Any) -> None:
    if not isinstance(game, ExtensiveGame):
        raise invalid("game", "an equilibria.ExtensiveGame", type(game).__name__)


def read_efg(path: str | os.PathLike[str]) -> ExtensiveGame:
    """Reads a game in Gambit's ``.efg`` format (version 2): rational or decimal payoffs and
    probabilities, outcomes (also at non-terminal nodes, where payoffs add up along the path),
    quoted labels and comments. A malformed file raises :class:`InvalidInputError` naming the
    line and column."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return parse_efg(text)


def parse_efg(text: str) -> ExtensiveGame:
    """Like :func:`read_efg`, from the file's text."""
    if not isinstance(text, str):
        raise invalid("text", "a str with the .efg file's contents", type(text).__name__)
    return ExtensiveGame(_core.parse_efg(text))


ParentRef = Union[tuple[int, int], None]


class GameBuilder:
    """Builds an :class:`ExtensiveGame` node by node, parents before children.

    Every node names its parent as ``(parent_node, action_index)`` (``None`` for the root) and
    gets back an integer handle::

        b = GameBuilder(num_players=2)
        root = b.chance(None, [("heads", 0.5), ("tails", 0.5)])
        for k in range(2):
            n = b.decision((root, k), player=0, infoset="P0", actions=["stop", "go"])
            b.terminal((n, 0), [1, -1])
            b.terminal((n, 1), [-1, 1])
        game = b.build()

    Decision nodes sharing an ``infoset`` label belong to one infoset: they must agree on the
    player and the actions.
    """

    def __init__(self, num_players: int = 2) -> None:
        if isinstance(num_players, bool) or not isinstance(num_players, numbers.Integral) or num_players < 1:
            raise invalid("num_players", "a positive integer", repr(num_players))
        self._core = _core.TreeBuilder(int(num_players))
        self._infosets: dict[str, tuple[int, int, tuple[str, ...]]] = {}
        self.num_players = int(num_players)

    def chance(self, parent: ParentRef, outcomes: Sequence[tuple[str, float]]) -> int:
        """Adds a chance node with ``(label, probability)`` outcomes summing to 1."""
        try:
            pairs = [(str(label), float(p)) for label, p in outcomes]
        except (TypeError, ValueError):
            raise invalid("outcomes", "a sequence of (label, probability) pairs", repr(outcomes)) from None
        return self._core.add_chance(self._parent(parent), pairs)

    def decision(self, parent: ParentRef, player: int, infoset: str, actions: Sequence[str]) -> int:
        """Adds a decision node of ``player`` in infoset ``infoset`` with ``actions``."""
        if isinstance(player, bool) or not isinstance(player, numbers.Integral) or not 0 <= player < self.num_players:
            raise invalid("player", f"a player index in 0..{self.num_players}", repr(player))
        acts = tuple(str(a) for a in actions)
        label = str(infoset)
        known = self._infosets.get(label)
        if known is None:
            ident = self._core.add_infoset(int(player), label, list(acts))
            self._infosets[label] = (ident, int(player), acts)
        else:
            ident, p0, a0 = known
            if p0 != player or a0 != acts:
                raise invalid(
                    "infoset",
                    f"every node of infoset {label!r} to have player {p0} and actions {list(a0)}",
                    f"player {player} with actions {list(acts)}",
                )
        return self._core.add_decision(self._parent(parent), ident)

    def terminal(self, parent: ParentRef, payoffs: Sequence[float]) -> int:
        """Adds a terminal node with one payoff per player."""
        pay = as_real_array(payoffs, "payoffs", 1, f"({self.num_players},)")
        return self._core.add_terminal(self._parent(parent), pay.tolist())

    def set_title(self, title: str) -> None:
        """Sets the game's title."""
        self._core.set_title(str(title))

    def set_comment(self, comment: str) -> None:
        """Sets the game's description (kept in ``.efg`` output)."""
        self._core.set_comment(str(comment))

    def build(self) -> ExtensiveGame:
        """Validates the tree (every action has a child) and returns the game."""
        return ExtensiveGame(self._core.build())

    @staticmethod
    def _parent(parent: ParentRef) -> tuple[int, int] | None:
        if parent is None:
            return None
        try:
            node, action = parent
            if isinstance(node, bool) or isinstance(action, bool) or int(node) < 0 or int(action) < 0:
                raise TypeError
            return (int(node), int(action))
        except (TypeError, ValueError):
            raise invalid("parent", "None (the root) or a (node, action index) pair", repr(parent)) from None
