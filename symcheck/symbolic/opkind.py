"""One op applied to one pattern of operands, differentiated once, compiled twice, reused.

Every node of a program (or of an engine's graph) is an op from `symcheck.ops`
applied to operands that are nodes or numeric constants. Two nodes
``z5 = sin(z4)`` and ``z9 = sin(z2)`` are the same *kind*: ``sin(d0)``. A
kind's forward expression and its local partials ∂/∂d_k are derived once, by
`sympy.diff` of the op's forward meaning over dummy symbols d0, d1, …; each
node gets its own version by substituting its operands' symbols for the
dummies. This is what keeps the symbolic side linear in the number of nodes:
a 2,000-node program has a few dozen kinds, a 100,000-node Transformer graph
not many more.

A kind is compiled with `sympy.lambdify` into two back-ends, each on first
use: 30-digit mpmath (`forward_mp`, `partials_mp`: the symbolic witness's
exact values) and plain floats over `math` (`forward_float`,
`partials_float`: the fast node-by-node check of an engine's local steps).
The arguments of every step function in the partials (relu's Heaviside,
abs's sign) are compiled too, so a node exactly on one is recognised
(`at_kink`). Only expressions symcheck built itself are compiled, never user
text.

A node used twice (``z3 * z3``) is one dummy, so its partial is summed over
both positions (``2*d0``) by sympy itself.

Linear in the number of operands too: a kind with more than `SWEEP_ABOVE`
operand slots (``sum`` of 20,000 inputs, ``softmax`` over 300) is derived in
one reverse sweep over its forward expression (`symcheck.symbolic.sweep`)
rather than one `sympy.diff` per operand, each of which re-reads all n terms;
its partials are substituted, measured and compiled with their shared parts
once (the sum inside every partial of ``logsumexp``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

import sympy
from sympy import Expr

from symcheck.ir import Node
from symcheck.ops import op_spec
from symcheck.symbolic.sweep import (all_partials, atoms_of, distinct_nodes, replace_all, shared_cse,
                                     substitute_symbols, tree_sizes)

DIGITS = 30
"""Working precision (significant decimal digits) of the 30-digit back-end, the symbolic witness's."""

Slot = tuple[str, Union[int, float]]
"""An operand in a kind's pattern: ("v", k) for the k-th distinct node operand, ("c", value) for a constant."""

KindKey = tuple[str, Optional[int], tuple[Slot, ...]]

SWEEP_ABOVE = 16
"""A kind with more operand slots than this is derived in one reverse sweep (`sweep.all_partials`); smaller
kinds are derived by `sympy.diff` per operand, whose printed forms the rest of the project was written against."""


_CONSTANTS = {math.e: sympy.E, math.pi: sympy.pi}


def exact_number(value: float) -> Expr:
    """A numeric constant as a sympy number, exact when the float's repr is short.

    2.0 → 2, 0.5 → 1/2, 0.1 → 1/10; a long repr (1/3 as a float) stays a Float
    so nothing pretends to be more exact than the user's number. The floats of
    the constants ``e`` and ``pi`` (`math.e`, `math.pi`) are sympy's E and pi.
    """
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return sympy.Integer(int(value))
    text = repr(float(value))
    if "e" not in text and "n" not in text and len(text) <= 10:
        return sympy.Rational(text)
    return sympy.Float(text)


def kind_key(node: Node) -> tuple[KindKey, tuple[str, ...]]:
    """The node's kind key and its distinct node operands in first-use order."""
    first: dict[str, int] = {}  # operand → its dummy's number (a dict: n operands cost n, not n²)
    slots: list[Slot] = []
    for operand in node.inputs:
        if isinstance(operand, str):
            slots.append(("v", first.setdefault(operand, len(first))))
        else:
            slots.append(("c", float(operand)))
    return (node.op, node.index, tuple(slots)), tuple(first)


