"""The errors symcheck shows to people.

Every user-facing problem is a `SymcheckError`: ``str(error)`` is one line,
``file:line:col: what is wrong; what would fix it``, and ``error.detail()``
adds the offending source line with a caret under the column. The CLI prints
the one line (or the detail) and exits with code 2.
"""

from __future__ import annotations

from typing import Optional

from symcheck.ir import SourceLocation


class SymcheckError(Exception):
    """Base of every user-facing error.

    `location` says where in the user's text the problem is (None when it has
    no place in a text, e.g. a node of a live graph: then `node` names it);
    `hint` says what would fix it; `width` is how many characters the caret
    underlines.
    """

    def __init__(
        self,
        message: str,
        *,
        location: Optional[SourceLocation] = None,
        hint: str = "",
        width: int = 1,
        node: Optional[str] = None,
    ) -> None:
        self.message = message
        self.location = location
        self.hint = hint
        self.width = max(1, width)
        self.node = node
        super().__init__(message)

    def __str__(self) -> str:
        if self.location is not None:
            where = f"{self.location}: "
        elif self.node is not None:
            where = f"node {self.node}: "
        else:
            where = ""
        fix = f"; {self.hint}" if self.hint else ""
        return f"{where}{self.message}{fix}"

    def detail(self) -> str:
        """The one-line message, then the source line and a caret under the column."""
        location = self.location
        if location is None or not location.text:
            return str(self)
        text = location.text.rstrip("\n")
        # Keep tabs in the caret's indent so it lines up under tab-indented text.
        indent = "".join(c if c == "\t" else " " for c in text[: max(0, location.column - 1)])
        width = min(self.width, max(1, len(text) - location.column + 1))
        return f"{self}\n    {text}\n    {indent}{'^' * width}"


class InputError(SymcheckError):
    """Bad user text: an expression, a program, a claim, ``--at``, a target or a node name."""


class UnknownOpError(SymcheckError):
    """An op of a foreign engine that symcheck cannot interpret."""


class SetupError(SymcheckError):
    """Something symcheck's installation or the machine lacks (a package, a tool), not a mistake in the input."""
