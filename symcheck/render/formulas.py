r"""Formulas: sympy expressions printed as text and LaTeX, the same way in every output.

Sums print in the order they were built (``order="none"``): the chain rule's
order, latest consumer first, so ``∂f/∂z3 = z7 + z3*cos(z4)`` reads as the
backward pass adds it. Node names print as sympy prints symbols (``z3`` →
``z_{3}`` in LaTeX). `readable` gives the look of a handout (``1 − tanh(x)²``).

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


COMPACT = {"min": -5, "max": 15, "full_prec": False}
"""sympy's range of fixed-point numbers: a float such as 1e300 prints as ``1.0e+300``, never as 301 digits."""


def text(expr: Any) -> str:
    """`expr` as sympy prints it, sums in the order built (``z7 + z3*cos(z4)``), numbers compact."""
    return sympy.sstr(expr, order="none", **COMPACT)


def latex(expr: Any) -> str:
    r"""`expr` in LaTeX, sums in the order built; node names as ``z_{3}``; numbers compact (``10^{300}``)."""
    return sympy.latex(expr, order="none", **COMPACT)


def name_latex(name: str) -> str:
    """A node name in LaTeX: ``z3`` → ``z_{3}``, ``f`` → ``f`` (as sympy prints the symbol).

    One letter and digits (the generated names of big graphs) are written directly,
    the way sympy writes them; every other name goes through sympy's printer.
    """
    plain = _LETTER_DIGITS.match(name)
    if plain:
        return f"{plain[1]}_{{{plain[2]}}}" if plain[2] else plain[1]
    return _sympy_name_latex(name)


_LETTER_DIGITS = re.compile(r"^([A-Za-z])([0-9]*)$")


@lru_cache(maxsize=4096)
def _sympy_name_latex(name: str) -> str:
    return sympy.latex(sympy.Symbol(name))


def partial_latex(of: str, wrt: str) -> str:
    r"""``\frac{\partial z_{8}}{\partial z_{3}}``."""
    return r"\frac{\partial %s}{\partial %s}" % (name_latex(of), name_latex(wrt))


def adjoint_latex(name: str, output: str = "f") -> str:
    r"""``\frac{\partial f}{\partial z_{3}}``: the LaTeX name of node `name`'s adjoint."""
    return partial_latex(output, name)


def dotted(expr: Any) -> str:
    """`expr` as sympy prints it (no reordering), products with a middle dot: ``0**x·log(0)``."""
    return re.sub(r"(?<!\*)\*(?!\*)", "·", sympy.sstr(expr, **COMPACT))


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_INTEGER_POWER = re.compile(r"\*\*(?:\((-\d+)\)|(\d+)(?![\d.]))")


def readable(expression: Any) -> str:
    """sympy's text with the math look of a handout: ``1 - tanh(x)**2`` → ``1 − tanh(x)²``,
    ``2*x`` → ``2·x``, ``x**0.5`` → ``x^0.5``."""
    shown = _INTEGER_POWER.sub(lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPTS),
                               sympy.sstr(expression, **COMPACT))
    shown = shown.replace("**", "^").replace("*", "·").replace(" - ", " − ")
    return "−" + shown[1:] if shown.startswith("-") else shown
