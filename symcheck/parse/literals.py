"""Numbers as the user wrote them: one wording for a literal in text and a value after ``--at``.

A number no float can hold is "too large for a float" (not "not finite":
``1e400`` is a fine real number); a nonzero number that a float would round to
0 (``1e-400``) is "too small for a float"; a digit from another script
(``١``, ``٣``) is "not a number symcheck reads", as it is in an expression.
Long texts are shortened when echoed (`quoted`), so a 90 KB value does not come
back whole in a one-line error.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

_NONZERO_MANTISSA = re.compile(r"[-+]?[0._]*[1-9]")
NUMBER_TEXT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
"""A decimal number as ``--at`` and the tolerances read it: ASCII digits only, as in an expression."""
ECHO_CHARS = 40
"""How much of a long text an error quotes (its start and end, with the length between)."""


def quoted(text: str, limit: int = ECHO_CHARS) -> str:
    """`text` in quotes as an error echoes it: whole when short, else its start and end and its length.

    >>> quoted("1.5"), quoted("1" * 90_000 + "a")
    ("'1.5'", "'11111111111111111111…1111111111111111111a' (90,001 characters)")
    """
    if len(text) <= limit:
        return f"'{text}'"
    half = limit // 2
    return f"'{text[:half]}…{text[-half:]}' ({len(text):,} characters)"


def shortened(text: str, limit: int = ECHO_CHARS) -> str:
    """`text` whole when short, else its start and end with its length after it (for a repr, say)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}…{text[-half:]} ({len(text):,} characters)"


def too_large(text: str) -> tuple[str, str]:
    """The message and hint for a number beyond ±1.8e308."""
    return (f"{quoted(text)} is too large for a float",
            "the largest float is about 1.8e308: rescale it, or write it with exp and log")


def too_small(text: str) -> tuple[str, str]:
    """The message and hint for a nonzero number that a float would round to 0."""
    return (f"{quoted(text)} is too small for a float: it would be 0",
            "write 0 if 0 is meant; the smallest float is about 5e-324")


def underflows(text: str, value: float) -> bool:
    """True when `text`, a decimal literal with a nonzero digit, became the float 0."""
    return value == 0.0 and _NONZERO_MANTISSA.match(text) is not None


def foreign_digit(text: str) -> Optional[tuple[int, str, str, str]]:
    """(offset, digit, message, hint) for the first digit of another script in `text`, else None."""
    for offset, char in enumerate(text):
        number = unicodedata.numeric(char, None)
        if number is not None and not char.isascii():
            return (offset, char, f"'{char}' (U+{ord(char):04X}) is not a number symcheck reads",
                    f"write {number:g}")
    return None
