"""``python -m equilibria``: the same command line as ``equilibria``."""

from .cli import main

raise SystemExit(main())
