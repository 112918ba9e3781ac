"""Built-in extensive-form games, generated in Rust with OpenSpiel's rules, sizes and labels.

Infoset labels are OpenSpiel's information-state strings and action labels its action strings,
so strategies convert to and from OpenSpiel policies by label (:mod:`equilibria.openspiel`).
:func:`load` reads a game specification such as ``"goofspiel(cards=5)"`` (used by the command
line).
"""

from __future__ import annotations

import numbers
import re
from typing import Any

from . import _core
from ._runtime import invalid
from .efg import ExtensiveGame

__all__ = ["kuhn_poker", "leduc_poker", "liars_dice", "goofspiel", "load", "BUILTIN_GAMES"]


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise invalid(name, "a positive integer", repr(value))
    return int(value)


def kuhn_poker() -> ExtensiveGame:
    """Kuhn poker: 3 cards, ante 1, one bet of 1 (58 histories, 12 infosets; value -1/18)."""
    return ExtensiveGame(_core.kuhn_poker())


def leduc_poker() -> ExtensiveGame:
    """Leduc hold'em: 6 cards (3 ranks x 2 suits), two betting rounds with raises of 2 and 4, at
    most two raises per round (9,457 histories, 936 infosets; value about -0.0856)."""
    return ExtensiveGame(_core.leduc_poker())


def liars_dice(faces: int = 6) -> ExtensiveGame:
    """Liar's Dice with one die of ``faces`` sides (2 to 9) per player, the highest face wild
    (``faces=6``: 294,883 histories, 24,576 infosets)."""
    return ExtensiveGame(_core.liars_dice(_positive("faces", faces)))


def goofspiel(cards: int = 4, imperfect_information: bool = True, points_order: str = "descending") -> ExtensiveGame:
    """Goofspiel with ``cards`` cards per hand (1 to 7; 1 to 5 with ``"random"``), as OpenSpiel's
    turn-based view: player 1 bids without seeing player 0's bid, and the last card is played
    automatically. Win/loss payoffs (+1/-1/0, OpenSpiel's default ``returns_type``).

    ``points_order``: ``"descending"``, ``"ascending"`` or ``"random"`` (a chance node turns up
    each point card). With ``imperfect_information`` players see only who won each turn
    (``cards=6``: 969,523 histories, 34,482 infosets, as OpenSpiel). With
    ``imperfect_information=False`` the labels are OpenSpiel's plus both players' bid sequences:
    OpenSpiel's own labels show hands as sets, which merges histories and breaks perfect recall.
    """
    if points_order not in ("descending", "ascending", "random"):
        raise invalid("points_order", "'descending', 'ascending' or 'random'", repr(points_order))
    return ExtensiveGame(_core.goofspiel(_positive("cards", cards), bool(imperfect_information), points_order))


#: The built-in games by name (OpenSpiel's names).
BUILTIN_GAMES = {
    "kuhn_poker": kuhn_poker,
    "leduc_poker": leduc_poker,
    "liars_dice": liars_dice,
    "goofspiel": goofspiel,
}


def _value(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text.strip("'\"")


def load(spec: str) -> ExtensiveGame:
    """A built-in game from ``"name"`` or ``"name(key=value, ...)"``, e.g.
    ``"liars_dice(faces=4)"``, ``"goofspiel(cards=5, points_order=ascending)"``."""
    match = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*", spec)
    if not match or match[1] not in BUILTIN_GAMES:
        raise invalid("game", f"one of {sorted(BUILTIN_GAMES)} with optional (key=value, ...)", repr(spec))
    kwargs: dict[str, Any] = {}
    if match[2] and match[2].strip():
        for part in match[2].split(","):
            if "=" not in part:
                raise invalid("game", "parameters written key=value", repr(part.strip()))
            key, value = part.split("=", 1)
            kwargs[key.strip()] = _value(value)
    try:
        return BUILTIN_GAMES[match[1]](**kwargs)
    except TypeError as exc:
        raise invalid("game", f"parameters of {match[1]}", f"{kwargs} ({exc})") from None
