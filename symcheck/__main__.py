"""``python -m symcheck``: the same command line as ``symcheck``."""

from symcheck.cli import main

raise SystemExit(main())
