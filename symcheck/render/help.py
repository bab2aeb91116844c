"""Command-line help, formatted by rich-argparse: for ``symcheck`` and for the runnable problems.

Descriptions come pre-wrapped and sections (TARGET, the claim language,
examples) are kept as written, so the formatter is rich-argparse's "raw
description" one, with markup off (help texts hold brackets such as
``[--at x=1.5]``). rich and rich-argparse load only when help is shown:
argparse also makes formatters while it builds a parser, and those stay
argparse's own (`HelpParser` says when help is being shown).
"""

from __future__ import annotations

import argparse
import os
import textwrap
from typing import Sequence

HELP_WIDTH = 78
"""Descriptions are wrapped to this many columns."""

_plain = False
_showing_help = False


def plain_help(plain: bool) -> None:
    """Print help without colour (``--no-color`` anywhere on the command line; NO_COLOR does the same)."""
    global _plain
    _plain = plain


class HelpParser(argparse.ArgumentParser):
    """An ArgumentParser whose help (and only its help) is formatted by rich-argparse."""

    def format_help(self) -> str:
        global _showing_help
        _showing_help, before = True, _showing_help
        try:
            return super().format_help()
        finally:
            _showing_help = before


class VersionAction(argparse.Action):
    """``--version``: prints ``symcheck X.Y.Z`` (read from the installed metadata only when asked) and exits."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print symcheck's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from symcheck.own import version

        print(f"symcheck {version()}")
        parser.exit()


def help_formatter(prog: str) -> argparse.HelpFormatter:
    """The formatter a parser's help is printed with (pass it as ``formatter_class``)."""
    if not _showing_help:
        return argparse.RawDescriptionHelpFormatter(prog)
    from rich.console import Console
    from rich_argparse import RawDescriptionRichHelpFormatter

    class Formatter(RawDescriptionRichHelpFormatter):
        text_markup = False  # help texts hold brackets, not markup
        help_markup = False
        group_name_formatter = str.lower  # "options:", as argparse and the examples write it

    plain = _plain or bool(os.environ.get("NO_COLOR"))  # no-color.org: set and non-empty
    return Formatter(prog, console=Console(color_system=None) if plain else None)


def wrapped(paragraph: str) -> str:
    """A description paragraph wrapped to `HELP_WIDTH` columns."""
    return textwrap.fill(paragraph, HELP_WIDTH)


def examples(lines: Sequence[str]) -> str:
    """An ``examples:`` section, one command per line."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)
