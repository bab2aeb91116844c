"""Tests for symcheck.tracing: ag's backward step by step against the chain rule's partial sums."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symcheck.numeric.build
import symcheck.tracing
from homework import backprop_program
from symcheck.errors import InputError
from symcheck.ir import INPUT, Node, Program
from symcheck.parse import parse_expression, parse_program
from symcheck.render.formulas import text
from symcheck.report import join_terms
from symcheck.strategies import programs
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import GradLedger, backward_schedule
from symcheck.tracing import trace_program

ORDER = ("z8", "z7", "z6", "z5", "z4", "z3", "z2", "z1", "y", "x")


def forward(x: float, y: float) -> dict[str, float]:
    """The homework's node values, written out by hand."""
    z3 = x * y
    z4 = z3 + x
    z7 = math.sin(z4) + math.exp(y)
    return {"z3": z3, "z4": z4, "z7": z7, "z8": z7 * z3}


@pytest.fixture(scope="module")
def homework_trace():
    return trace_program(backprop_program())


def test_steps_follow_ags_backward_order(homework_trace):
    assert tuple(step.node for step in homework_trace.steps) == ORDER
    assert backward_schedule(backprop_program()) == ORDER


def test_before_z4_z3_grad_holds_z7_with_z4_pending(homework_trace):
    step = homework_trace.step("z4")
    z7 = forward(1.5, 0.5)["z7"]
    assert step.symbolic_before["z3"] == "z7"
    assert step.expected_before["z3"] == pytest.approx(z7, rel=1e-12)
    assert step.grads_before["z3"] == pytest.approx(z7, rel=1e-12)
    assert step.pending["z3"] == ("z4",)
    assert step.op == "add"


def test_before_the_first_step_only_the_output_is_seeded(homework_trace):
    first = homework_trace.steps[0]
    assert first.symbolic_before["z8"] == "1" and first.grads_before["z8"] == 1.0
    assert all(first.symbolic_before[n] == "0" for n in ORDER[1:])
    assert first.pending["z3"] == ("z8", "z4")  # next to run first


def test_what_z4s_step_adds(homework_trace):
    values = forward(1.5, 0.5)
    adds = {c.target: c for c in homework_trace.step("z4").adds}
    assert set(adds) == {"z3", "z1"}
    expected = values["z3"] * math.cos(values["z4"])
    for contribution in adds.values():
        assert contribution.term == "z3*cos(z4)"
        assert contribution.value == pytest.approx(expected, rel=1e-12)
        assert "cos" in contribution.term_latex


def test_after_z4_the_full_adjoint_has_arrived(homework_trace):
    step = homework_trace.step("z3")
    assert step.symbolic_before["z3"] == "z7 + z3*cos(z4)"
    assert step.pending["z3"] == ()


def test_every_grad_ends_equal_to_its_adjoint(homework_trace):
    program = backprop_program()
    graph = SymbolicGraph(program)
    adjoints = graph.adjoint_values(graph.values())
    last = homework_trace.steps[-1]  # x's step adds nothing: every other step has run
    for name in program.names:
        assert last.grads_before[name] == pytest.approx(adjoints[name], rel=1e-9, abs=1e-12)
        assert last.pending[name] == ()


def test_engine_and_symbolic_agree_at_every_step(homework_trace):
    assert all(step.ok for step in homework_trace.steps)
    assert homework_trace.ok


def test_a_wrong_local_step_breaks_the_steps_after_it(monkeypatch):
    real_build = symcheck.numeric.build.build_graph

    def build_with_wrong_sin(program, at=None):
        scalars = real_build(program, at)
        z5 = scalars["z5"]
        z5.partials = (math.sin(z5.parents[0].data),)  # sin's partial should be cos
        return scalars

    monkeypatch.setattr(symcheck.tracing, "build_graph", build_with_wrong_sin)  # the graph the trace runs
    trace = trace_program(backprop_program())
    ok = {step.node: step.ok for step in trace.steps}
    assert all(ok[n] for n in ("z8", "z7", "z6", "z5"))
    assert not ok["z4"]
    step = trace.step("z4")
    assert step.grads_before["z4"] != pytest.approx(step.expected_before["z4"])
    assert not trace.ok


def test_filters_keep_only_the_asked_nodes_and_steps():
    trace = trace_program(backprop_program(), nodes=["z3"], steps=["z8", "z4"])
    assert [step.node for step in trace.steps] == ["z8", "z4"]
    assert all(set(step.grads_before) == {"z3"} for step in trace.steps)
    assert trace.step("z4").symbolic_before == {"z3": "z7"}


def test_filter_naming_no_node_is_an_input_error():
    with pytest.raises(InputError, match="z99"):
        trace_program(backprop_program(), nodes=["z99"])
    with pytest.raises(InputError, match="did you mean 'z3'"):
        trace_program(backprop_program(), nodes=["z33"])


