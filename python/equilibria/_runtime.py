"""Runtime conventions shared by every module: the exception hierarchy, progress reporting,
and validation of the ``threads`` / ``seed`` / ``progress`` arguments.

The compiled core raises the exceptions defined here (it looks them up by name), so they are the
only exception types users need to know about besides ``KeyboardInterrupt``.
"""

from __future__ import annotations

import contextlib
import numbers
import secrets
from collections.abc import Callable, Iterator
from typing import Union

__all__ = [
    "EquilibriaError",
    "InvalidInputError",
    "NumericalError",
    "ProgressArg",
    "progress_reporter",
    "check_threads",
    "check_seed",
]


class EquilibriaError(Exception):
    """Root of every exception raised by equilibria."""


class InvalidInputError(ValueError, EquilibriaError):
    """An argument is malformed; the message names it, what was expected and what was found."""


class NumericalError(EquilibriaError):
    """A numerical routine could not finish (for example an LP solver failure)."""


ProgressCallback = Callable[[int, int], object]
ProgressArg = Union[bool, ProgressCallback, None]


def invalid(argument: str, expected: str, found: object) -> InvalidInputError:
    """Builds the standard bad-input error: ``"<argument>: expected <expected>, found <found>"``."""
    return InvalidInputError(f"{argument}: expected {expected}, found {found}")


@contextlib.contextmanager
def progress_reporter(progress: ProgressArg, desc: str) -> Iterator[ProgressCallback | None]:
    """Turns the ``progress`` argument into a ``(done, total)`` callback for the core.

    ``False``/``None``: no reporting. ``True``: a tqdm bar (closed on exit). A callable: used as is.
    """
    if progress is None or progress is False:
        yield None
        return
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=None, desc=desc, unit="it", dynamic_ncols=True)

        def update(done: int, total: int) -> None:
            if total and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            yield update
        finally:
            bar.close()
        return
    if callable(progress):
        yield progress
        return
    raise invalid("progress", "a bool or a callable taking (done, total)", repr(progress))


def check_threads(threads: object) -> int | None:
    """Validates ``threads``: ``None`` (all cores, shared pool) or a positive int (local pool)."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise invalid("threads", "None or a positive integer", repr(threads))
    return int(threads)


def check_seed(seed: object) -> int:
    """Validates ``seed`` (an int in [0, 2**64)); ``None`` draws a fresh one, returned so the
    caller can report it."""
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**64:
        raise invalid("seed", "None or an integer in [0, 2**64)", repr(seed))
    return int(seed)


def check_positive_int(name: str, value: object, *, allow_none: bool = False) -> int | None:
    """Validates a positive integer argument (or ``None`` when allowed)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        expected = "None or a positive integer" if allow_none else "a positive integer"
        raise invalid(name, expected, repr(value))
    return int(value)


def check_nonnegative_float(name: str, value: object) -> float:
    """Validates a finite, non-negative real argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid(name, "a finite number >= 0", repr(value))
    v = float(value)
    if not (v >= 0.0 and v != float("inf")):
        raise invalid(name, "a finite number >= 0", repr(value))
    return v
