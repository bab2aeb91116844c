"""Hypothesis strategies: random valid programs and expressions for fuzzing any engine.

>>> from hypothesis import given
>>> from symcheck.strategies import programs, build_with
>>> @given(programs(ops=("add", "mul", "pow", "relu")))
... def test_my_engine(program):
...     assert symcheck.check(build_with(program, Value)).ok

A program is a random DAG: each new node applies an op to earlier nodes
(intermediates are reused, so nodes have several consumers) or to constants.
Values are computed as the program is drawn, and an op that would sit on a
kink or a domain edge at that point (relu/abs near 0, log/sqrt of a small or
negative number, division by a small number, overflow) is replaced by a safe
one, so every drawn program is valid and differentiable where it is checked.
Hypothesis shrinks a failing program toward few nodes and the first ops of
`ops` (``add`` first), so a failure ends as a minimal expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

from hypothesis import strategies as st

from symcheck.parse.writeback import program_expression, program_point
from symcheck.ir import Node, Program
from symcheck.symbolic.opkind import op_kind

UNARY = ("neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs")
BINARY = ("add", "sub", "mul", "div", "pow")
NARY = ("sum", "mean", "dot", "logsumexp", "softmax")
DEFAULT_OPS = ("add", "mul", "sub", "div", "pow", "tanh", "exp", "log", "sigmoid", "relu", "sin", "neg")
ALL_OPS = ("add", *BINARY[1:], *UNARY, *NARY)
MICROGRAD_OPS = ("add", "mul", "sub", "div", "pow", "relu", "neg")
"""What micrograd 0.1.0 can build (``**`` with a number exponent only)."""

INPUT_NAMES = ("x", "y", "w", "b", "u", "v")
EXPONENTS = (2.0, 3.0, -1.0, 0.5, -2.0)
CONSTANTS = (2.0, 0.5, -1.5, 3.0)
KINK_MARGIN = 0.1
DOMAIN_MARGIN = 0.2
LARGEST = 50.0


@dataclass(frozen=True)
class Expression:
    """A generated expression: its text (what `symcheck.parse` reads), the point, and the program."""

    text: str
    at: Mapping[str, float]
    program: Program = field(repr=False)  # a falsifying example prints as its text and point

    def __str__(self) -> str:
        return self.text

    @property
    def reproducer(self) -> str:
        """The ``symcheck check 'TEXT' --at POINT`` command that checks this expression at its point."""
        return f"symcheck check '{self.text}' --at {program_point(self.program)}"


@st.composite
def programs(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    *,
    ops: Sequence[str] = DEFAULT_OPS,
    max_inputs: int = 3,
    max_nodes: int = 8,
    reuse: bool = True,
    constants: bool = True,
) -> Program:
    """A random valid program over `ops` (names from the op table) with values at a safe point.

    `max_nodes` bounds the operations (depth grows with it: each may use the
    previous one); `reuse` lets any earlier node be an operand again (else only
    inputs and the latest node); `constants` allows number operands.
    """
    unknown = sorted(set(ops) - set(ALL_OPS))
    if unknown:
        raise ValueError(f"programs() cannot generate {unknown}; choose among {ALL_OPS}")
    count = draw(st.integers(1, max_inputs))
    nodes = [
        Node(name, "input", (), draw(_input_value())) for name in INPUT_NAMES[:count]
    ]
    values = {node.name: node.value for node in nodes}
    for k in range(draw(st.integers(1, max_nodes))):
        op = draw(st.sampled_from(list(ops)))
        latest = nodes[-1].name
        pool = [n.name for n in nodes] if reuse else [*[n.name for n in nodes[:count]], latest]
        node = _draw_node(draw, f"z{k + 1}", op, pool, latest, values, constants, ops)
        values[node.name] = node.value
        nodes.append(node)
    return _reachable(nodes)


def expressions(**options: Any) -> st.SearchStrategy[Expression]:
    """Random valid expressions (text, point, program); takes the options of `programs`."""
    def to_expression(program: Program) -> Optional[Expression]:
        text = program_expression(program)
        if text is None:
            return None
        at = {node.name: float(node.value) for node in program.inputs}  # type: ignore[arg-type]
        return Expression(text, at, program)

    return programs(**options).map(to_expression).filter(lambda e: e is not None)  # type: ignore[return-value]


def _input_value() -> st.SearchStrategy[float]:
    magnitude = st.floats(0.3, 1.5, allow_nan=False).map(lambda v: round(v, 3))
    return st.tuples(st.booleans(), magnitude).map(lambda t: -t[1] if t[0] else t[1])


def _draw_node(
    draw: Callable, name: str, op: str, pool: list[str], latest: str, values: dict, constants: bool,
    ops: Sequence[str],
) -> Node:
    def operand(first: bool) -> Any:
        if first:
            return latest if draw(st.booleans()) else draw(st.sampled_from(pool))
        if constants and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(CONSTANTS))
        return draw(st.sampled_from(pool))

    if op in UNARY:
        inputs: tuple = (operand(True),)
    elif op == "pow":
        inputs = (operand(True), draw(st.sampled_from(EXPONENTS)))
    elif op in BINARY:
        inputs = (operand(True), operand(False))
    else:
        inputs = (operand(True), *[operand(False) for _ in range(draw(st.integers(1, 3)))])
    index = draw(st.integers(0, len(inputs) - 1)) if op == "softmax" else None
    if op == "dot" and len(inputs) % 2:
        inputs = inputs[:-1] if len(inputs) > 2 else inputs * 2
    op, inputs, index = _make_safe(op, inputs, index, values, ops)
    return Node(name, op, inputs, _evaluate(op, inputs, index, values), index)


def _make_safe(
    op: str, inputs: tuple, index: Optional[int], values: dict, ops: Sequence[str]
) -> tuple[str, tuple, Optional[int]]:
    """Replace an op that would sit on a kink or domain edge (or overflow) by a safe one from `ops`."""
    args = [values[o] if isinstance(o, str) else o for o in inputs]
    a = args[0]
    unsafe = (
        (op in ("relu", "abs") and abs(a) < KINK_MARGIN)
        or (op in ("log", "sqrt") and a < DOMAIN_MARGIN)
        or (op == "exp" and a > 3.0)
        or (op == "div" and abs(args[1]) < 0.3)
        or (op == "pow" and not isinstance(inputs[1], str) and _bad_power(a, args[1]))
        or (op == "pow" and isinstance(inputs[1], str) and (a < DOMAIN_MARGIN or abs(args[1] * math.log(a)) > 3))
    )
    if not unsafe:
        try:
            value = _evaluate(op, inputs, index, values)
        except (ArithmeticError, ValueError):
            value = math.inf
        if math.isfinite(value) and abs(value) <= LARGEST:
            return op, inputs, index
    return _fallback(inputs[0], a, ops)


def _bad_power(a: float, k: float) -> bool:
    return (k < 0 and abs(a) < 0.3) or (not float(k).is_integer() and a < DOMAIN_MARGIN) or abs(a) > 3


def _fallback(operand: Any, a: float, ops: Sequence[str]) -> tuple[str, tuple, Optional[int]]:
    """A smooth op that keeps the value bounded (|result| ≤ |a| or ≤ 1)."""
    for bounded in ("tanh", "sigmoid", "sin", "cos"):
        if bounded in ops:
            return bounded, (operand,), None
    if "mul" in ops:
        return "mul", (operand, 0.5), None
    if "div" in ops:
        return "div", (operand, 2.0), None
    if "add" in ops:
        return "add", (operand, -0.5 if a > 0 else 0.5), None
    return "tanh", (operand,), None


def _evaluate(op: str, inputs: tuple, index: Optional[int], values: dict) -> float:
    kind, names = op_kind(Node("_", op, tuple(inputs), index=index))
    return float(kind.forward_float()(*[values[name] for name in names]))


def _reachable(nodes: list[Node]) -> Program:
    """Only the output's ancestors, intermediates renamed z1, z2, … in order."""
    needed = {nodes[-1].name}
    for node in reversed(nodes):
        if node.name in needed:
            needed.update(o for o in node.inputs if isinstance(o, str))
    kept = [n for n in nodes if n.name in needed]
    rename = {}
    for node in kept:
        rename[node.name] = node.name if node.is_input else f"z{len(rename) - sum(n.is_input for n in kept if n.name in rename) + 1}"
    renamed = tuple(
        Node(rename[n.name], n.op, tuple(rename[o] if isinstance(o, str) else o for o in n.inputs), n.value, n.index)
        for n in kept
    )
    return Program(renamed, rename[nodes[-1].name], source="<generated>")


