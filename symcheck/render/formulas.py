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


COMPACT = {"min": -5, "max": 15, "full_prec": False}
"""sympy's range of fixed-point numbers: a float such as 1e300 prints as ``1.0e+300``, never as 301 digits."""


def text(expr: Any) -> str:
    """`expr` as sympy prints it, sums in the order built (``z7 + z3*cos(z4)``; ``p0 - 1``), numbers compact."""
    return _StrPrinter({"order": "none", **COMPACT}).doprint(expr)


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
    ``\mathit{err}\, v_{2}`` (err v₂), never as one word errv₂. Numbers are compact (``10^{300}``).
    """
    return _WORD_BESIDE.sub(r"\1\\, ", _BESIDE_WORD.sub(r"\1\\, \2", _LatexPrinter({"order": "none", **COMPACT}).doprint(expr)))


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


# -- MathML ------------------------------------------------------------------------------------
#
# Presentation MathML renders in every current browser without a script or a font to load, so
# the HTML page and Jupyter's HTML output typeset with it (VS Code's notebook output included,
# where math inside HTML is not typeset otherwise).

_MINUS = "\u2212"
_ADJOINT_PLACEHOLDER = re.compile(r"^D\(f, (.+)\)$")


def _mathml_printer_class() -> type:
    """sympy's presentation printer with symcheck's looks (built on first use: sympy loads lazily)."""
    from sympy.printing.mathml import MathMLPresentationPrinter

    class SymcheckMathML(MathMLPresentationPrinter):  # type: ignore[misc, valid-type]
        """Node names as ``z<sub>3</sub>`` with the digits upright, σ for sigmoid, θ for Heaviside,
        and the chain rule's ∂f/∂z8 placeholders as fractions."""

        def _print_Symbol(self, sym: Any, style: str = "plain") -> Any:
            placeholder = _ADJOINT_PLACEHOLDER.match(sym.name)
            if placeholder:  # the ledger's D(f, k) on big graphs: ∂f/∂k
                return self._fraction("f", placeholder.group(1))
            element = super()._print_Symbol(sym, style)
            for child in list(element.childNodes)[1:] if element.tagName in ("msub", "msup", "msubsup") else ():
                if child.tagName == "mi" and child.firstChild.data.isdigit():
                    element.replaceChild(self._number(child.firstChild.data), child)
            return element

        def _print_Partial(self, partial: Any) -> Any:  # symcheck.symbolic.graph.Partial, by duck typing
            return self._fraction(partial.of, partial.wrt)

        def _print_sigmoid(self, e: Any) -> Any:
            return self._named_function("σ", e.args)

        def _print_Heaviside(self, e: Any) -> Any:
            return self._named_function("θ", e.args[:1])

        def _named_function(self, name: str, args: Any) -> Any:
            mrow = self.dom.createElement("mrow")
            mi = self.dom.createElement("mi")
            mi.appendChild(self.dom.createTextNode(name))
            mrow.appendChild(mi)
            mrow.appendChild(self._paren_comma_separated(*args))
            return mrow

        def _number(self, digits: str) -> Any:
            mn = self.dom.createElement("mn")
            mn.appendChild(self.dom.createTextNode(digits))
            return mn

        def _fraction(self, of: str, wrt: str) -> Any:
            frac = self.dom.createElement("mfrac")
            for name in (of, wrt):
                mrow = self.dom.createElement("mrow")
                mo = self.dom.createElement("mo")
                mo.appendChild(self.dom.createTextNode("∂"))
                mrow.appendChild(mo)
                mrow.appendChild(self._print(sympy.Symbol(name)))
                frac.appendChild(mrow)
            return frac

    return SymcheckMathML


@lru_cache(maxsize=1)
def _mathml_printer() -> Any:
    return _mathml_printer_class()({"order": "none"})


_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def _plain_characters(markup: str) -> str:
    """Named entities (``&InvisibleTimes;``) as the characters themselves, so the markup is valid
    XML inside SVG and XHTML too; ``&amp;``, ``&lt;``, ``&gt;`` and ``&quot;`` stay escaped."""
    from html.entities import html5

    def character(match: re.Match) -> str:
        name = match.group(1)
        if name in ("amp", "lt", "gt", "quot"):
            return match.group(0)
        return html5.get(name + ";", match.group(0))

    return _ENTITY.sub(character, markup).replace("<mo>-</mo>", f"<mo>{_MINUS}</mo>")


@lru_cache(maxsize=16384)
def mathml_inner(expr: Any) -> str:
    """`expr` as presentation MathML without the ``<math>`` element (to compose sums and rows).

    Cached: a trace prints each step's term for the step and again in every sum it joins."""
    return _plain_characters(_mathml_printer().doprint(expr))


def math_element(inner: str, *, display: bool = False, label: str = "") -> str:
    """A ``<math>`` element around MathML content; `label` (plain text) is what screen readers say."""
    attributes = ' display="block"' if display else ""
    if label:
        escaped = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        attributes += f' aria-label="{escaped}"'
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"{attributes}>{inner}</math>'


def mathml(expr: Any, *, display: bool = False) -> str:
    """`expr` as a presentation MathML ``<math>`` element, sums in the order built, ``z3`` → z₃.

    >>> import sympy
    >>> print(mathml(sympy.Symbol("z3") + 1))
    <math xmlns="http://www.w3.org/1998/Math/MathML" aria-label="1 + z3"><mrow><mn>1</mn><mo>+</mo><msub><mi>z</mi><mn>3</mn></msub></mrow></math>
    """
    return math_element(mathml_inner(expr), display=display, label=text(expr))


@lru_cache(maxsize=4096)
def name_mathml(name: str) -> str:
    """A node name as MathML content: ``z3`` → ``<msub><mi>z</mi><mn>3</mn></msub>``."""
    return mathml_inner(sympy.Symbol(name))


def partial_mathml(of: str, wrt: str) -> str:
    """∂of/∂wrt as a MathML fraction (content, no ``<math>``)."""
    return f"<mfrac><mrow><mo>∂</mo>{name_mathml(of)}</mrow><mrow><mo>∂</mo>{name_mathml(wrt)}</mrow></mfrac>"


def signed_terms_mathml(terms: Any) -> list[tuple[bool, str]]:
    """Each term of a sum as (negative, MathML of its size): ``a − 2·b`` gives (False, a), (True, 2·b),
    so a sum composed from them reads as sympy prints it, with a minus instead of ``+ −``."""
    shown = []
    for term in terms:
        for part in sympy.Add.make_args(term):
            if part == 0:
                continue
            negative = bool(part.could_extract_minus_sign())
            shown.append((negative, mathml_inner(-part if negative else part)))
    return shown


def sum_mathml(signed: list[tuple[bool, str]], *, limit: int = 0) -> str:
    """MathML content of a sum of `signed_terms_mathml` terms (0 when there are none); past `limit`
    terms (when given) the rest is counted: ``a + b + ⋯ (5 more terms)``."""
    if not signed:
        return "<mn>0</mn>"
    shown = signed[:limit] if limit and len(signed) > limit else signed
    parts = []
    for i, (negative, inner) in enumerate(shown):
        if negative:
            parts.append(f"<mo>{_MINUS}</mo>")
        elif i:
            parts.append("<mo>+</mo>")
        parts.append(inner)
    if len(shown) < len(signed):
        more = len(signed) - len(shown)
        parts.append(f"<mo>+</mo><mi>⋯</mi><mtext>\u00a0({more} more term{'s' if more != 1 else ''})</mtext>")
    return "<mrow>" + "".join(parts) + "</mrow>"
