"""The op table: each op's *forward meaning*, one row per op.

This is the only place symcheck learns what an op computes. A row holds the
meaning as a sympy expression (`OpSpec.forward`); local partials are obtained
by differentiating it with sympy (`symcheck.symbolic.opkind`, which compiles
it to 30-digit mpmath and to floats). Beside it the row keeps the same meaning
in plain floating point for the finite-difference witness (`OpSpec.numeric`,
written for stability: sigmoid without overflow, ``math.fsum`` for sums), the
operator that writes it in text (`OpSpec.symbol`), and where it is not
differentiable (`OpSpec.kink`). Nothing here knows or copies any engine's
backward rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import sympy
from sympy import Expr


def _sigmoid_value(x: Any) -> Any:
    """σ(x) at a number, without overflow: floats, or mpmath numbers at mpmath's precision."""
    exp = _exp_for(x)
    if x >= 0:
        return 1 / (1 + exp(-x))
    e = exp(x)
    return e / (1 + e)


def _relu_value(x: Any) -> Any:
    """max(x, 0) at a number (0 of the same kind as x)."""
    return x if x > 0 else x * 0


def _exp_for(*xs: Any) -> Callable[[Any], Any]:
    """math.exp for floats, mpmath.exp when any argument is an mpmath number."""
    for x in xs:
        if x.__class__ is not float and x.__class__ is not int:
            import mpmath

            return mpmath.exp if any(isinstance(x, (mpmath.mpf, mpmath.mpc)) for x in xs) else math.exp
    return math.exp


class sigmoid(sympy.Function):
    """σ(x) = 1/(1 + e^-x), kept as a named function so its derivative prints as σ(1 − σ)."""

    is_real = True

    def fdiff(self, argindex: int = 1) -> Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    # sympy's automatic-evaluation hook (nothing to do with Python's eval): a number folds to its value
    eval = classmethod(lambda cls, x: 1 / (1 + sympy.exp(-x)) if x.is_Number else None)

    def _eval_rewrite_as_exp(self, x: Expr, **kwargs: object) -> Expr:
        return 1 / (1 + sympy.exp(-x))

    # lambdify uses this implementation, for floats and for mpmath numbers alike
    _imp_ = staticmethod(_sigmoid_value)

    def _eval_evalf(self, prec: int) -> Expr:
        return (1 / (1 + sympy.exp(-self.args[0]))).evalf(prec)

    def _latex(self, printer: object, exp: Optional[str] = None) -> str:
        # sympy passes `exp` when printing a power of the function (σ(x)²)
        text = r"\sigma\left(%s\right)" % printer._print(self.args[0])  # type: ignore[attr-defined]
        return text if exp is None else r"%s^{%s}" % (text, exp)


class relu(sympy.Function):
    """max(x, 0); its derivative is Heaviside(x) (sympy takes Heaviside(0) = 1/2)."""

    is_real = True

    def fdiff(self, argindex: int = 1) -> Expr:
        return sympy.Heaviside(self.args[0])

    # sympy's automatic-evaluation hook (nothing to do with Python's eval): a number folds to its value
    eval = classmethod(lambda cls, x: sympy.Max(x, 0) if x.is_Number else None)

    def _eval_rewrite_as_Max(self, x: Expr, **kwargs: object) -> Expr:
        return sympy.Max(x, 0)

    # lambdify uses this implementation, for floats and for mpmath numbers alike
    _imp_ = staticmethod(_relu_value)

    def _eval_evalf(self, prec: int) -> Expr:
        return sympy.Max(self.args[0], 0).evalf(prec)

    def _latex(self, printer: object, exp: Optional[str] = None) -> str:
        # sympy passes `exp` when printing a power of the function (relu(x)²)
        text = r"\operatorname{relu}\left(%s\right)" % printer._print(self.args[0])  # type: ignore[attr-defined]
        return text if exp is None else r"%s^{%s}" % (text, exp)


