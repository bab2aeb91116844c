"""Turning positions in parsed text into `SourceLocation`s and located `InputError`s.

Columns are 1-based characters. Python's `ast` reports UTF-8 byte offsets, and
a claim is parsed after its ``∂f/∂z4`` sugar was rewritten, so a `Locator`
maps both back to the text the user typed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional, Sequence

from symcheck.errors import InputError
from symcheck.ir import SourceLocation


@dataclass(frozen=True)
class Locator:
    """Maps (line, 0-based character column) of the parsed text to the user's text.

    `base` is where the parsed text starts in the user's text (a claim inside
    a ``# claim:`` line); `colmap[i]` is the user's column of parsed
    character i (for rewritten claims).
    """

    source: str
    lines: Sequence[str]
    base: Optional[SourceLocation] = None
    colmap: Optional[Sequence[int]] = None

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""

    def _original(self, col0: int) -> int:
        if self.colmap is None:
            return col0
        if not self.colmap:
            return 0
        if col0 >= len(self.colmap):
            return self.colmap[-1] + (col0 - len(self.colmap) + 1)
        return self.colmap[max(0, col0)]

    def at(self, line: int, col0: int) -> SourceLocation:
        """The user's location of parsed (line, col0)."""
        col = self._original(col0)
        if self.base is not None:
            return SourceLocation(self.base.file, self.base.line, self.base.column + col, self.base.text)
        return SourceLocation(self.source, line, col + 1, self.line_text(line))

    def error(self, message: str, line: int, col0: int, *, hint: str = "", width: int = 1) -> InputError:
        """An InputError at parsed (line, col0), underlining `width` parsed characters."""
        start = self._original(col0)
        end = self._original(col0 + max(1, width) - 1)
        return InputError(message, location=self.at(line, col0), hint=hint, width=end - start + 1)

    def node_position(self, node: ast.AST) -> tuple[int, int, int]:
        """(line, col0, width) of an ast node, in characters of the parsed text."""
        line = getattr(node, "lineno", 1)
        source = self.line_text(line)
        col0 = _characters(source, getattr(node, "col_offset", 0))
        end_offset = getattr(node, "end_col_offset", None)
        if getattr(node, "end_lineno", line) == line and end_offset is not None:
            width = _characters(source, end_offset) - col0
        else:
            width = len(source) - col0
        return line, col0, max(1, width)

    def node_error(self, message: str, node: ast.AST, *, hint: str = "") -> InputError:
        """An InputError at an ast node, underlining all of it."""
        line, col0, width = self.node_position(node)
        return self.error(message, line, col0, hint=hint, width=width)

    def node_location(self, node: ast.AST) -> SourceLocation:
        line, col0, _ = self.node_position(node)
        return self.at(line, col0)


def _characters(line: str, byte_offset: int) -> int:
    """How many characters of `line` its first `byte_offset` UTF-8 bytes hold."""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


BYTE_ORDER_MARK = "\ufeff"
"""An invisible mark some editors put first in a file; it is not program text."""


def text_lines(text: str) -> list[str]:
    """The text's lines without their line endings (as `ast` counts them)."""
    return re.split(r"\r\n|\r|\n", text)
