r"""Formulas: sympy expressions printed as text and LaTeX, the same way in every output.

Sums print in the order they were built (``order="none"``): the chain rule's
order, latest consumer first, so ``∂f/∂z3 = z7 + z3*cos(z4)`` reads as the
backward pass adds it. In LaTeX a node name is a letter with its index
(``z3`` → ``z_{3}``), a Greek letter (``alpha`` → ``\alpha``), or a word set
in italic as one (``err`` → ``\mathit{err}``, never e·r·r), and a float's
exponent reads ``-1.7446 \times 10^{-17}``. `readable` gives the look of a
handout (``1 − tanh(x)²``).

>>> import sympy
>>> x, y = sympy.symbols("x y")
>>> text(sympy.Add(y, x * sympy.cos(y), evaluate=False)), readable(1 - sympy.tanh(x)**2)
('y + x*cos(y)', '1 − tanh(x)²')
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter, greek_letters_set
from sympy.printing.str import StrPrinter

_CAPITAL_GREEK = frozenset({"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"})
_INDEXED = re.compile(r"([^\W\d_]+)_?(\d+)")


def number_last(terms: list[Any]) -> list[Any]:
    """A sum's terms with a leading negative number put after the next term: ``p0 - 1``, not ``-1 + p0``
    (only the first two swap, so a sum printed term by term as it arrives reads the same)."""
    if len(terms) > 1 and terms[0].is_Number and terms[0] < 0 and not terms[1].could_extract_minus_sign():
        return [terms[1], terms[0], *terms[2:]]
    return terms


class _StrPrinter(StrPrinter):
    """sympy's text printer, sums in the order built except that a negative number goes last."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return number_last(list(super()._as_ordered_terms(expr, order=order)))


def text(expr: Any) -> str:
    """`expr` as sympy prints it, sums in the order built (``z7 + z3*cos(z4)``; ``p0 - 1``)."""
    return _StrPrinter({"order": "none"}).doprint(expr)


class _LatexPrinter(LatexPrinter):
    """sympy's LaTeX printer with the project's names and numbers."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return number_last(list(super()._as_ordered_terms(expr, order=order)))

    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        return name_latex(expr.name)

    def _print_Float(self, expr: Any) -> str:
        return super()._print_Float(expr).replace(r"\cdot 10^", r"\times 10^")


def latex(expr: Any) -> str:
    r"""`expr` in LaTeX, sums in the order built; node names as ``z_{3}``, ``\mathit{err}``.

    A word-name beside another factor gets a thin space, so ``err·v2`` sets as
    ``\mathit{err}\, v_{2}`` (err v₂), never as one word errv₂.
    """
    return _WORD_BESIDE.sub(r"\1\\, ", _BESIDE_WORD.sub(r"\1\\, \2", _LatexPrinter({"order": "none"}).doprint(expr)))


_WORD = r"\\mathit\{[^{}]*\}(?:_\{[^{}]*\})?(?:\^\{[^{}]*\})?"
_WORD_BESIDE = re.compile(rf"({_WORD}) (?=[A-Za-z](?![A-Za-z])|\\\\mathit)")
"""A word-name followed, after the printer's blank, by another factor."""
_BESIDE_WORD = re.compile(rf"((?<![\\\\A-Za-z])[A-Za-z]|[0-9}}]) ({_WORD})")
"""A factor followed by a word-name."""


@lru_cache(maxsize=4096)
def name_latex(name: str) -> str:
    r"""A node name in LaTeX: ``z3`` → ``z_{3}``, ``f`` → ``f``, ``alpha`` → ``\alpha``,
    ``err`` → ``\mathit{err}``, ``h1_1`` → ``\mathit{h1\_1}`` (one word, never a product of letters)."""
    indexed = _INDEXED.fullmatch(name)
    if indexed:
        return f"{_stem_latex(indexed.group(1))}_{{{indexed.group(2)}}}"
    if name.isalpha():
        return _stem_latex(name)
    return r"\mathit{" + name.replace("\\", "").replace("_", r"\_") + "}"


def _stem_latex(stem: str) -> str:
    if len(stem) == 1:
        return stem
    if stem in greek_letters_set or stem in _CAPITAL_GREEK:
        return "\\" + stem
    return r"\mathit{" + stem + "}"


def partial_latex(of: str, wrt: str) -> str:
    r"""``\frac{\partial z_{8}}{\partial z_{3}}``."""
    return r"\frac{\partial %s}{\partial %s}" % (name_latex(of), name_latex(wrt))


def adjoint_latex(name: str, output: str = "f") -> str:
    r"""``\frac{\partial f}{\partial z_{3}}``: the LaTeX name of node `name`'s adjoint."""
    return partial_latex(output, name)


def dotted(expr: Any) -> str:
    """`expr` as sympy prints it (no reordering), products with a middle dot: ``0**x·log(0)``."""
    return re.sub(r"(?<!\*)\*(?!\*)", "·", sympy.sstr(expr))


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_INTEGER_POWER = re.compile(r"\*\*(?:\((-\d+)\)|(\d+)(?![\d.]))")


def readable(expression: Any) -> str:
    """sympy's text with the math look of a handout: ``1 - tanh(x)**2`` → ``1 − tanh(x)²``,
    ``2*x`` → ``2·x``, ``x**0.5`` → ``x^0.5``."""
    shown = _INTEGER_POWER.sub(lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPTS), str(expression))
    shown = shown.replace("**", "^").replace("*", "·").replace(" - ", " − ")
    return "−" + shown[1:] if shown.startswith("-") else shown