def test_filters_name_the_output_f_as_claims_do():
    trace = trace_program(backprop_program(), nodes=["f"], steps=["f"])
    assert [step.node for step in trace.steps] == ["z8"]
    assert trace.steps[0].symbolic_before == {"z8": "1"}


def test_the_point_can_be_moved():
    trace = trace_program(backprop_program(), at={"x": 0.3, "y": -1.2})
    assert trace.step("z4").grads_before["z3"] == pytest.approx(forward(0.3, -1.2)["z7"], rel=1e-12)


def test_repeated_operand_and_constants():
    program = parse_program("a = 0.7\nb = a * a\nc = b * 2\nd = c + a\n")
    trace = trace_program(program)
    assert [step.node for step in trace.steps] == ["d", "c", "b", "a"]
    adds_b = trace.step("b").adds
    # b = a·a is one contribution into a: ∂f/∂b · ∂b/∂a = 2 · 2a, summed over both positions.
    assert [(c.target, c.term) for c in adds_b] == [("a", "4*a")]
    assert adds_b[0].value == pytest.approx(2 * 2 * 0.7, rel=1e-12)
    assert trace.step("b").symbolic_before["a"] == "1"  # d's direct contribution ∂d/∂a
    assert trace.step("b").pending["a"] == ("b",)
    assert trace.steps[-1].symbolic_before["a"] == "1 + 4*a"
    assert all(step.ok for step in trace.steps)


def test_a_negative_contribution_prints_as_a_difference():
    trace = trace_program(parse_program("a = 0.7\nb = a - sin(a)\n"))
    assert trace.steps[-1].symbolic_before["a"] == "1 - cos(a)"
    assert trace.steps[-1].grads_before["a"] == pytest.approx(1 - math.cos(0.7), rel=1e-12)


def test_a_node_that_does_not_reach_the_output_has_no_step():
    program = parse_program("x = 0.4\nunused = exp(x)\ny = sin(x)\n")
    trace = trace_program(program)
    assert [step.node for step in trace.steps] == ["y", "x"]
    assert trace.steps[-1].symbolic_before["unused"] == "0"
    assert trace.steps[-1].pending["x"] == ()


def test_placeholder_adjoints_keep_big_graph_terms_small():
    program = backprop_program()
    ledger = GradLedger(program, SymbolicGraph(program), placeholders=True)
    terms = {a.target: str(a.term) for a in ledger.arrivals("z4")}
    assert terms == {"z3": "D(f, z4)", "z1": "D(f, z4)"}
    assert str(ledger.arrived("z3", before="z4")) == "z7"


@settings(max_examples=15, deadline=None)
@given(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))
def test_engine_and_chain_rule_agree_at_any_point(x, y):
    trace = trace_program(backprop_program(), at={"x": x, "y": y})
    assert all(step.ok for step in trace.steps)
    assert trace.step("z4").expected_before["z3"] == pytest.approx(forward(x, y)["z7"], rel=1e-9, abs=1e-12)


_OPS = (("add", 2), ("sub", 2), ("mul", 2), ("sin", 1), ("tanh", 1), ("exp", 1))


@st.composite
def small_programs(draw):
    """Random DAGs over two inputs with reuse and diamonds (values stay in every op's domain)."""
    nodes = [Node("x", INPUT, (), draw(st.floats(-1.0, 1.0))), Node("y", INPUT, (), draw(st.floats(-1.0, 1.0)))]
    for k in range(draw(st.integers(2, 7))):
        op, arity = draw(st.sampled_from(_OPS))
        names = [n.name for n in nodes]
        operands = tuple(draw(st.sampled_from(names)) for _ in range(arity))
        if op == "exp":
            op = "sin"  # keep values of order 1 so tolerances mean something
        nodes.append(Node(f"n{k}", op, operands))
    return Program(tuple(nodes), nodes[-1].name)


@settings(max_examples=20, deadline=None)
@given(small_programs())
def test_trace_state_is_what_grad_before_means(program):
    trace = trace_program(program)
    assert all(step.ok for step in trace.steps)
    graph = SymbolicGraph(program)
    values = graph.values()
    ledger = GradLedger(program, graph)  # as the trace prints it
    full = GradLedger(program, graph, placeholders=False)  # as claims evaluate it
    assert tuple(step.node for step in trace.steps) == ledger.schedule
    for step in trace.steps:
        for name in program.names:
            arrived = full.arrived(name, before=step.node)
            assert step.expected_before[name] == pytest.approx(graph.evaluate(arrived, values), rel=1e-9, abs=1e-12)
            assert step.pending[name] == ledger.pending(name, before=step.node)
            assert step.symbolic_before[name] == text(ledger.arrived(name, before=step.node))
    adjoints = graph.adjoint_values(values)
    last = trace.steps[-1]
    for name in ledger.schedule:
        assert last.grads_before[name] == pytest.approx(adjoints[name], rel=1e-9, abs=1e-12)


