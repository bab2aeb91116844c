"""Op kinds: one op over one pattern of operands, differentiated by sympy once and compiled.

A graph of 100,000 nodes has only a few dozen kinds (``tanh`` of one operand,
``mul`` of two, ``pow`` of one operand with the constant exponent 2, …). For
each kind the forward expression comes from the op table (`symcheck.ops`),
its local partials from `sympy.diff`, and both are compiled once with
`sympy.lambdify` into plain float functions over the `math` module. Only
expressions symcheck built itself are compiled, never user text.

Kinks are part of a kind: the arguments of every ``Heaviside``/``sign`` in
the partials are compiled too, so a node sitting exactly on one (relu at 0)
is recognised and flagged instead of compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import sympy
from sympy import Expr

from symcheck.symbolic.opkind import exact_number
from symcheck.ops import OPS, op_spec

KindKey = tuple[str, int, Optional[int], tuple[tuple[int, float], ...]]
"""(op, arity, output index, constant operands as (position, value))."""


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _heaviside(x: float, at_zero: float = 0.5) -> float:
    return 1.0 if x > 0 else (0.0 if x < 0 else at_zero)


_MATH_NAMES = {
    "sigmoid": _sigmoid,
    "relu": lambda x: x if x > 0 else 0.0,
    "Heaviside": _heaviside,
    "sign": lambda x: (x > 0) - (x < 0),
}
_KINK_FUNCTIONS = (sympy.Heaviside, sympy.sign, sympy.DiracDelta)


@dataclass
class Kind:
    """A compiled op kind.

    `dummies` stand for the variable operands (positions `variables`, in
    operand order); `partials[k]` is ∂forward/∂dummies[k] as sympy derived it.
    `local(*values)` returns every partial as floats, `forward(*values)` the
    value, `kinks(*values)` the arguments of the partials' step functions.
    """

    key: KindKey
    variables: tuple[int, ...]
    dummies: tuple[sympy.Symbol, ...]
    forward_expr: Expr
    partials: tuple[Expr, ...]
    local: Callable[..., Sequence[float]]
    kinks: Optional[Callable[..., Sequence[float]]]
    _forward: Optional[Callable[..., float]] = None

    def forward(self, *values: float) -> float:
        """The op's value at the operand values (compiled on first use)."""
        if self._forward is None:
            self._forward = sympy.lambdify(self.dummies, self.forward_expr, modules=[_MATH_NAMES, "math"])
        return self._forward(*values)

    def partial_in(self, position: int, symbols: Sequence[sympy.Symbol]) -> Expr:
        """∂forward/∂(variable `position`), written in the given symbols (one per variable)."""
        return self.partials[position].xreplace(dict(zip(self.dummies, symbols)))


_CACHE: dict[KindKey, tuple[object, Kind]] = {}


def kind(op: str, arity: int, index: Optional[int] = None, constants: tuple[tuple[int, float], ...] = ()) -> Kind:
    """The compiled kind of `op` over `arity` operands, some of them constants (cached)."""
    key: KindKey = (op, arity, index, constants)
    spec = op_spec(op)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is spec:  # a re-registered op is a new kind
        return cached[1]
    compiled = _derive(key)
    _CACHE[key] = (spec, compiled)
    return compiled


def _derive(key: KindKey) -> Kind:
    op, arity, index, constants = key
    fixed = dict(constants)
    variables = tuple(p for p in range(arity) if p not in fixed)
    dummies = tuple(sympy.Symbol(f"_a{p}", real=True) for p in variables)
    by_position = dict(zip(variables, dummies))
    operands = [by_position[p] if p in by_position else exact_number(fixed[p]) for p in range(arity)]
    forward = OPS[op].expression(operands, index)
    partials = tuple(sympy.diff(forward, d) for d in dummies)
    modules = [_MATH_NAMES, "math"]
    kink_args = sorted(
        {f.args[0] for p in partials for f in p.atoms(*_KINK_FUNCTIONS)}, key=sympy.default_sort_key
    )
    return Kind(
        key=key,
        variables=variables,
        dummies=dummies,
        forward_expr=forward,
        partials=partials,
        local=sympy.lambdify(dummies, list(partials), modules=modules, docstring_limit=0),
        kinks=sympy.lambdify(dummies, kink_args, modules=modules, docstring_limit=0) if kink_args else None,
    )


def at_kink(k: Kind, values: Sequence[float], tolerance: float = 1e-12) -> bool:
    """True when a step function in the kind's partials is evaluated exactly at its jump."""
    if k.kinks is None:
        return False
    return any(abs(arg) <= tolerance for arg in k.kinks(*values))