def _named_latex(name: str, printer: Any, args: Sequence[Expr], exp: Optional[str]) -> str:
    r"""``\operatorname{name}\left(a, b\right)``, raised to `exp` when sympy prints a power of it."""
    text = r"\operatorname{%s}\left(%s\right)" % (name.replace("_", r"\_"), ", ".join(printer._print(a) for a in args))
    return text if exp is None else r"%s^{%s}" % (text, exp)


def _leaky_relu_value(x: Any, slope: Any) -> Any:
    """x if x > 0 else slope·x, at numbers (floats or mpmath numbers)."""
    return x if x > 0 else slope * x


class leaky_relu(sympy.Function):
    """x if x > 0 else slope·x, slope an operand (usually a number such as 0.01).

    ∂/∂x = Heaviside(x) + slope·Heaviside(−x) (sympy's Heaviside(0) = ½ at the kink),
    ∂/∂slope = x·Heaviside(−x).
    """

    is_real = True

    def fdiff(self, argindex: int = 1) -> Expr:
        x, slope = self.args
        if argindex == 1:
            return sympy.Heaviside(x) + slope * sympy.Heaviside(-x)
        return x * sympy.Heaviside(-x)

    # sympy's automatic-evaluation hook (nothing to do with Python's eval): numbers fold to the value
    eval = classmethod(lambda cls, x, s: (x if x > 0 else s * x) if x.is_Number and s.is_Number else None)

    # lambdify uses this implementation, for floats and for mpmath numbers alike
    _imp_ = staticmethod(_leaky_relu_value)

    def _eval_evalf(self, prec: int) -> Expr:
        return sympy.Piecewise((self.args[0], self.args[0] > 0), (self.args[1] * self.args[0], True)).evalf(prec)

    def _latex(self, printer: Any, exp: Optional[str] = None) -> str:
        return _named_latex("leaky_relu", printer, self.args, exp)


def _elu_value(x: Any, alpha: Any) -> Any:
    """x if x > 0 else alpha·(e^x − 1), at numbers (floats or mpmath numbers)."""
    return x if x > 0 else alpha * (_exp_for(x)(x) - 1)


class elu(sympy.Function):
    """x if x > 0 else alpha·(e^x − 1), alpha an operand (usually the number 1).

    ∂/∂x = Heaviside(x) + alpha·e^x·Heaviside(−x), ∂/∂alpha = (e^x − 1)·Heaviside(−x).
    """

    is_real = True

    def fdiff(self, argindex: int = 1) -> Expr:
        x, alpha = self.args
        if argindex == 1:
            return sympy.Heaviside(x) + alpha * sympy.exp(x) * sympy.Heaviside(-x)
        return (sympy.exp(x) - 1) * sympy.Heaviside(-x)

    # sympy's automatic-evaluation hook (nothing to do with Python's eval): numbers fold to the value
    eval = classmethod(lambda cls, x, a: (x if x > 0 else a * (sympy.exp(x) - 1)) if x.is_Number and a.is_Number
                       else None)

    # lambdify uses this implementation, for floats and for mpmath numbers alike
    _imp_ = staticmethod(_elu_value)

    def _eval_evalf(self, prec: int) -> Expr:
        x, alpha = self.args
        return sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True)).evalf(prec)

    def _latex(self, printer: Any, exp: Optional[str] = None) -> str:
        return _named_latex("elu", printer, self.args, exp)


def _softplus_value(x: Any) -> Any:
    """ln(1 + e^x) at a number, without overflow (floats or mpmath numbers)."""
    exp = _exp_for(x)
    if exp is math.exp:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    import mpmath

    return max(x, 0) + mpmath.log1p(mpmath.exp(-abs(x)))