def test_behind_a_kink_the_engines_subgradient_is_accepted_as_check_accepts_it():
    # relu at 0: the engine takes the partial 0, the chain rule's Heaviside(0) gives ½
    program = parse_expression("relu(3*x)*y + x*y")
    trace = trace_program(program, at={"x": 0.0, "y": 2.0})
    assert trace.ok and trace.report.ok
    last = trace.steps[-1]
    assert last.node == "x" and last.expected_before["x"] == pytest.approx(2 + 3 * 2 * 0.5)
    assert last.grads_before["x"] == pytest.approx(2.0)
    assert set(last.kink_excused) == {"x", "z1"}  # z1 = 3*x sits between x and the kink too
    assert all(step.ok for step in trace.steps)


def test_behind_a_kink_a_grad_matching_neither_convention_still_fails(monkeypatch):
    real_build = symcheck.numeric.build.build_graph

    def build_with_wrong_relu(program, at=None):
        scalars = real_build(program, at)
        scalars["z2"].partials = (5.0,)  # neither 0 nor ½
        return scalars

    monkeypatch.setattr(symcheck.tracing, "build_graph", build_with_wrong_relu)  # the graph the trace runs
    program = parse_expression("relu(3*x)*y + x*y")
    trace = trace_program(program, at={"x": 0.0, "y": 2.0}, report=None)
    assert not trace.steps[-1].ok and trace.steps[-1].kink_excused == ()
    assert not trace.ok


def test_a_partial_sympy_evaluates_only_as_a_limit_agrees_with_check():
    # sympy's ∂(0**x)/∂x is nan at x = 2; check uses its limit 0 and flags it, the trace follows
    trace = trace_program(parse_expression("0**x*y"), at={"x": 2.0, "y": 1.0})
    assert trace.ok and all(step.ok for step in trace.steps)
    last = trace.steps[-1]
    assert last.node == "x" and last.expected_before["x"] == 0.0 and last.grads_before["x"] == 0.0
    assert [f.kind for f in trace.report.flags] == ["domain"]


def test_a_partial_with_no_value_and_no_limit_is_accepted_as_check_accepts_it():
    trace = trace_program(parse_expression("x**x"), at={"x": 0.0})
    assert trace.ok
    last = trace.steps[-1]
    assert math.isnan(last.expected_before["x"]) and last.kink_excused == ("x",)


# -- each step refers to the trace's shared lists (linear in the graph) -----------------------------


@settings(max_examples=40, deadline=None)
@given(programs(ops=("add", "mul", "sin", "exp", "sum", "softmax"), max_nodes=9))
def test_every_steps_sums_and_pending_consumers_are_the_ledgers(program) -> None:
    trace = trace_program(program)
    graph = SymbolicGraph(program)
    ledger = GradLedger(program, graph)
    # A large upstream adjoint is written as the symbol D(f, node): evaluate it at its value
    adjoints = graph.adjoint_values(graph.values())
    upstream = {sympy.Symbol(f"D(f, {name})", real=True): sympy.Float(value) for name, value in adjoints.items()}
    for step in trace.steps:
        for name in step.symbolic_before:
            assert step.pending[name] == ledger.pending(name, before=step.node)
            written = step.symbolic_before[name]
            terms = trace.terms[name][: step.symbolic_before.counts[name]]
            assert written == join_terms(terms)
            expected = ledger.arrived(name, before=step.node).xreplace(upstream)
            assert math.isclose(step.expected_before[name], graph.evaluate(expected, trace_values(trace)),
                                rel_tol=1e-9, abs_tol=1e-12)


def trace_values(trace) -> dict:
    return {r.name: r.value for r in trace.report.nodes}


def hub(consumers: int) -> Program:
    """x feeds every node of a chain of `consumers` nodes: its partial sum grows by one term a step."""
    lines = ["x = 0.3", "a0 = sin(x)"] + [f"a{i} = sin(a{i - 1}) * x" if i % 2 else f"a{i} = a{i - 1} + x"
                                            for i in range(1, consumers)]
    return parse_program("\n".join(lines) + "\n")


@pytest.mark.slow
def test_trace_json_grows_linearly_with_a_node_that_has_many_consumers() -> None:
    import json

    sizes = [len(json.dumps(trace_program(hub(n)).to_json())) for n in (450, 900)]
    # Version 1 repeated x's pending consumers and its growing sum at every step: 4× for 2× the graph.
    assert sizes[1] < 2.3 * sizes[0], sizes
    data = trace_program(hub(450)).to_json()
    before_last = next(s for s in data["steps"] if s["node"] == "a1")
    assert before_last["arrived"]["x"] == 448 == len(data["terms"]["x"]) - 2  # all but a1's and a0's
    assert before_last["pending"]["x"] == 2 and data["consumers"]["x"][-2:] == ["a1", "a0"]
    assert " + … + " in before_last["symbolic_before"]["x"]