@dataclass
class OpKind:
    """An op over a pattern of operands: forward expression and partials in dummy symbols.

    `partials[k]` is ∂forward/∂dummies[k]. The mpmath-compiled versions are built
    on first use (`lambdify` of expressions symcheck itself built, never user text).
    """

    key: KindKey
    dummies: tuple[sympy.Symbol, ...]
    forward: Expr
    partials: tuple[Expr, ...]
    spec: Any = None
    _forward_mp: Optional[Callable[..., Any]] = field(default=None, repr=False)
    _partials_mp: Optional[Callable[..., Any]] = field(default=None, repr=False)
    _forward_float: Optional[Callable[..., float]] = field(default=None, repr=False)
    _partials_float: Optional[Callable[..., Any]] = field(default=None, repr=False)
    _kink_arguments: Any = field(default=False, repr=False)
    _sizes: Optional[tuple[int, ...]] = field(default=None, repr=False)
    _limits: dict = field(default_factory=dict, repr=False)

    def forward_mp(self) -> Callable[..., Any]:
        """The forward expression compiled for mpmath (arguments: one value per dummy)."""
        if self._forward_mp is None:
            self._forward_mp = _compile(self.dummies, self.forward)
        return self._forward_mp

    def partials_mp(self) -> Callable[..., Any]:
        """All partials compiled for mpmath, returned together as a tuple."""
        if self._partials_mp is None:
            self._partials_mp = _compile(self.dummies, list(self.partials), shared=self.large)
        return self._partials_mp

    def forward_float(self) -> Callable[..., float]:
        """The forward expression compiled for floats over `math` (one float per dummy)."""
        if self._forward_float is None:
            self._forward_float = _compile(self.dummies, self.forward, floats=True)
        return self._forward_float

    def partials_float(self) -> Callable[..., Any]:
        """All partials compiled for floats, returned together as a list."""
        if self._partials_float is None:
            self._partials_float = _compile(self.dummies, list(self.partials), floats=True, shared=self.large)
        return self._partials_float

    @property
    def large(self) -> bool:
        """More operand slots than `SWEEP_ABOVE`: derived, substituted and compiled with shared parts once."""
        return len(self.key[2]) > SWEEP_ABOVE

    def at_kink(self, values: Sequence[float], tolerance: float = 1e-12) -> bool:
        """True when a step function in the partials (Heaviside, sign) sits at its jump at `values`."""
        if self._kink_arguments is False:
            arguments = sorted({f.args[0] for f in atoms_of(self.partials, *_STEP_FUNCTIONS)},
                               key=sympy.default_sort_key)
            self._kink_arguments = _compile(self.dummies, arguments, floats=True) if arguments else None
        if self._kink_arguments is None:
            return False
        return any(abs(argument) <= tolerance for argument in self._kink_arguments(*values))

    def partial_in(self, k: int, symbols: Sequence[sympy.Symbol]) -> Expr:
        """∂forward/∂dummies[k], written in the given symbols (one per dummy)."""
        return self.substitute(self.partials[k], symbols)

    def partials_in(self, symbols: Sequence[Expr]) -> list[Expr]:
        """Every partial written in the given symbols (one per dummy), in one pass over their shared parts."""
        return substitute_symbols(self.partials, self.dummies, symbols)

    def partial_sizes(self) -> tuple[int, ...]:
        """The tree size of each partial (how much it adds to a printed adjoint)."""
        if self._sizes is None:
            self._sizes = tree_sizes(self.partials)
        return self._sizes

    def slot_partial(self, k: int) -> tuple[Expr, tuple[sympy.Symbol, ...]]:
        """∂forward/∂dummies[k] with every operand slot, constants too, a symbol of its own.

        sympy folds a constant operand before differentiating (``diff(0**d, d)``
        is already ``nan``); with the constant kept as a symbol the partial keeps
        its shape (``s0**s1*log(s0)``) so it can be printed, or approached by a limit.
        """
        slots = self.key[2]
        symbols = tuple(sympy.Symbol(f"_s{j}", real=True) for j in range(len(slots)))
        forward = op_spec(self.key[0]).expression(list(symbols), self.key[1])
        partial = sum((sympy.diff(forward, symbols[j]) for j, (tag, v) in enumerate(slots) if tag == "v" and int(v) == k),
                      sympy.Integer(0))
        return partial, symbols

    def partial_limit(self, k: int, args: Sequence[Any]) -> Optional[Expr]:
        """The limit of ∂forward/∂dummies[k] at the point `args` (one value per dummy), or None.

        For a partial that has no value at the point itself (``0**x·log(0)``):
        every slot but one is fixed at its value and that one approaches its
        value from both sides; the first slot whose one-sided limits are finite
        and agree (or whose only finite one-sided limit is real) gives the value.
        For 0**x at x = 2 that is lim_{s→0} s²·log(s) = 0, the derivative of the
        function 0**x, which is 0 for every x > 0.
        """
        key = (k, tuple(str(a) for a in args))
        if key not in self._limits:
            self._limits[key] = self._limit(k, args)
        return self._limits[key]

    def _limit(self, k: int, args: Sequence[Any]) -> Optional[Expr]:
        partial, symbols = self.slot_partial(k)
        point = [sympy.Float(args[int(v)], 30) if tag == "v" else exact_number(float(v)) for tag, v in self.key[2]]
        for j, symbol in enumerate(symbols):
            if symbol not in partial.free_symbols:
                continue
            rest = partial.xreplace({s: p for i, (s, p) in enumerate(zip(symbols, point)) if i != j})
            sides = [_one_sided_limit(rest, symbol, point[j], side) for side in ("+", "-")]
            finite = [v for v in sides if v is not None and v.is_finite and v.is_real]
            if finite and all(v == finite[0] for v in finite) and not any(v is not None and v.is_infinite for v in sides):
                return finite[0]
        return None

    def substitute(self, expr: Expr, symbols: Sequence[sympy.Symbol]) -> Expr:
        """`expr` (in the dummies) rewritten in the given node symbols."""
        return expr.xreplace(dict(zip(self.dummies, symbols)))


