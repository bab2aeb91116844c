"""symcheck.symbolic.sweep: linear-time passes over sympy DAGs, and the large kinds derived with them."""

from __future__ import annotations

import math
import random

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symcheck.ir import Node
from symcheck.ops import op_spec
from symcheck.symbolic.opkind import SWEEP_ABOVE, kind_of, op_kind
from symcheck.symbolic.sweep import all_partials, distinct_nodes, replace_all, shared_parts, tree_sizes

N_ARY = ("sum", "mean", "dot", "logsumexp", "softmax")


def forward(op: str, symbols: list, index: int = 0) -> sympy.Expr:
    return op_spec(op).expression(symbols, index)


@settings(max_examples=60, deadline=None)
@given(op=st.sampled_from(N_ARY), n=st.integers(2, 24), data=st.data())
def test_the_sweep_gives_sympy_diffs_partials(op: str, n: int, data) -> None:
    if op == "dot":
        n += n % 2
    ds = list(sympy.symbols(f"d0:{n}", real=True))
    # operands may repeat (a node used twice is one symbol) and the softmax index varies
    operands = [ds[data.draw(st.integers(0, n - 1))] if data.draw(st.booleans()) else d for d in ds]
    index = data.draw(st.integers(0, n - 1))
    expr = forward(op, operands, index)
    swept = all_partials(expr, ds)
    for d, partial in zip(ds, swept):
        assert partial == sympy.diff(expr, d) or sympy.simplify(partial - sympy.diff(expr, d)) == 0


def test_a_large_kind_is_derived_by_the_sweep_and_evaluates_like_a_small_one() -> None:
    n = SWEEP_ABOVE + 5
    rng = random.Random(3)
    values = [mpmath.mpf(rng.uniform(-2, 2)) for _ in range(n)]
    for op in ("logsumexp", "softmax", "mean"):
        big = kind_of((op, 1 if op == "softmax" else None, tuple(("v", k) for k in range(n))))
        assert big.large
        ds = sympy.symbols(f"d0:{n}", real=True)
        expr = forward(op, list(ds), 1)
        with mpmath.workdps(30):
            got = big.partials_mp()(*values)
            for k in range(n):
                expected = sympy.diff(expr, ds[k]).evalf(30, subs=dict(zip(ds, values)))
                assert math.isclose(float(got[k]), float(expected), rel_tol=1e-25, abs_tol=1e-28)
        floats = big.partials_float()(*[float(v) for v in values])
        assert all(math.isclose(f, float(g), rel_tol=1e-12, abs_tol=1e-15) for f, g in zip(floats, got))


@pytest.mark.slow
def test_a_sum_of_20000_operands_is_derived_compiled_and_evaluated_in_linear_time() -> None:
    node = Node("f", "sum", tuple(f"x{i}" for i in range(20_000)))
    kind, names = op_kind(node)
    assert len(names) == 20_000 and set(kind.partials) == {sympy.Integer(1)}
    assert kind.forward_float()(*range(20_000)) == sum(range(20_000))  # fsum: no 20,000-deep chain of +


def test_distinct_nodes_visits_a_shared_part_once() -> None:
    a, b = sympy.symbols("a b")
    shared = sympy.exp(a) + sympy.exp(b)
    exprs = [sympy.exp(a) / shared, sympy.exp(b) / shared]
    nodes = list(distinct_nodes(exprs))
    assert len(nodes) == len(set(nodes)) and nodes.count(shared) == 1
    assert all(nodes.index(arg) < nodes.index(node) for node in nodes for arg in node.args)  # arguments first


def test_replace_all_is_xreplace_and_tree_sizes_count_shared_parts_at_every_use() -> None:
    a, b, c = sympy.symbols("a b c")
    shared = sympy.log(sympy.exp(a) + sympy.exp(b))
    exprs = [shared * a, shared + c, sympy.sin(shared)]
    mapping = {a: c + 1, sympy.exp(b): sympy.Integer(2)}
    assert replace_all(exprs, mapping) == [e.xreplace(mapping) for e in exprs]
    assert list(tree_sizes(exprs)) == [sum(1 for _ in sympy.preorder_traversal(e)) for e in exprs]


def test_shared_parts_names_each_repeated_part_once() -> None:
    a, b = sympy.symbols("a b")
    total = sympy.exp(a) + sympy.exp(b)
    exprs = [sympy.exp(a) / total, sympy.exp(b) / total]
    replacements, reduced = shared_parts(exprs)
    rebuilt = [e.xreplace({s: v for s, v in reversed(replacements)}) for e in reduced]
    for symbol, value in reversed(replacements):
        rebuilt = [e.xreplace({symbol: value}) for e in rebuilt]
    assert [sympy.simplify(x - y) for x, y in zip(rebuilt, exprs)] == [0, 0]
    written = [value for _, value in replacements] + reduced
    assert sum(1 for e in written for node in sympy.preorder_traversal(e) if node.is_Add) == 1  # the sum, once


def test_a_wide_softmax_prints_its_first_two_and_last_inputs() -> None:
    from symcheck.ops import softmax
    from symcheck.render.formulas import latex, text

    xs = sympy.symbols("x0:300", real=True)
    assert text(-softmax(4, *xs) * xs[0]) == "-x0*softmax(4, x0, x1, …, x299)"
    assert latex(softmax(4, *xs)) == r"\operatorname{softmax}_{4}\left(x_{0}, x_{1}, \ldots, x_{299}\right)"
    a, b, c = sympy.symbols("a b c")
    assert text(softmax(0, a, b, c)) == "softmax(0, a, b, c)"  # a narrow one in full, as before
