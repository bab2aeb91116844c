r"""One LaTeX formula member (``\frac{\partial f}{\partial z_5}(x, y)\, \cos z_4``) as a claim side.

A whitelist over tokens: every command symcheck reads is listed here, and
anything else is an error naming it. Read are: numbers (``0.5``, ``-1.74
\times 10^{-17}``), node names (``z_4``, ``z_{4}``, ``z4``, ``w_{11}``,
``\mathit{err}``, ``\alpha``; ``f`` is the output), ``+ - * / \cdot \times``
and implicit multiplication, ``^{…}``, ``\frac``/``\tfrac``/``\dfrac`` (a
division, or a derivative with ``\partial`` or ``d`` above and below),
``\partial f/\partial z_4`` and ``df/dz_4``, ``\sqrt`` (also ``\sqrt[n]``),
``\exp``, ``e^{…}``, ``\log``, ``\ln``, ``\sin``, ``\cos``, ``\tanh``,
``\sigma``, ``\operatorname{relu}``, ``|x|``, brackets with or without
``\left``/``\right``, spacing commands, and an evaluation point after a
derivative or after f (``(x, y)``), which is dropped.

A partial is read by the textbook rule (`symcheck.parse.claim_language.textbook_reading`)
and recorded as a `Reading` written ``∂a/∂b``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from symcheck import ops
from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.parse.claim_ast import (
    LOCAL,
    BinOp,
    Call,
    ClaimExpr,
    Derivative,
    LocalPartial,
    Neg,
    Num,
    Reading,
    Ref,
)
from symcheck.parse.claim_language import textbook_reading
from symcheck.parse.suggest import close_matches, listing

MAX_DEPTH = 100
"""Deepest nesting of brackets and groups read in one formula."""

FUNCTIONS = {"sin": "sin", "cos": "cos", "tanh": "tanh", "exp": "exp", "log": "log", "ln": "log", "sqrt": "sqrt"}
"""LaTeX function commands and the op each one is."""

GREEK = frozenset("""alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi
    rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega""".split())

SPACING = frozenset({",", ";", ":", "!", " ", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace",
                     "negthinspace", "displaystyle", "textstyle", "nonumber", "notag", "limits", "nolimits"})
"""Commands that only space or style a formula: skipped."""

DELIMITER_SIZES = frozenset({"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
                             "biggr", "Biggl", "Biggr", "middle"})
WORD_FONTS = frozenset({"mathit", "mathrm", "mathsf", "mathbf", "mathnormal", "textit", "textrm", "operatorname",
                        "mathtt", "boldsymbol", "bm"})
"""Font commands whose argument is one name (``\\mathit{err}``)."""

MULTIPLY = frozenset({"cdot", "times", "ast", "cdotp"})
OPENERS = {"(": ")", "[": "]", "lbrack": "rbrack", "{": "}", "lbrace": "rbrace"}


@dataclass(frozen=True)
class Tok:
    """A token of a formula: kind ``char``, ``number``, ``cmd`` (``text`` is the command's name), ``group``
    (``children`` its tokens) or ``space``; `start`/`end` are offsets in the .tex file."""

    kind: str
    text: str
    start: int
    end: int
    children: tuple["Tok", ...] = ()


Located = Callable[[str, Tok, str], InputError]
"""Makes the error for a token: (message, token, hint) → InputError at the token's line and column."""


class MathReader:
    """Reads formula members over one program; `readings` collects how each partial was read."""

    def __init__(self, program: Program, error: Located) -> None:
        self.program = program
        self.error = error
        self.readings: list[Reading] = []
        self.inputs = {node.name for node in program.inputs}

    def member(self, tokens: Sequence[Tok]) -> ClaimExpr:
        """One member of a relation (a side), all of `tokens`."""
        cursor = _Cursor(_strip(tokens), self)
        expr = cursor.expression()
        cursor.skip_space()
        if not cursor.done():
            token = cursor.peek()
            raise self.error(f"'{_shown(token)}' is not understood here", token, _hint_after(token))
        return expr

    # -- names -----------------------------------------------------------------------

    def node_name(self, stem: str, index: str, token: Tok) -> Optional[str]:
        """The node written ``stem`` with subscript or digits `index`, or None when none is called so."""
        joined = index.replace(",", "")
        for candidate in (stem + joined, f"{stem}_{joined}", f"{stem}_{index.replace(',', '_')}",
                          stem + index.replace(",", "_")):
            if candidate in self.program:
                return candidate
        if stem == "f" and not index:
            return "f"
        return None

    def unknown_name(self, written: str, plain: str, token: Tok) -> InputError:
        names = list(self.program.names)
        suggestion = _same_index(plain, names) or (close_matches(plain, names) or [None])[0]
        hint = f"did you mean {_latex_name(suggestion)}?" if suggestion else \
            f"the nodes are {listing(names)} (f is the output)"
        return self.error(f"{written} is not a node of this graph", token, hint)

    def partial(self, of: str, wrt: str, token: Tok) -> ClaimExpr:
        """∂of/∂wrt by the textbook rule, recorded as read."""
        kind = textbook_reading(of, wrt, self.program)
        self.readings.append(Reading(f"∂{of}/∂{wrt}", kind, of, wrt))
        return LocalPartial(of, wrt) if kind == LOCAL else Derivative(of, wrt)


class _Cursor:
    """A recursive-descent parser over a token list (depth bounded by `MAX_DEPTH`)."""

    def __init__(self, tokens: Sequence[Tok], reader: MathReader, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise reader.error("the formula is nested too deeply", tokens[0] if tokens else Tok("char", "", 0, 0),
                               "split it into smaller formulas")
        self.tokens, self.reader, self.depth, self.i = list(tokens), reader, depth, 0

    # -- moving ----------------------------------------------------------------------

    def done(self) -> bool:
        return self.i >= len(self.tokens)

    def peek(self, ahead: int = 0) -> Optional[Tok]:
        j = self.i
        seen = -1
        while j < len(self.tokens):
            if self.tokens[j].kind != "space":
                seen += 1
                if seen == ahead:
                    return self.tokens[j]
            j += 1
        return None

    def skip_space(self) -> bool:
        moved = False
        while self.i < len(self.tokens) and (self.tokens[self.i].kind == "space" or _is_spacing(self.tokens[self.i])):
            self.i += 1
            moved = True
        return moved

    def take(self) -> Tok:
        self.skip_space()
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, kind: str, text: Optional[str] = None) -> bool:
        token = self.peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def sub(self, tokens: Sequence[Tok]) -> "_Cursor":
        return _Cursor(_strip(tokens), self.reader, self.depth + 1)

    def whole(self, tokens: Sequence[Tok], where: Tok) -> ClaimExpr:
        inner = self.sub(tokens)
        if inner.done():
            raise self.reader.error("an empty group or bracket", where, "write something inside it")
        expr = inner.expression()
        inner.skip_space()
        if not inner.done():
            token = inner.peek()
            raise self.reader.error(f"'{_shown(token)}' is not understood here", token, _hint_after(token))
        return expr

    # -- grammar ---------------------------------------------------------------------

    def expression(self) -> ClaimExpr:
        """term (('+' | '-') term)*, with a leading sign."""
        sign = self._sign()
        expr = self.term()
        if sign == "-":
            expr = Num(-expr.value, expr.written) if isinstance(expr, Num) else Neg(expr)
        while self.at("char", "+") or self.at("char", "-"):
            op = self.take().text
            if self.done() or self.peek() is None:
                raise self.reader.error(f"'{op}' has nothing after it", self.tokens[self.i - 1], "finish the sum")
            expr = BinOp(op, expr, self.term())
        return expr

    def _sign(self) -> str:
        if self.at("char", "-") or self.at("char", "+"):
            return self.take().text
        return "+"

    def term(self) -> ClaimExpr:
        """factor ((* | / | implicit) factor)*."""
        expr = self.factor()
        while True:
            token = self.peek()
            if token is None:
                return expr
            if token.kind == "cmd" and token.text in MULTIPLY or token.kind == "char" and token.text == "*":
                self.take()
                expr = BinOp("*", expr, self._operand_after(token))
            elif token.kind == "char" and token.text == "/" or token.kind == "cmd" and token.text == "div":
                self.take()
                expr = BinOp("/", expr, self._operand_after(token))
            elif self._starts_factor(token):
                expr = BinOp("*", expr, self.factor())
            else:
                return expr

    def _operand_after(self, sign: Tok) -> ClaimExpr:
        if self.peek() is None:
            raise self.reader.error(f"'{_shown(sign)}' has nothing after it", sign, "finish the product")
        if self.at("char", "-"):  # a · -b
            self.take()
            operand = self.factor()
            return Num(-operand.value, operand.written) if isinstance(operand, Num) else Neg(operand)
        return self.factor()

    def _starts_factor(self, token: Tok) -> bool:
        if token.kind in ("number", "group"):
            return True
        if token.kind == "char":
            return token.text.isalpha() or token.text in "([|"
        if token.kind == "cmd":
            return token.text not in MULTIPLY | {"div"} | _RELATION_WORDS and token.text not in ("right", "rvert", "rbrack")
        return False

    def factor(self) -> ClaimExpr:
        """primary ('^' script)?"""
        base = self.primary()
        while self.at("char", "^"):
            caret = self.take()
            base = BinOp("**", base, self._script(caret))
        return base

    def _script(self, caret: Tok) -> ClaimExpr:
        token = self.peek()
        if token is None:
            raise self.reader.error("'^' has no exponent after it", caret, "write the power, e.g. x^{2}")
        self.take()
        if token.kind == "group":
            return self.whole(token.children, token)
        if token.kind == "number":  # x^23 is x^2 · 3 in TeX: only the first digit is the exponent
            digit = Tok("number", token.text[0], token.start, token.start + 1)
            if len(token.text) > 1:
                self.tokens.insert(self.i, Tok("number", token.text[1:], token.start + 1, token.end))
            return Num(float(digit.text), digit.text)
        return self.sub([token]).expression()

    def primary(self) -> ClaimExpr:
        token = self.peek()
        if token is None:
            last = self.tokens[-1] if self.tokens else Tok("char", "", 0, 0)
            raise self.reader.error("a formula ends where a value is expected", last, "finish the formula")
        if token.kind == "number":
            return self._number()
        if token.kind == "group":
            self.take()
            return self.whole(token.children, token)
        if token.kind == "char":
            return self._char_primary(token)
        return self._command(token)

    def _char_primary(self, token: Tok) -> ClaimExpr:
        if token.text in "([":
            return self._bracketed()
        if token.text == "|":
            self.take()
            inner = self._until(lambda t: t.kind == "char" and t.text == "|", token, "'|'")
            return Call("abs", (self.whole(inner, token),))
        if token.text.isalpha():
            derivative = self._inline_derivative()
            if derivative is not None:
                return self._after_derivative(derivative)
            return self._name()
        raise self.reader.error(f"'{token.text}' is not understood here", token, _hint_after(token))

    # -- numbers and names -----------------------------------------------------------

    def _number(self) -> ClaimExpr:
        token = self.take()
        written, value = token.text, float(token.text)
        times, ten, caret = self.peek(), self.peek(1), self.peek(2)
        if times is not None and times.kind == "cmd" and times.text in ("times", "cdot") and ten is not None \
                and ten.kind == "number" and ten.text == "10" and caret is not None and caret.text == "^":
            self.take(), self.take(), self.take()
            exponent = self._script(caret)
            if isinstance(exponent, Num) and float(exponent.value).is_integer():
                power = int(exponent.value)
                return Num(value * 10.0 ** power, f"{written}e{power}")
            return BinOp("*", Num(value, written), BinOp("**", Num(10.0, "10"), exponent))
        return Num(value, written)

    def _name(self) -> ClaimExpr:
        self.skip_space()
        letters, tokens = "", []
        while self.i < len(self.tokens) and self.tokens[self.i].kind == "char" and self.tokens[self.i].text.isalpha():
            tokens.append(self.tokens[self.i])
            letters += self.tokens[self.i].text
            self.i += 1
        digits = ""
        if self.i < len(self.tokens) and self.tokens[self.i].kind == "number" and "." not in self.tokens[self.i].text:
            digits = self.tokens[self.i].text
            tokens.append(self.tokens[self.i])
            self.i += 1
        index = self._subscript()
        return self._resolve_word(letters, digits + index, tokens[0], tokens[-1])

    def _subscript(self) -> str:
        if not (self.i < len(self.tokens) and self.tokens[self.i].kind == "char" and self.tokens[self.i].text == "_"):
            return ""
        underscore = self.tokens[self.i]
        self.i += 1
        self.skip_space()
        if self.done():
            raise self.reader.error("'_' has no subscript after it", underscore, "write the index, e.g. z_{4}")
        token = self.tokens[self.i]
        self.i += 1
        if token.kind == "group":
            return _plain_text(token.children, self.reader, token)
        if token.kind == "number":  # z_12 is z_1 · 2 in TeX
            if len(token.text) > 1:
                self.tokens.insert(self.i, Tok("number", token.text[1:], token.start + 1, token.end))
            return token.text[0]
        if token.kind == "char" and token.text.isalnum():
            return token.text
        raise self.reader.error(f"'{_shown(token)}' is not a subscript symcheck reads", token,
                                "write a subscript of letters and digits, e.g. z_{4}")

    def _resolve_word(self, letters: str, index: str, first: Tok, last: Tok) -> ClaimExpr:
        """A run of letters (and its index) as one node, or as a product of one-letter nodes (``xy``)."""
        name = self.reader.node_name(letters, index, first)
        if name is not None:
            return self._after_name(name, first)
        if letters == "e" and not index:
            if self.at("char", "^"):
                caret = self.take()
                return Call("exp", (self._script(caret),))
            return Call("exp", (Num(1.0, "1"),))
        if len(letters) > 1:  # implicit multiplication of single letters: xy = x·y
            parts = [self.reader.node_name(letter, "", first) for letter in letters[:-1]]
            tail = self.reader.node_name(letters[-1], index, first)
            if all(parts) and tail is not None:
                product: ClaimExpr = Ref(parts[0])  # type: ignore[arg-type]
                for part in parts[1:]:
                    product = BinOp("*", product, Ref(part))  # type: ignore[arg-type]
                return BinOp("*", product, self._after_name(tail, first))
        written = f"{letters}_{index}" if index else letters
        raise self.reader.unknown_name(written, letters + index.replace(",", ""), first)

    def _after_name(self, name: str, token: Tok) -> ClaimExpr:
        node: ClaimExpr = Ref(name)
        if name == "f" or name == self.reader.program.output:
            self._drop_point()  # f(x, y): the output at the point
        return node

    # -- derivatives -----------------------------------------------------------------

    def _inline_derivative(self) -> Optional[ClaimExpr]:
        """``df/dz_4``, ``d f / d z_4`` (d written as a letter, or \\mathrm{d}); None when this is not one."""
        start = self.i
        parts = self._differential()
        if parts is None:
            self.i = start
            return None
        of, token = parts
        self.skip_space()
        if not self.at("char", "/"):
            self.i = start
            return None
        self.take()
        below = self._differential()
        if below is None:
            self.i = start
            return None
        return self.reader.partial(of, below[0], token)

    def _differential(self) -> Optional[tuple[str, Tok]]:
        """``d NAME`` or ``dNAME`` (or with \\partial / \\mathrm{d}) at the cursor: the name's node."""
        self.skip_space()
        token = self.peek()
        if token is None:
            return None
        if token.kind == "cmd" and token.text == "partial":
            self.take()
            return self._differentiated(token, required=True)
        if token.kind == "cmd" and token.text in WORD_FONTS | {"text"} and self._is_d_group():
            self.take()
            self.take()
            return self._differentiated(token, required=False)
        if token.kind == "char" and token.text == "d":
            self.take()
            if self.reader.node_name("d", "", token) is not None and self.at("char", "/"):
                return None
            return self._differentiated(token, required=False)
        return None

    def _is_d_group(self) -> bool:
        group = self.peek(1)
        return group is not None and group.kind == "group" and "".join(t.text for t in group.children).strip() == "d"

    def _differentiated(self, marker: Tok, *, required: bool) -> Optional[tuple[str, Tok]]:
        self.skip_space()
        token = self.peek()
        if required and token is not None and (token.kind == "group" or token.kind == "char" and token.text in "(["
                                               or token.kind == "cmd" and token.text == "left"):
            raise self.reader.error("\\partial takes one node here, not an expression", marker,
                                    "name the expression's node, e.g. \\partial z_8 for z_8 = z_7 z_3")
        if token is None or not (token.kind == "char" and token.text.isalpha() or token.kind == "cmd" and (
                token.text in WORD_FONTS or token.text in GREEK)):
            if required:
                raise self.reader.error("\\partial has no node after it", marker,
                                        "write the node it differentiates, e.g. \\partial z_4")
            return None
        expr = self._name() if token.kind == "char" else self._command(token)
        if not isinstance(expr, Ref):
            if required:
                raise self.reader.error("\\partial takes one node here, not an expression", marker,
                                        "name the expression's node, e.g. \\partial z_8 for z_8 = z_7 z_3")
            return None
        return expr.name, marker

    def _frac(self, token: Tok) -> ClaimExpr:
        self.take()
        top, bottom = self._argument(token, "numerator"), self._argument(token, "denominator")
        derivative = self._frac_derivative(token, top, bottom)
        if derivative is not None:
            return self._after_derivative(derivative)
        return BinOp("/", self.whole(top.children if top.kind == "group" else [top], top),
                     self.whole(bottom.children if bottom.kind == "group" else [bottom], bottom))

    def _frac_derivative(self, token: Tok, top: Tok, bottom: Tok) -> Optional[ClaimExpr]:
        above = list(top.children) if top.kind == "group" else [top]
        below = list(bottom.children) if bottom.kind == "group" else [bottom]
        marks = [_differential_mark(_strip(part)) for part in (above, below)]
        if marks[0] is None or marks[1] is None:
            if marks[0] == "\\partial" or marks[1] == "\\partial":
                raise self.reader.error("a \\partial fraction needs \\partial both above and below", token,
                                        "write \\frac{\\partial f}{\\partial z_4}")
            return None
        of, wrt = self._differential_name(above, token, "above"), self._differential_name(below, token, "below")
        return self.reader.partial(of, wrt, token)

    def _differential_name(self, part: list[Tok], frac: Tok, where: str) -> str:
        inner = self.sub(part)
        found = inner._differential()
        if found is None:
            raise self.reader.error(f"the derivative's {where} part is not ∂ of one node", frac,
                                    "write \\frac{\\partial f}{\\partial z_4}")
        inner.skip_space()
        if not inner.done():
            rest = inner.peek()
            raise self.reader.error(f"the derivative's {where} part holds more than ∂ of one node", rest or frac,
                                    "differentiate one node, e.g. \\partial z_8 (name an expression's node)")
        return found[0]

    def _after_derivative(self, derivative: ClaimExpr) -> ClaimExpr:
        self._drop_point()
        return derivative

    def _drop_point(self) -> None:
        """Skip ``(x, y)`` after a derivative or f: the point it is evaluated at, not a factor."""
        save = self.i
        token = self.peek()
        if token is None:
            return
        if token.kind == "cmd" and token.text == "left":
            self.take()
            token = self.peek()
        if token is None or not (token.kind == "char" and token.text == "("):
            self.i = save
            return
        self.take()
        inner = self._until(lambda t: t.kind == "char" and t.text == ")", token, "')'", strict=False)
        if inner is None:
            self.i = save
            return
        names = "".join(t.text for t in inner if t.kind != "space")
        items = [n for n in re.split(r",", names) if n]
        named = [self.reader.node_name(re.sub(r"[_{}\d]", "", n), re.sub(r"\D", "", n), token) for n in items]
        if items and all(n in self.reader.inputs for n in named) and (len(items) > 1 or set(named) == self.reader.inputs):
            return
        self.i = save

    # -- brackets and commands -------------------------------------------------------

    def _bracketed(self) -> ClaimExpr:
        opener = self.take()
        closer = OPENERS.get(opener.text, ")")
        inner = self._until(lambda t: (t.kind == "char" and t.text == closer) or t.kind == "cmd" and t.text == closer,
                            opener, f"'{closer}'")
        return self.whole(inner, opener)

    def _until(self, is_end: Callable[[Tok], bool], opener: Tok, what: str, *, strict: bool = True) -> list[Tok]:
        """The tokens up to the matching closer (nested brackets of the same kind counted); the closer is skipped."""
        depth, start = 0, self.i
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            if is_end(token) and depth == 0:
                self.i += 1
                inner = self.tokens[start : self.i - 1]
                if inner and inner[-1].kind == "cmd" and inner[-1].text in DELIMITER_SIZES:
                    inner = inner[:-1]  # \right) : the size command belongs to the closer
                return inner
            if token.kind == "char" and token.text == opener.text and opener.text != "|":
                depth += 1
            elif token.kind == "char" and token.text == OPENERS.get(opener.text, "") and depth:
                depth -= 1
            self.i += 1
        if not strict:
            return None  # type: ignore[return-value]
        raise self.reader.error(f"'{_shown(opener)}' is never closed with {what}", opener, f"add the matching {what}")

    def _argument(self, command: Tok, what: str) -> Tok:
        self.skip_space()
        if self.done():
            raise self.reader.error(f"\\{command.text} is missing its {what}", command,
                                    f"write \\{command.text}{{…}}{{…}}" if command.text.endswith("frac") else
                                    f"write \\{command.text}{{…}}")
        token = self.tokens[self.i]
        self.i += 1
        return token

    def _command(self, token: Tok) -> ClaimExpr:
        name = token.text
        if name in ("frac", "tfrac", "dfrac", "cfrac"):
            return self._frac(token)
        if name == "partial":
            derivative = self._inline_derivative()
            if derivative is None:
                raise self.reader.error("\\partial must start a derivative", token,
                                        "write \\partial f/\\partial z_4 or \\frac{\\partial f}{\\partial z_4}")
            return self._after_derivative(derivative)
        if name == "left" or name in DELIMITER_SIZES:
            self.take()
            return self._sized_bracket(token)
        if name in ("lvert", "vert", "lVert"):
            self.take()
            closers = {"lvert": "rvert", "vert": "vert", "lVert": "rVert"}
            inner = self._until(lambda t: t.kind == "cmd" and t.text == closers[name], token, f"\\{closers[name]}")
            return Call("abs", (self.whole(inner, token),))
        if name in FUNCTIONS or name == "sigma" and "sigma" not in self.reader.program:
            return self._function(token)
        if name in WORD_FONTS or name == "text" and self._is_d_group():
            return self._font_word(token)
        if name in GREEK:
            self.take()
            index = self._subscript()
            resolved = self.reader.node_name(name, index, token)
            if resolved is None:
                raise self.reader.unknown_name(f"\\{name}" + (f"_{index}" if index else ""), name + index, token)
            return self._after_name(resolved, token)
        if name == "pi":
            self.take()
            return Num(math.pi, "3.141592653589793")
        if name in ("boxed", "underbrace", "overbrace", "mathbf"):
            self.take()
            group = self._argument(token, "argument")
            return self.whole(group.children if group.kind == "group" else [group], group)
        raise self.reader.error(f"\\{name} is not a command symcheck reads in a formula", token, _command_hint(name))

    def _sized_bracket(self, size: Tok) -> ClaimExpr:
        opener = self.peek()
        if opener is None:
            raise self.reader.error(f"\\{size.text} has no bracket after it", size, "write \\left( … \\right)")
        if opener.kind == "char" and opener.text in "([":
            return self._bracketed()
        if opener.kind == "char" and opener.text == "|":
            self.take()
            inner = self._until(lambda t: t.kind == "char" and t.text == "|", opener, "'|'")
            return Call("abs", (self.whole(inner, opener),))
        if opener.kind == "cmd" and opener.text in ("{", "lbrace", "lbrack", "lvert"):
            self.take()
            closers = {"{": "}", "lbrace": "rbrace", "lbrack": "rbrack", "lvert": "rvert"}
            inner = self._until(lambda t: t.kind == "cmd" and t.text == closers[opener.text], opener,
                                f"\\{closers[opener.text]}")
            expr = self.whole(inner, opener)
            return Call("abs", (expr,)) if opener.text == "lvert" else expr
        if opener.kind == "char" and opener.text == ".":
            self.take()
            return self.primary()
        raise self.reader.error(f"\\{size.text} is followed by '{_shown(opener)}', not a bracket", opener,
                                "write \\left( … \\right)")

    def _function(self, token: Tok) -> ClaimExpr:
        self.take()
        op = "sigmoid" if token.text == "sigma" else FUNCTIONS[token.text]
        if op == "sqrt":
            return self._sqrt(token)
        power = None
        if self.at("char", "^"):
            caret = self.take()
            power = self._script(caret)
        argument = self._function_argument(token)
        call: ClaimExpr = Call(op, (argument,))
        return BinOp("**", call, power) if power is not None else call

    def _function_argument(self, token: Tok) -> ClaimExpr:
        nxt = self.peek()
        if nxt is None:
            raise self.reader.error(f"\\{token.text} has no argument", token, f"write \\{token.text}(z_4)")
        if nxt.kind == "group" or nxt.kind == "char" and nxt.text in "([" or nxt.kind == "cmd" and nxt.text == "left":
            return self.primary()
        return self.factor()  # \sin z_4, \sin x^2 = sin(x²)

    def _sqrt(self, token: Tok) -> ClaimExpr:
        root = None
        if self.at("char", "["):
            opener = self.take()
            root = self.whole(self._until(lambda t: t.kind == "char" and t.text == "]", opener, "']'"), opener)
        argument = self._argument(token, "argument")
        inner = self.whole(argument.children if argument.kind == "group" else [argument], argument)
        if root is None:
            return Call("sqrt", (inner,))
        return BinOp("**", inner, BinOp("/", Num(1.0, "1"), root))

    def _font_word(self, token: Tok) -> ClaimExpr:
        """``\\mathit{err}``: one name (or an op such as \\operatorname{relu} applied to its argument)."""
        self.take()
        group = self._argument(token, "name")
        word = _plain_text(group.children if group.kind == "group" else [group], self.reader, group)
        index = self._subscript()
        name = self.reader.node_name(word, index, group)
        if name is not None:
            return self._after_name(name, group)
        op = word.lower()
        if not index and op in ops.OPS and op not in ("add", "sub", "mul", "div", "neg", "pow", "id"):
            power = None
            if self.at("char", "^"):
                power = self._script(self.take())
            call: ClaimExpr = Call(op, (self._function_argument(token),))
            return BinOp("**", call, power) if power is not None else call
        raise self.reader.unknown_name(word + (f"_{index}" if index else ""), word + index, group)


_RELATION_WORDS = frozenset({"approx", "neq", "ne", "le", "leq", "ge", "geq", "equiv", "sim", "simeq", "propto",
                             "to", "rightarrow", "Rightarrow", "implies", "iff", "mapsto", "Longrightarrow",
                             "coloneqq", "lt", "gt"})


def _is_spacing(token: Tok) -> bool:
    return token.kind == "cmd" and token.text in SPACING or token.kind == "char" and token.text == "~"


def _strip(tokens: Sequence[Tok]) -> list[Tok]:
    """Without spacing at the ends and without sentence punctuation at the end (``… = z_7.``)."""
    kept = [t for t in tokens if not _is_spacing(t) or t.kind == "space"]
    while kept and kept[-1].kind in ("space",) or kept and kept[-1].kind == "char" and kept[-1].text in ".,;":
        kept.pop()
    while kept and kept[0].kind == "space":
        kept.pop(0)
    return kept


def _differential_mark(tokens: list[Tok]) -> Optional[str]:
    """``\\partial`` or ``d`` when a fraction's part starts with a differential, else None."""
    if not tokens:
        return None
    first = tokens[0]
    if first.kind == "cmd" and first.text == "partial":
        return "\\partial"
    if first.kind == "char" and first.text == "d" and len(tokens) > 1:
        return "d"
    if first.kind == "cmd" and first.text in WORD_FONTS | {"text"} and len(tokens) > 2 and tokens[1].kind == "group" \
            and "".join(t.text for t in tokens[1].children).strip() == "d":
        return "d"
    return None


def _plain_text(tokens: Sequence[Tok], reader: MathReader, where: Tok) -> str:
    """A group's letters, digits and underscores (``\\_`` too) as one word; anything else is an error."""
    text = ""
    for token in tokens:
        if token.kind == "space":
            continue
        if token.kind in ("char", "number") and re.fullmatch(r"[\w.,]+", token.text):
            text += token.text
        elif token.kind == "cmd" and token.text == "_":
            text += "_"
        else:
            raise reader.error(f"'{_shown(token)}' cannot be part of a name", token,
                               "write a name of letters, digits and underscores")
    return text


def _same_index(plain: str, names: list[str]) -> Optional[str]:
    """``x3`` → ``z3``: a node with the same index and another letter (difflib's ratio misses these)."""
    match = re.fullmatch(r"([^\W\d_]+)_?(\d+)", plain)
    if not match:
        return None
    same = [n for n in names if re.fullmatch(rf"[^\W\d_]+_?{match.group(2)}", n)]
    return same[0] if len(same) == 1 else None


def _latex_name(name: str) -> str:
    match = re.fullmatch(r"([^\W\d_]+)_?(\d+)", name)
    return f"{match.group(1)}_{match.group(2)}" if match else name


def _shown(token: Optional[Tok]) -> str:
    if token is None:
        return ""
    if token.kind == "cmd":
        return "\\" + token.text
    if token.kind == "group":
        return "{…}"
    return token.text


def _hint_after(token: Optional[Tok]) -> str:
    if token is not None and token.kind == "char" and token.text == "_":
        return "a subscript belongs to a name, e.g. z_{4}"
    if token is not None and token.kind == "char" and token.text in ")]":
        return "remove it or add the matching opening bracket"
    return "write the formula with + - \\cdot \\frac and node names"


def _command_hint(name: str) -> str:
    if name in ("text", "texttt", "mbox", "textbf"):
        return "text belongs outside the formula"
    if name in _RELATION_WORDS:
        return "a relation belongs between two members of the formula"
    return "expand it, or define it between %%% BEGIN MACROS and %%% END MACROS"