class softplus(sympy.Function):
    """ln(1 + e^x), kept as a named function so its derivative prints as σ(x)."""

    is_real = True

    def fdiff(self, argindex: int = 1) -> Expr:
        return sigmoid(self.args[0])

    # sympy's automatic-evaluation hook (nothing to do with Python's eval): a number folds to its value
    eval = classmethod(lambda cls, x: sympy.log(1 + sympy.exp(x)) if x.is_Number else None)

    # lambdify uses this implementation, for floats and for mpmath numbers alike
    _imp_ = staticmethod(_softplus_value)

    def _eval_rewrite_as_exp(self, x: Expr, **kwargs: object) -> Expr:
        return sympy.log(1 + sympy.exp(x))

    def _eval_evalf(self, prec: int) -> Expr:
        return sympy.log(1 + sympy.exp(self.args[0])).evalf(prec)

    def _latex(self, printer: Any, exp: Optional[str] = None) -> str:
        return _named_latex("softplus", printer, self.args, exp)


_GELU_CUBIC = sympy.Rational(44715, 1000000)


def _gelu(x: Expr) -> Expr:
    """x·Φ(x), the erf form: x/2·(1 + erf(x/√2))."""
    return x * (1 + sympy.erf(x / sympy.sqrt(2))) / 2


def _gelu_tanh(x: Expr) -> Expr:
    """GELU's tanh approximation: x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""
    return x * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (x + _GELU_CUBIC * x**3))) / 2


def _gelu_value(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


def _gelu_tanh_value(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def _silu_value(x: float) -> float:
    return x * _sigmoid_value(x)


def _reciprocal_value(x: float) -> float:
    return 1.0 / x


def _softmax_value(index: Any, *xs: Any) -> Any:
    """Component `index` of softmax at numbers: floats, or mpmath numbers at mpmath's precision.

    A softmax's compiled partials ask for several components of the same inputs in a row, so the
    last inputs' shifted exponentials and their sum are kept (for floats) and reused.
    """
    global _LAST_SOFTMAX
    exp = _exp_for(*xs)
    last = _LAST_SOFTMAX
    if exp is math.exp and last[0] == xs:  # floats only: an mpmath call never reuses float work
        return last[1][int(index)] / last[2]
    top = max(xs)
    exps = [exp(x - top) for x in xs]  # shifted by the largest, so nothing overflows
    total = math.fsum(exps) if exp is math.exp else sum(exps)
    if exp is math.exp:
        _LAST_SOFTMAX = (xs, exps, total)  # one tuple, replaced whole: safe to share between threads
    return exps[int(index)] / total


_LAST_SOFTMAX: tuple = (None, None, None)


class softmax(sympy.Function):
    """softmax(i, x1, …, xn) = e^xi / (e^x1 + … + e^xn), kept as a named function.

    sympy differentiates it by the softmax rule ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ) (the
    derivative of the quotient above, written back in components), so a
    partial prints as ``softmax(0, a, b)*(1 - softmax(0, a, b))`` rather than
    as a difference of exponential fractions.
    """

    is_real = True

    def fdiff(self, argindex: int = 1) -> Expr:
        if argindex == 1:  # the component index is not a variable
            raise sympy.ArgumentIndexError(self, argindex)
        index, xs = self.args[0], self.args[1:]
        j = argindex - 2
        other = softmax(j, *xs)
        return self * (1 - other) if j == int(index) else -self * other

    # sympy's automatic-evaluation hook (nothing to do with Python's eval): numbers fold to the value
    eval = classmethod(lambda cls, i, *xs: _softmax_quotient(i, xs) if all(x.is_Number for x in xs) else None)

    def quotient(self) -> Expr:
        """This component as e^xi / Σ e^xk (only this node: ``rewrite(exp)`` would also rewrite sin, tanh, …)."""
        return _softmax_quotient(self.args[0], self.args[1:])

    def _eval_rewrite_as_exp(self, i: Expr, *xs: Expr, **kwargs: object) -> Expr:
        return _softmax_quotient(i, xs)

    def _eval_evalf(self, prec: int) -> Expr:
        return self.quotient().evalf(prec)

    # lambdify uses this implementation, for floats and for mpmath numbers alike
    _imp_ = staticmethod(_softmax_value)

    def _latex(self, printer: Any, exp: Optional[str] = None) -> str:
        # sympy passes `exp` when printing a power of the function (softmax(…)²)
        args = ", ".join(x if isinstance(x, str) else printer._print(x)
                         for x in _shown_inputs(self.args[1:], r"\ldots"))
        text = r"\operatorname{softmax}_{%s}\left(%s\right)" % (printer._print(self.args[0]), args)
        return text if exp is None else r"%s^{%s}" % (text, exp)

    def _sympystr(self, printer: Any) -> str:
        # over many inputs, its first two and its last: each of n partials holds such a component, so
        # printing all n inputs in each would make a printed adjoint or trace term grow with n²
        shown = ", ".join(x if isinstance(x, str) else printer._print(x) for x in _shown_inputs(self.args[1:], "…"))
        return f"softmax({printer._print(self.args[0])}, {shown})"


WIDE_SHOWN = 8
"""A softmax over more inputs than this prints its first two and last input around an ellipsis."""


def _shown_inputs(xs: Sequence[Any], ellipsis: str) -> Sequence[Any]:
    return xs if len(xs) <= WIDE_SHOWN else [xs[0], xs[1], ellipsis, xs[-1]]


def _softmax_quotient(index: Expr, xs: Sequence[Expr]) -> Expr:
    return sympy.exp(xs[int(index)]) / sympy.Add(*[sympy.exp(x) for x in xs])



Forward = Callable[[Sequence[Expr], Optional[int]], Expr]
"""Builds an op's output from its input expressions (and the output index, for softmax)."""


