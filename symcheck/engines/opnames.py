"""Engine op names, read as the op table's ops.

Engines name their ops in many ways: ``'+'``, ``'*'``, ``'**2'``,
``'pow(2)'``, ``'ReLU'``, ``'tanh'``, class names such as ``Mul`` or
``TanhBackward``, minitorch's function classes (``Add``, ``Inv``,
``Sigmoid``). `canonical_op` maps a name to the op table's op (and an
exponent the name holds); `alias_op` declares a name symcheck cannot guess;
`unknown_op_error` says how to teach symcheck an op it does not know, with a
template to fill in, never another op's formula.
"""

from __future__ import annotations

import re
from typing import Optional

from symcheck.errors import UnknownOpError
from symcheck.ops import OPS

INPUT = "input"
CONST = "const"

_ALIASES = {
    "": INPUT,
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "**": "pow",
    "^": "pow",
    "σ": "sigmoid",
}
_SPELLINGS = {
    "swish": "silu", "lrelu": "leaky_relu", "leakyrelu": "leaky_relu", "leaky": "leaky_relu", "inv": "reciprocal",
    "recip": "reciprocal", "sq": "square", "maximum": "max", "minimum": "min", "identity": "id", "negative": "neg",
    "negate": "neg", "ln": "log", "logistic": "sigmoid", "gelutanh": "gelu_tanh", "approxgelu": "gelu_tanh",
    "plus": "add", "times": "mul", "minus": "sub", "truediv": "div", "power": "pow", "multiply": "mul",
    "divide": "div", "subtract": "sub", "exponential": "exp", "logarithm": "log", "negation": "neg",
    "product": "mul", "prod": "mul", "quotient": "div", "difference": "sub",
}
"""Names an op goes by, written in lower-case letters only (``'LeakyReLU'`` → ``'leakyrelu'``)."""

_POW_NAME = re.compile(r"^(?:\*\*|\^|pow)\s*\(?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)?$")
_AFFIXES = re.compile(r"(backward|function|node|op)$|^(op|node)")
_ENGINE_ALIASES: dict[str, str] = {}

GELU_FORMS = ("gelu", "gelu_tanh")
"""The two GELUs engines compute under the one name ``gelu``: the erf form and the tanh approximation."""


def alias_op(engine_op: str, op: str) -> None:
    """Read the engine op name `engine_op` (any string, e.g. ``'@'``) as the op table's `op`."""
    if op not in OPS:
        raise KeyError(f"unknown op {op!r}; known ops: {', '.join(OPS)}")
    _ENGINE_ALIASES[engine_op] = op
    _READ.clear()


_READ: dict[tuple[str, int], Optional[tuple[str, Optional[float]]]] = {}
"""`canonical_op`'s answers, by name and the op table's size (a registered op can change them)."""


def canonical_op(engine_op: str) -> Optional[tuple[str, Optional[float]]]:
    """The op table's name for an engine op name, and a constant exponent if the name holds one.

    ``'**2'`` → ("pow", 2.0); ``'**-1'`` → ("pow", -1.0); ``'ReLU'`` → ("relu", None);
    ``'Mul'``, ``'__mul__'`` and ``'MulBackward'`` → ("mul", None); ``'swish'`` → ("silu", None);
    ``''`` → ("input", None); an unknown name → None. A name read wrongly does no harm:
    every node's value is checked against what its op gives.

    >>> canonical_op("**0.5"), canonical_op("pow(2)"), canonical_op("LeakyReLU")
    (('pow', 0.5), ('pow', 2.0), ('leaky_relu', None))
    """
    key = (engine_op, len(OPS))
    if key not in _READ:
        _READ[key] = _canonical(engine_op)
    return _READ[key]


def _canonical(engine_op: str) -> Optional[tuple[str, Optional[float]]]:
    if engine_op in _ENGINE_ALIASES:
        return _ENGINE_ALIASES[engine_op], None
    name = engine_op.strip()
    if name in _ALIASES:
        return _ALIASES[name], None
    if name in OPS or name in (INPUT, CONST):
        return name, None
    match = _POW_NAME.match(name)
    if match:
        return "pow", float(match.group(1))
    letters = "".join(c for c in name.lower() if c.isalpha())
    for candidate in dict.fromkeys((name.lower(), letters, _AFFIXES.sub("", letters))):
        candidate = _SPELLINGS.get(candidate, candidate)
        if candidate and candidate in OPS:
            return candidate, None
    return None


def class_op(class_name: str) -> Optional[str]:
    """The op a class named after its op stands for: ``Mul``, ``MulNode``, ``TanhOp``, ``AddBackward``.

    >>> class_op("MulNode"), class_op("Sigmoid"), class_op("Value")
    ('mul', 'sigmoid', None)
    """
    found = canonical_op(class_name)
    return found[0] if found is not None and found[0] in OPS and found[1] is None else None


def unknown_op_error(name: str, engine_op: str, arity: int) -> UnknownOpError:
    """The error for an op name symcheck cannot read, with the one line that teaches it the op."""
    if not engine_op.strip():
        return UnknownOpError(
            f"this node has {arity} parent(s) but no op name (its _op / op is empty), so symcheck cannot "
            f"tell what it computes",
            node=name,
            hint="name the op where your engine builds the node (e.g. Value(..., _op='*')), as micrograd does",
        )
    template = register_template(engine_op if engine_op.isidentifier() else "name", arity)
    if engine_op.isidentifier():
        hint = f"teach it the op's forward meaning: {template}"
    else:
        hint = (f"if it is an op symcheck knows, map it: symcheck.engines.alias_op({engine_op!r}, 'OP') with OP one "
                f"of {', '.join(OPS)}; else give the op an identifier name and teach it its forward meaning: "
                f"{template}")
    return UnknownOpError(f"op {engine_op!r} is an op symcheck cannot interpret", node=name, hint=hint)


def register_template(op: str, arity: int) -> str:
    """``symcheck.register_op('mish', lambda a: FORWARD)`` with a note on what FORWARD is: a template, no formula.

    >>> register_template("mish", 1)
    "import sympy, symcheck; symcheck.register_op('mish', lambda a: FORWARD) with FORWARD what mish computes from a, as a sympy expression in a"
    """
    names = "abcdefgh"[: max(1, min(arity, 8))]
    args = ", ".join(names)
    extra = "" if arity == 1 else f", arity={arity}"
    return (f"import sympy, symcheck; symcheck.register_op({op!r}, lambda {args}: FORWARD{extra}) with FORWARD "
            f"what {op} computes from {args}, as a sympy expression in {args}")
