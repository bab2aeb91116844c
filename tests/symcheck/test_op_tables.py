"""The op tables agree: the tests' rows (worked out by hand), ag's table, and symcheck's table with
its one op-kind derivation compiled to floats and to 30 digits."""

from __future__ import annotations

import math

import mpmath
import pytest

import ag
from op_table import ROWS, Row
from symcheck.ir import INPUT, Node, Program
from symcheck.numeric.build import build_graph
from symcheck.numeric.finite_diff import Evaluator
from symcheck.ops import BUILTIN_OPS, OPS
from symcheck.symbolic.opkind import op_kind

IDS = [row.op for row in ROWS]


def test_the_three_tables_name_the_same_ops() -> None:
    assert [row.op for row in ROWS] == list(BUILTIN_OPS)
    assert set(ag.OPS) == set(BUILTIN_OPS) - {"id"}  # ag has no identity op: a staged copy is symcheck's


def _node(row: Row) -> Node:
    return Node("z", row.op, row.operands, index=row.index)


def _program(row: Row) -> Program:
    inputs = tuple(Node(name, INPUT, (), value) for name, value in zip("abcd", row.values))
    return Program(inputs + (_node(row),), "z")


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_the_float_back_end_gives_the_rows_value_and_partials(row: Row) -> None:
    kind, names = op_kind(_node(row))
    assert len(names) == len(row.values)
    assert kind.forward_float()(*row.values) == pytest.approx(row.value, rel=1e-13)
    assert [float(p) for p in kind.partials_float()(*row.values)] == pytest.approx(row.partials, rel=1e-12)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_the_30_digit_back_end_agrees_with_the_float_one(row: Row) -> None:
    kind, _ = op_kind(_node(row))
    with mpmath.workdps(30):
        values = [mpmath.mpf(v) for v in row.values]
        assert float(kind.forward_mp()(*values)) == pytest.approx(row.value, rel=1e-15)
        assert [float(p) for p in kind.partials_mp()(*values)] == pytest.approx(row.partials, rel=1e-14)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_the_rows_float_meaning_is_the_finite_difference_evaluators(row: Row) -> None:
    spec = OPS[row.op]
    assert spec.numeric is not None
    numeric = (lambda *xs: spec.numeric(row.index, *xs)) if spec.indexed else spec.numeric
    assert numeric(*row.values) == pytest.approx(row.value, rel=1e-14)
    evaluator = Evaluator(_program(row))
    base = evaluator.base({**dict(zip("abcd", row.values)), "z": row.value})
    for k, name in enumerate("abcd"[: len(row.values)]):
        assert evaluator.derivative(name, base) == pytest.approx(row.partials[k], rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("row", [r for r in ROWS if r.op != "id"], ids=[r.op for r in ROWS if r.op != "id"])
def test_ag_builds_each_op_with_the_rows_value_and_partials(row: Row) -> None:
    scalars = build_graph(_program(row))
    node = scalars["z"]
    assert node.op == row.op and node.data == pytest.approx(row.value, rel=1e-13)
    node.backward()
    grads = [scalars[name].grad for name in "abcd"[: len(row.values)]]
    assert grads == pytest.approx(row.partials, rel=1e-12)
    assert not any(math.isnan(g) for g in grads)
