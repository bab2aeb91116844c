"""Letters from other scripts that print like Latin ones: ``x*х`` would be two inputs that look alike.

Cyrillic ``х`` (U+0445) and Latin ``x`` (U+0078) are different names to
Python, yet print the same, so a program holding both, or an ``--at x=1`` for
an expression typed with a Cyrillic keyboard layout, says one thing and means
another. A name is refused when it holds such a look-alike letter and either
also holds Latin letters (``zх``) or consists of look-alikes only (``х``,
``ру``), so that it reads as a Latin name. A name written in another script
that cannot be mistaken for a Latin one (``скорость``, ``θ``, ``ν``) is
accepted: the table holds only letters that print like a Latin letter in common
fonts (Greek lower case, used for mathematics, only with omicron).
"""

from __future__ import annotations

import unicodedata
from typing import Optional

_LOOKALIKES = {
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o",
    # Armenian
    "օ": "o", "ս": "u",
}


def lookalike(name: str) -> Optional[tuple[int, str, str]]:
    """(offset, letter, its Latin twin) of the first look-alike letter that makes `name` misleading, or None.

    >>> lookalike("х")          # Cyrillic ha: reads as the Latin name x
    (0, 'х', 'x')
    >>> lookalike("zх1"), lookalike("θ"), lookalike("скорость")
    ((1, 'х', 'x'), None, None)
    """
    found = [(i, c) for i, c in enumerate(name) if c in _LOOKALIKES]
    if not found:
        return None
    letters = [c for c in name if c.isalpha()]
    has_latin = any(c.isascii() for c in letters)
    only_lookalikes = all(c.isascii() or c in _LOOKALIKES for c in letters)
    if not (has_latin or only_lookalikes):
        return None
    offset, letter = found[0]
    return offset, letter, _LOOKALIKES[letter]


def describe(name: str, letter: str, latin: str) -> tuple[str, str]:
    """The message and the hint for `lookalike`'s finding in `name`: both characters, named."""
    twin = "".join(_LOOKALIKES.get(c, c) for c in name)
    message = (f"'{letter}' ({_character(letter)}) in the name '{name}' looks like the Latin '{latin}' "
               f"({_character(latin)}) but is another letter")
    return message, f"write the name with Latin letters ('{twin}') or pick a name that cannot be mistaken for one"


def _character(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"