_KINDS: dict[KindKey, OpKind] = {}


def _one_sided_limit(expr: Expr, symbol: sympy.Symbol, at: Expr, side: str) -> Optional[Expr]:
    """sympy's one-sided limit, or None when sympy cannot decide it."""
    try:
        value = sympy.limit(expr, symbol, at, side)
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None
    return None if value.has(sympy.nan, sympy.zoo, sympy.AccumBounds) else value


def op_kind(node: Node) -> tuple[OpKind, tuple[str, ...]]:
    """The (cached) kind of `node` and the node operands its dummies stand for."""
    key, names = kind_key(node)
    return kind_of(key), names


def kind_of(key: KindKey) -> OpKind:
    """The (cached) kind with this key: ``(op, index, slots)``, slots as in `kind_key`."""
    spec = op_spec(key[0])
    kind = _KINDS.get(key)
    if kind is None or kind.spec is not spec:  # a re-registered custom op is a new kind
        kind = _derive(key)
        _KINDS[key] = kind
    return kind


def clear_cache() -> None:
    """Forget every derived kind (benchmarks measure a cold start with it)."""
    global _GENERATION
    _KINDS.clear()
    _GENERATION += 1


def cache_generation() -> int:
    """How many times the cache was cleared: callers that keep kinds of their own forget them when it changes."""
    return _GENERATION


_GENERATION = 0


def cache_size() -> int:
    """How many kinds have been derived so far."""
    return len(_KINDS)


def _derive(key: KindKey) -> OpKind:
    op, index, slots = key
    count = 1 + max((int(v) for tag, v in slots if tag == "v"), default=-1)
    dummies = tuple(sympy.Symbol(f"_d{k}", real=True) for k in range(count))
    operands = [dummies[int(v)] if tag == "v" else exact_number(float(v)) for tag, v in slots]
    spec = op_spec(op)
    forward = spec.expression(operands, index)
    if len(slots) > SWEEP_ABOVE:
        partials = all_partials(forward, dummies)
    else:
        partials = tuple(sympy.diff(forward, d) for d in dummies)
    return OpKind(key, dummies, forward, partials, spec)


def finite_real(value: Any) -> Optional[Any]:
    """`value` (an mpmath result) as a finite real mpf, or None (complex, infinite or NaN)."""
    import mpmath

    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            return None
        value = value.real
    try:
        value = mpmath.mpf(value)
    except (TypeError, ValueError):
        return None
    return value if mpmath.isfinite(value) else None


def _heaviside(x: float, at_zero: float = 0.5) -> float:
    return 1.0 if x > 0 else (0.0 if x < 0 else at_zero)


_STEP_FUNCTIONS = (sympy.Heaviside, sympy.sign, sympy.DiracDelta)
_FLOAT_NAMES = {"Heaviside": _heaviside, "sign": lambda x: float((x > 0) - (x < 0))}