@dataclass(frozen=True)
class Kink:
    """Where an op is not differentiable, and how each witness treats that point.

    `at(values, constant)` is true at such a point; `values` are the operands' values and
    `constant[k]` says whether operand k is a number written in the program (not a node).
    """

    at: Callable[[Sequence[float], Sequence[bool]], bool]
    convention: str
    place: Optional[Callable[[str, Sequence[str]], str]] = None
    """Names the point in words from the op and its operands' text (default: ``relu(z3) at z3 = 0``)."""


@dataclass(frozen=True)
class OpSpec:
    """One row of the op table.

    `arity` is the number of inputs, or None for an n-ary op; `even` n-ary ops
    (dot) take an even number split into two halves; `indexed` ops (softmax)
    have one output per input, chosen by an index. `numeric` is the forward
    meaning over floats (``numeric(*values)``, or ``numeric(index, *values)`` for
    an indexed op); None means it is compiled from `forward`. `symbol` is the
    operator that writes the op in text (``"+"``), empty for a function call.
    """

    name: str
    arity: Optional[int]
    forward: Forward
    doc: str
    numeric: Optional[Callable[..., float]] = None
    indexed: bool = False
    even: bool = False
    symbol: str = ""
    kink: Optional[Kink] = None

    def expression(self, inputs: Sequence[Expr], index: Optional[int] = None) -> Expr:
        """The op's forward expression over `inputs`."""
        return self.forward(inputs, index)


def _dot(xs: Sequence[Expr], _: Optional[int]) -> Expr:
    half = len(xs) // 2
    return sympy.Add(*[w * x for w, x in zip(xs[:half], xs[half:])])


def _softmax(xs: Sequence[Expr], index: Optional[int]) -> Expr:
    return softmax(index or 0, *xs)


# -- the same meanings in floating point --------------------------------------------------


def _power(a: float, b: float) -> float:
    value = a**b
    if isinstance(value, complex):
        raise ValueError("a negative base to a non-integer power")
    return value


def _logsumexp(*xs: float) -> float:
    m = max(xs)
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


def _dot_numeric(*xs: float) -> float:
    half = len(xs) // 2
    return math.fsum(w * x for w, x in zip(xs[:half], xs[half:]))