# -- building a program on any engine ----------------------------------------------------

_OPERATORS: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "neg": lambda a: -a,
}


def build_with(program: Program, engine: Callable[[float], Any]) -> Any:
    """Build `program` with a micrograd-style engine: ``engine(value)`` makes a leaf; ops are
    Python operators and methods (``v.tanh()``); returns the output value.

    A number operand stays a number (the engine coerces it, as in ``x * 2``). An op the
    engine has no method for raises AttributeError naming it.
    """
    built: dict[str, Any] = {}
    for node in program.nodes:
        if node.is_input:
            leaf = engine(node.value)
            try:
                leaf.label = node.name
            except AttributeError:
                pass
            built[node.name] = leaf
            continue
        args = [built[o] if isinstance(o, str) else o for o in node.inputs]
        if node.op in _OPERATORS:
            built[node.name] = _OPERATORS[node.op](*args)
        elif len(args) == 1:
            method = getattr(args[0], node.op, None)
            if method is None:
                raise AttributeError(f"{type(args[0]).__name__} has no {node.op}(); leave {node.op!r} out of ops")
            built[node.name] = method()
        else:
            raise AttributeError(f"build_with cannot build the n-ary op {node.op!r} on another engine")
    return built[program.output]


def build_ag(program: Program) -> Any:
    """Build `program` in ag (labels = node names); returns the output Scalar."""
    from symcheck.own import ag

    built: dict[str, Any] = {}
    functions = {"sum": ag.sum, "mean": ag.mean, "logsumexp": ag.logsumexp}
    for node in program.nodes:
        if node.is_input:
            built[node.name] = ag.Scalar(node.value, node.name)
            continue
        args = [built[o] if isinstance(o, str) else o for o in node.inputs]
        if node.op in _OPERATORS:
            value = _OPERATORS[node.op](*args)
        elif node.op in functions:
            value = functions[node.op](args)
        elif node.op == "dot":
            half = len(args) // 2
            value = ag.dot(args[:half], args[half:])
        elif node.op == "softmax":
            value = ag.softmax(args)[node.index or 0]
        else:
            value = getattr(ag, node.op)(args[0])
        if not isinstance(value, ag.Scalar):  # e.g. 2.0 * 3.0 folded: keep it a node
            value = ag.Scalar(value)
        built[node.name] = value
    return built[program.output]


def find_minimal_failure(
    engine: Callable[[float], Any],
    *,
    ops: Sequence[str] = MICROGRAD_OPS,
    max_examples: int = 500,
    **options: Any,
) -> Optional[tuple[Expression, Any]]:
    """Search programs for one the engine gets wrong; shrink it; return (expression, report) or None.

    The search is derandomized: the same engine and ops give the same reproducer on every run.

    >>> from micrograd.engine import Value
    >>> find_minimal_failure(Value, max_examples=20) is None          # micrograd's own ops are right
    True
    """
    from hypothesis import find, settings
    from hypothesis.errors import NoSuchExample

    from symcheck.engines import check_engine

    def fails(expression: Expression) -> bool:
        return not check_engine(build_with(expression.program, engine), forms=False).ok

    try:
        found = find(
            expressions(ops=ops, **options), fails,
            settings=settings(max_examples=max_examples, deadline=None, database=None, derandomize=True),
        )
    except NoSuchExample:
        return None
    return found, check_engine(build_with(found.program, engine))
