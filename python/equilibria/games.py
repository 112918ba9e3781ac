"""Built-in extensive-form games, generated in Rust with OpenSpiel's rules, sizes and labels."""

from __future__ import annotations

__all__: list[str] = []