def _at_zero(values: Sequence[float], constant: Sequence[bool]) -> bool:
    """The first operand is a node whose value is exactly 0."""
    return not constant[0] and values[0] == 0


def _tie(values: Sequence[float], constant: Sequence[bool]) -> bool:
    """max/min of two operands, at least one a node, with equal values."""
    return not all(constant) and values[0] == values[1]


def _tie_place(op: str, operands: Sequence[str]) -> str:
    return f"{op}({operands[0]}, {operands[1]}) at a tie {operands[0]} = {operands[1]}"


def _root_at_zero(values: Sequence[float], constant: Sequence[bool]) -> bool:
    """``a ** n`` with a node a = 0 and a written power 0 < n < 1: an infinite derivative."""
    return _at_zero(values, constant) and len(values) > 1 and constant[1] and 0 < values[1] < 1


_ROWS = (
    OpSpec("id", 1, lambda x, _: x[0], "a (a staged copy such as z1 = x)", lambda a: a),
    OpSpec("add", 2, lambda x, _: x[0] + x[1], "a + b", lambda a, b: a + b, symbol="+"),
    OpSpec("sub", 2, lambda x, _: x[0] - x[1], "a - b", lambda a, b: a - b, symbol="-"),
    OpSpec("mul", 2, lambda x, _: x[0] * x[1], "a * b", lambda a, b: a * b, symbol="*"),
    OpSpec("div", 2, lambda x, _: x[0] / x[1], "a / b", lambda a, b: a / b, symbol="/"),
    OpSpec("neg", 1, lambda x, _: -x[0], "-a", lambda a: -a),
    OpSpec("pow", 2, lambda x, _: x[0] ** x[1], "a ** b", _power, symbol="**", kink=Kink(
        _root_at_zero, "the derivative of a power below 1 is infinite at 0: no witness has a finite value")),
    OpSpec("exp", 1, lambda x, _: sympy.exp(x[0]), "e^a", math.exp),
    OpSpec("log", 1, lambda x, _: sympy.log(x[0]), "natural log", math.log),
    OpSpec("sqrt", 1, lambda x, _: sympy.sqrt(x[0]), "square root", math.sqrt, kink=Kink(
        _at_zero, "the derivative 1/(2√0) is infinite: ag refuses the node, finite differences and sympy have no "
                  "finite value")),
    OpSpec("sin", 1, lambda x, _: sympy.sin(x[0]), "sine", math.sin),
    OpSpec("cos", 1, lambda x, _: sympy.cos(x[0]), "cosine", math.cos),
    OpSpec("tanh", 1, lambda x, _: sympy.tanh(x[0]), "hyperbolic tangent", math.tanh),
    OpSpec("sigmoid", 1, lambda x, _: sigmoid(x[0]), "1/(1 + e^-a)", _sigmoid_value),
    OpSpec("relu", 1, lambda x, _: relu(x[0]), "max(a, 0)", _relu_value, kink=Kink(
        _at_zero, "the engine takes the subgradient 0, finite differences give ½, sympy's Heaviside(0) = ½")),
    OpSpec("abs", 1, lambda x, _: sympy.Abs(x[0]), "|a|", abs, kink=Kink(
        _at_zero, "the engine takes the subgradient 0, central finite differences give 0, sympy's sign(0) = 0")),
    OpSpec("sum", None, lambda x, _: sympy.Add(*x), "a1 + ... + an", lambda *xs: math.fsum(xs)),
    OpSpec("dot", None, _dot, "w1*x1 + ... + wn*xn (inputs w..., x...)", _dot_numeric, even=True),
    OpSpec("mean", None, lambda x, _: sympy.Add(*x) / len(x), "(a1 + ... + an)/n",
           lambda *xs: math.fsum(xs) / len(xs)),
    OpSpec("logsumexp", None, lambda x, _: sympy.log(sympy.Add(*[sympy.exp(v) for v in x])),
           "log(e^a1 + ... + e^an)", _logsumexp),
    OpSpec("softmax", None, _softmax, "e^ai / (e^a1 + ... + e^an), component i", _softmax_value, indexed=True),
    OpSpec("leaky_relu", 2, lambda x, _: leaky_relu(x[0], x[1]), "a if a > 0 else slope*a (operands a, slope)",
           _leaky_relu_value, kink=Kink(_at_zero, "sympy's Heaviside(0) = ½ and central finite differences give "
                                                   "(1 + slope)/2; an engine takes 1 or the slope")),
    OpSpec("elu", 2, lambda x, _: elu(x[0], x[1]), "a if a > 0 else alpha*(e^a - 1) (operands a, alpha)", _elu_value,
           kink=Kink(_at_zero, "sympy's Heaviside(0) = ½ gives (1 + alpha)/2; an engine takes 1 or alpha")),
    OpSpec("gelu", 1, lambda x, _: _gelu(x[0]), "a*Φ(a) = a/2*(1 + erf(a/√2)), the erf form", _gelu_value),
    OpSpec("gelu_tanh", 1, lambda x, _: _gelu_tanh(x[0]), "a/2*(1 + tanh(√(2/π)*(a + 0.044715*a³))), GELU's tanh "
           "approximation", _gelu_tanh_value),
    OpSpec("softplus", 1, lambda x, _: softplus(x[0]), "log(1 + e^a)", _softplus_value),
    OpSpec("silu", 1, lambda x, _: x[0] * sigmoid(x[0]), "a*σ(a) (also called swish)", _silu_value),
    OpSpec("square", 1, lambda x, _: x[0] ** 2, "a²", lambda a: a * a),
    OpSpec("reciprocal", 1, lambda x, _: 1 / x[0], "1/a", _reciprocal_value),
    OpSpec("max", 2, lambda x, _: sympy.Max(x[0], x[1]), "the larger of a and b", max, kink=Kink(
        _tie, "at a tie sympy's Heaviside(0) and central finite differences give each operand ½; an engine may "
              "give one operand all of it", _tie_place)),
    OpSpec("min", 2, lambda x, _: sympy.Min(x[0], x[1]), "the smaller of a and b", min, kink=Kink(
        _tie, "at a tie sympy's Heaviside(0) and central finite differences give each operand ½; an engine may "
              "give one operand all of it", _tie_place)),
)

