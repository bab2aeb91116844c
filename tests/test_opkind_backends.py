"""One op-kind derivation, two compiled back-ends: the float back-end agrees with the 30-digit one
and with the engine checker's former float kinds, symbolically and at points."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy

from symcheck.engines import kinds as former
from symcheck.ir import Node
from symcheck.ops import BUILTIN_OPS, OPS
from symcheck.symbolic.opkind import op_kind

POINTS = ((0.7, -1.3, 0.4, 1.1), (1.9, 0.6, -0.8, 0.45), (0.35, 1.25, 0.9, -0.6))


def _nodes(op: str) -> list[Node]:
    """Nodes of `op` over distinct operands a, b, c, d (and pow's constant exponent)."""
    spec = OPS[op]
    if op == "pow":
        return [Node("z", op, ("a", "b")), Node("z", op, ("a", 3.0)), Node("z", op, ("a", 0.5))]
    if spec.indexed:
        return [Node("z", op, ("a", "b", "c"), index=i) for i in range(3)]
    if spec.even:
        return [Node("z", op, ("a", "b", "c", "d"))]
    count = spec.arity if spec.arity is not None else 3
    return [Node("z", op, tuple("abcd"[:count]))]


CASES = [(op, node) for op in BUILTIN_OPS for node in _nodes(op)]


def _values(node: Node, point: tuple[float, ...]) -> list[float]:
    names = [o for o in dict.fromkeys(node.inputs) if isinstance(o, str)]
    values = dict(zip("abcd", point))
    if node.op in ("log", "sqrt") or (node.op == "pow"):
        values = {k: abs(v) + 0.2 for k, v in values.items()}
    return [values[n] for n in names]


def _former_kind(node: Node) -> former.Kind:
    constants = tuple((p, float(o)) for p, o in enumerate(node.inputs) if not isinstance(o, str))
    return former.kind(node.op, len(node.inputs), node.index, constants)


@pytest.mark.parametrize(("op", "node"), CASES, ids=[f"{op}-{i}" for i, (op, _) in enumerate(CASES)])
def test_float_partials_agree_with_the_former_kinds_and_the_30_digit_back_end(op: str, node: Node) -> None:
    kind, _ = op_kind(node)
    old = _former_kind(node)
    for point in POINTS:
        values = _values(node, point)
        new_float = [float(v) for v in kind.partials_float()(*values)]
        old_float = [float(v) for v in old.local(*values)]
        with mpmath.workdps(30):
            precise = [float(v) for v in kind.partials_mp()(*map(mpmath.mpf, values))]
        assert new_float == pytest.approx(old_float, rel=1e-12, abs=1e-14)
        assert new_float == pytest.approx(precise, rel=1e-12, abs=1e-14)
        assert kind.forward_float()(*values) == pytest.approx(old.forward(*values), rel=1e-13)
        assert kind.at_kink(values) == former.at_kink(old, values)


@pytest.mark.parametrize(("op", "node"), CASES, ids=[f"{op}-{i}" for i, (op, _) in enumerate(CASES)])
def test_the_partials_are_the_former_kinds_partials_symbolically(op: str, node: Node) -> None:
    kind, _ = op_kind(node)
    old = _former_kind(node)
    symbols = sympy.symbols("p q r s", real=True)[: len(kind.dummies)]
    for new_partial, old_partial in zip(kind.partials, old.partials):
        new_expr = kind.substitute(new_partial, symbols)
        old_expr = old_partial.xreplace(dict(zip(old.dummies, symbols)))
        assert sympy.simplify(new_expr - old_expr) == 0


def test_every_kink_point_is_recognised_by_both() -> None:
    relu, _ = op_kind(Node("z", "relu", ("a",)))
    assert relu.at_kink([0.0]) and not relu.at_kink([0.1])
    assert not math.isnan(relu.partials_float()(0.0)[0])