def _compile(dummies: Sequence[sympy.Symbol], expr: Any, *, floats: bool = False,
             shared: bool = False) -> Callable[..., Any]:
    # sympy folds a constant pole (0**-1, x/0) to complex infinity, which the
    # mpmath printer has no name for; as NaN it reads "no real value", as any
    # other domain failure does, and the evaluator names the node.
    zoo = {sympy.zoo: sympy.nan}
    if isinstance(expr, list):
        if any(node is sympy.zoo for node in distinct_nodes(expr)):
            expr = replace_all(expr, zoo)
    else:
        expr = expr.xreplace(zoo)
    modules = [_FLOAT_NAMES, "math"] if floats else ["mpmath"]
    if len(dummies) <= SWEEP_ABOVE:
        return sympy.lambdify(list(dummies), expr, modules=modules, printer=_printer(floats), docstring_limit=0,
                              cse=shared_cse if shared else False)
    return _compile_wide(dummies, expr if isinstance(expr, list) else [expr], floats=floats, shared=shared,
                         single=not isinstance(expr, list))


def _compile_wide(dummies: Sequence[sympy.Symbol], exprs: list, *, floats: bool, shared: bool,
                  single: bool) -> Callable[..., Any]:
    """`_compile` for a kind of many operands, in time and code linear in the size of its DAG.

    One vector argument (lambdify sorts a list of arguments with sympy's slow
    sort key); the shared parts (logsumexp's sum) printed once each; for
    30 digits, every softmax component written as e^xᵢ times one shared 1/Σ e^xⱼ
    (a call per component would sum all n exponentials again for each of n
    partials; mpmath's exponent range cannot overflow); the implemented
    functions (sigmoid, relu, softmax) found in one pass over the DAG, where
    lambdify would walk every partial as a tree.
    """
    if not floats:  # first, while the n arguments are shared dummies: then each component costs one exp
        exprs = _softmax_as_shared_quotients(exprs)
    vector = sympy.DeferredVector("_v")
    exprs = substitute_symbols(exprs, dummies, [vector[k] for k in range(len(dummies))])
    implemented = {type(node).__name__: type(node)._imp_ for node in distinct_nodes(exprs)
                   if isinstance(node, sympy.Function) and hasattr(type(node), "_imp_")}
    modules = [implemented, _FLOAT_NAMES, "math"] if floats else [implemented, "mpmath"]
    compiled = sympy.lambdify([vector], exprs[0] if single else exprs, modules=modules, printer=_printer(floats),
                              use_imps=False, docstring_limit=0, cse=shared_cse if shared else False)
    return lambda *args: compiled(args)


def _softmax_as_shared_quotients(exprs: list) -> list:
    """Each ``softmax(i, x…)`` as ``exp(xᵢ) * R`` with one ``R = 1/Σ exp(xⱼ)`` per argument tuple."""
    from symcheck.ops import softmax

    inverse_sums: dict[tuple, Expr] = {}
    mapping: dict[Expr, Expr] = {}
    for node in distinct_nodes(exprs):
        if isinstance(node, softmax):
            xs = node.args[1:]
            if xs not in inverse_sums:
                inverse_sums[xs] = sympy.Pow(sympy.Add(*[sympy.exp(x) for x in xs]), -1)
            mapping[node] = sympy.Mul(sympy.exp(xs[int(node.args[0])]), inverse_sums[xs], evaluate=False)
    return replace_all(exprs, mapping) if mapping else exprs


def _printer(floats: bool) -> Any:
    """lambdify's own printer for the back-end, printing a sum of many terms as one ``fsum`` call.

    ``a0 + a1 + … + a19999`` would be a chain of 20,000 nested additions, too
    deep for Python's compiler; ``fsum([a0, …])`` is flat (and, over floats,
    correctly rounded).
    """
    from sympy.printing.pycode import MpmathPrinter, PythonCodePrinter

    class WideSums(PythonCodePrinter if floats else MpmathPrinter):  # type: ignore[misc, valid-type]
        def _print_Add(self, expr: Expr, order: Optional[str] = None) -> str:
            if len(expr.args) <= SWEEP_ABOVE:
                return super()._print_Add(expr, order=order)
            return f"fsum([{', '.join(self._print(term) for term in expr.args)}])"

    names = {name: name for name in _FLOAT_NAMES} if floats else {}
    return WideSums({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                     "user_functions": names})
