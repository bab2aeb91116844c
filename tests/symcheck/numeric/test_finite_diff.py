"""The finite-difference witness: accuracy, downstream-only re-runs, the node budget."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcheck.parse.point import resolve_inputs
from symcheck.symbolic import values as precision
from symcheck.errors import InputError
from symcheck.numeric.finite_diff import Evaluator, choose_nodes, finite_differences, schedule, take
from symcheck.ir import INPUT, Node, Program

UNARY = {
    "exp": math.exp,
    "sin": math.cos,
    "cos": lambda a: -math.sin(a),
    "tanh": lambda a: 1 - math.tanh(a) ** 2,
    "sigmoid": lambda a: math.exp(-a) / (1 + math.exp(-a)) ** 2,
    "log": lambda a: 1 / a,
    "sqrt": lambda a: 0.5 / math.sqrt(a),
    "neg": lambda a: -1.0,
}


def _values(program: Program) -> dict:
    return precision.node_values(program, resolve_inputs(program))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(UNARY)), st.floats(0.05, 3.0))
def test_unary_ops_to_ten_digits(op: str, a: float) -> None:
    program = Program((Node("a", INPUT, (), a), Node("z1", op, ("a",))), "z1")
    fd = finite_differences(program, _values(program))
    assert fd["a"] == pytest.approx(UNARY[op](a), rel=1e-9, abs=1e-10)
    assert fd["z1"] == 1.0


def test_only_downstream_nodes_are_rerun_and_unreached_nodes_give_zero() -> None:
    program = Program(
        (
            Node("a", INPUT, (), 0.7),
            Node("b", INPUT, (), 1.3),
            Node("side", "exp", ("b",)),  # does not reach the output
            Node("p", "mul", ("a", "b")),
            Node("f", "sin", ("p",)),
        ),
        "f",
    )
    evaluator = Evaluator(program)
    assert evaluator.cost("a") == 4 * 2  # p and f, four stencil points
    fd = finite_differences(program, _values(program), evaluator=evaluator)
    assert fd["side"] == 0.0
    assert fd["b"] == pytest.approx(0.7 * math.cos(0.91), rel=1e-10)


def test_nary_ops_and_softmax() -> None:
    program = Program(
        (
            Node("a", INPUT, (), 0.7),
            Node("b", INPUT, (), 1.3),
            Node("s", "softmax", ("a", "b", 0.2), index=0),
            Node("l", "logsumexp", ("a", "s")),
            Node("f", "dot", ("a", "l", "b", 2.0)),
        ),
        "f",
    )
    values = _values(program)
    fd = finite_differences(program, values)
    exact = precision.adjoint_values(program, values)
    for name in program.names:
        assert fd[name] == pytest.approx(float(exact[name]), rel=1e-9, abs=1e-11)


def test_a_step_out_of_the_domain_is_retried_smaller() -> None:
    program = Program((Node("a", INPUT, (), 1e-5), Node("z1", "sqrt", ("a",))), "z1")
    fd = finite_differences(program, _values(program))
    assert fd["a"] == pytest.approx(0.5 / math.sqrt(1e-5), rel=1e-5)


def _chain(n: int) -> Program:
    nodes = [Node("x", INPUT, (), 0.5)] + [Node(f"z{i}", "sin", (f"z{i - 1}" if i > 1 else "x",)) for i in range(1, n)]
    return Program(tuple(nodes), nodes[-1].name)


def test_budget_takes_suspects_then_inputs_then_a_sample() -> None:
    program = _chain(100)
    names, strategy = choose_nodes(program, ["z50"], budget=4000)
    assert "z50" in names and "x" in names
    assert 2 < len(names) < 100
    assert f"on {len(names)} of 100 nodes" in strategy and "budget of 4000" in strategy
    assert names == sorted(names, key=program.names.index)
    everything, strategy = choose_nodes(program, [], budget=10**9)
    assert len(everything) == 100 and strategy.startswith("five-point central differences on every node")


# -- near the largest float, and the budgets -------------------------------------------------------


def _exp_program(x: float) -> Program:
    return Program((Node("x", INPUT, (), x), Node("z1", "exp", ("x",))), "z1")


def test_a_stencil_that_overflows_shrinks_its_step() -> None:
    program = _exp_program(709.7)  # x + 2h with h = 0.07 overflows exp
    evaluator = Evaluator(program)
    fd = finite_differences(program, _values(program), evaluator=evaluator)
    assert fd["x"] == pytest.approx(math.exp(709.7), rel=1e-6)
    assert evaluator.why_missing == {}


def test_where_every_step_overflows_the_node_has_no_difference_and_says_why() -> None:
    program = _exp_program(709.782712893384)  # exp is the largest float here: any step up overflows
    evaluator = Evaluator(program)
    fd = finite_differences(program, _values(program), evaluator=evaluator)
    assert fd["x"] is None and evaluator.why_missing == {"x": "overflow"}


def test_a_stencil_near_the_largest_float_takes_differences_first() -> None:
    # f = 1e300 * x at x = 100: 8 f(x + h) overflows a float, the differences do not
    program = Program((Node("x", INPUT, (), 100.0), Node("z1", "mul", (1e300, "x"))), "z1")
    fd = finite_differences(program, _values(program))
    assert fd["x"] == pytest.approx(1e300, rel=1e-9)


def test_fd_none_takes_nothing_and_all_takes_every_node_past_the_budget() -> None:
    program = _chain(100)
    values = _values(program)
    assert take(program, values, mode="none").values == {}
    everything = take(program, values, mode="all", budget=10)
    assert len(everything.values) == 100 and everything.strategy.startswith("five-point central differences on every")
    with pytest.raises(InputError, match="fd='some' is not a finite-difference mode"):
        take(program, values, mode="some")


def test_the_time_budget_stops_after_the_suspects_come_first() -> None:
    program = _chain(100)
    taken = take(program, _values(program), ["z60"], seconds=0.0)
    assert list(taken.values) == ["z60"]  # the first is always taken, then the time is up
    assert "on 1 of 100 nodes" in taken.strategy and "(the time ran out first)" in taken.strategy
    assert "1 of 1 nodes where engine and symbolic disagree" in taken.strategy


def test_downstream_nodes_are_found_on_demand_in_program_order() -> None:
    program = _chain(5)
    evaluator = Evaluator(program)
    assert evaluator.downstream(0) == [1, 2, 3, 4] and evaluator.downstream(4) == []
    assert [name for name, _, _ in schedule(program, ["z3"], budget=12, evaluator=evaluator)] == ["z3"]  # x costs 16
    assert [name for name, _, _ in schedule(program, ["z3"], budget=40, evaluator=evaluator)][:2] == ["z3", "x"]