OPS: dict[str, OpSpec] = {row.name: row for row in _ROWS}
"""Every op symcheck understands, by name (extended by `register_op`)."""

BUILTIN_OPS: tuple[str, ...] = tuple(OPS)

OPERATOR_SYMBOLS: dict[str, str] = {row.symbol: row.name for row in _ROWS if row.symbol}
"""The binary operators of text, each to its op: ``"+"`` → ``"add"``."""


def register_op(name: str, forward: Callable[..., Expr], *, arity: Optional[int] = 1, doc: str = "") -> OpSpec:
    """Teach symcheck a new op from its forward meaning.

    `forward` takes the input expressions as positional arguments and returns a
    sympy expression; symcheck differentiates it.

    >>> register_op("cube", lambda x: x**3).arity
    1
    >>> from symcheck.claims import judge_claim
    >>> from symcheck.parse import parse_expression
    >>> judge_claim(parse_expression("cube(x) + x"), "D(f, x) == 3*x**2 + 1").holds
    True
    """
    if not name.isidentifier():
        raise ValueError(f"op name must be an identifier, got {name!r}")
    if name in BUILTIN_OPS:
        raise ValueError(f"{name!r} is a built-in op and cannot be redefined")
    spec = OpSpec(name, arity, lambda xs, _index: forward(*xs), doc or name)
    OPS[name] = spec
    return spec


def op_spec(name: str) -> OpSpec:
    """The table row for `name`; KeyError names the known ops."""
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"unknown op {name!r}; known ops: {', '.join(OPS)}") from None
