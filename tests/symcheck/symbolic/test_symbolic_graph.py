"""The symbolic layer: local partials from forward meanings, adjoints in three forms."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from render_samples import homework
from symcheck.errors import InputError
from symcheck.ir import INPUT, Node, Program
from symcheck.symbolic.opkind import exact_number, op_kind
from symcheck.render.formulas import adjoint_latex, latex, text
from symcheck.symbolic.graph import SymbolicGraph


def single(op: str, *inputs, index=None) -> Program:
    return Program((Node("a", INPUT, (), 0.7), Node("b", INPUT, (), 1.3), Node("z1", op, inputs, index=index)), "z1")


@pytest.fixture(scope="module")
def graph() -> SymbolicGraph:
    return SymbolicGraph(homework())


def test_homework_node_symbol_forms_are_golden(graph: SymbolicGraph) -> None:
    assert text(graph.adjoint("z3")) == "z7 + z3*cos(z4)"
    assert text(graph.adjoint("z4")) == "z3*cos(z4)"
    assert text(graph.adjoint("z5")) == "z3"
    assert text(graph.adjoint("z8")) == "1"


def test_homework_chain_rule_form_runs_over_consumers_latest_first(graph: SymbolicGraph) -> None:
    assert graph.chain_rule_text("z3") == "∂f/∂z8·∂z8/∂z3 + ∂f/∂z4·∂z4/∂z3"
    assert graph.chain_rule_latex("z3") == (
        r"\frac{\partial f}{\partial z_{8}} \frac{\partial z_{8}}{\partial z_{3}} + "
        r"\frac{\partial f}{\partial z_{4}} \frac{\partial z_{4}}{\partial z_{3}}"
    )
    assert latex(graph.chain_rule("z3")) == graph.chain_rule_latex("z3")
    assert graph.chain_rule_text("z8") == "1"


def test_latex_of_adjoint_and_names(graph: SymbolicGraph) -> None:
    assert latex(graph.adjoint("z3")) == r"z_{7} + z_{3} \cos{\left(z_{4} \right)}"
    assert adjoint_latex("z3") == r"\frac{\partial f}{\partial z_{3}}"


def test_expanded_form_is_in_the_inputs_only(graph: SymbolicGraph) -> None:
    x, y = sympy.symbols("x y", real=True)
    expanded = graph.expanded(graph.adjoint("z3"))
    assert expanded.free_symbols == {x, y}
    assert sympy.simplify(expanded - (sympy.sin(x * y + x) + sympy.exp(y) + x * y * sympy.cos(x * y + x))) == 0


def test_adjoint_values_match_hand_calculation(graph: SymbolicGraph) -> None:
    x, y = 1.5, 0.5
    adjoints = graph.adjoint_values(graph.values())
    # f = (sin(xy + x) + e^y)·xy
    dfdx = math.cos(x * y + x) * (y + 1) * x * y + (math.sin(x * y + x) + math.exp(y)) * y
    dfdy = (math.cos(x * y + x) * x + math.exp(y)) * x * y + (math.sin(x * y + x) + math.exp(y)) * x
    assert adjoints["x"] == pytest.approx(dfdx, rel=1e-14)
    assert adjoints["y"] == pytest.approx(dfdy, rel=1e-14)
    assert adjoints["z3"] == pytest.approx(x * y * math.cos(x * y + x) + math.exp(y) + math.sin(x * y + x), rel=1e-14)
    assert adjoints["z8"] == 1.0


@settings(max_examples=25, deadline=None)
@given(st.floats(0.1, 3.0), st.floats(-2.0, 2.0))
def test_node_by_node_adjoints_equal_the_printed_forms_evaluated(x: float, y: float) -> None:
    graph = SymbolicGraph(homework(x, y))
    values = graph.values()
    adjoints = graph.adjoint_values(values)
    for name in graph.program.names:
        assert graph.evaluate(graph.adjoint(name), values) == pytest.approx(adjoints[name], rel=1e-12, abs=1e-12)


def test_derivative_between_nodes(graph: SymbolicGraph) -> None:
    assert text(graph.derivative("z7", "z4")) == "cos(z4)"
    assert graph.derivative("z6", "z4") == 0  # z4 is not an ancestor of z6
    assert text(graph.local_partial("z8", "z3")) == "z7"
    assert graph.local_partial("z8", "x") == 0


def test_sigmoid_derivative_prints_as_sigma_one_minus_sigma_in_the_nodes_own_name() -> None:
    graph = SymbolicGraph(single("sigmoid", "a"))
    partial = graph.local_partial("z1", "a")
    assert text(partial) == "z1*(1 - z1)"
    assert "cosh" not in text(partial)
    assert latex(partial) == r"z_{1} \left(1 - z_{1}\right)"
    assert text(graph.expanded(partial)) == "(1 - sigmoid(a))*sigmoid(a)"


def test_a_local_partial_names_the_nodes_own_forward_meaning() -> None:
    assert text(SymbolicGraph(single("tanh", "a")).local_partial("z1", "a")) == "1 - z1**2"
    assert text(SymbolicGraph(single("exp", "a")).local_partial("z1", "a")) == "z1"
    assert text(SymbolicGraph(single("sin", "a")).local_partial("z1", "a")) == "cos(a)"


def _softmax_pair() -> Program:
    """z1, z2 = softmax(a, b); f = a*z1 + z2."""
    return Program(
        (
            Node("a", INPUT, (), 0.3),
            Node("b", INPUT, (), -0.2),
            Node("z1", "softmax", ("a", "b"), index=0),
            Node("z2", "softmax", ("a", "b"), index=1),
            Node("z3", "mul", ("a", "z1")),
            Node("z4", "add", ("z3", "z2")),
        ),
        "z4",
    )


def test_softmax_partials_read_as_s_times_delta_minus_s() -> None:
    graph = SymbolicGraph(_softmax_pair())
    assert text(graph.local_partial("z1", "a")) == "z1*(1 - z1)"
    assert text(graph.local_partial("z1", "b")) == "-z1*z2"
    assert text(graph.adjoint("a")) == "z1 - z1*z2 + a*z1*(1 - z1)"
    assert r"\operatorname{softmax}_{0}\left(a, b\right)" in latex(graph.local_partial("z1", "a").subs(
        graph.symbol("z1"), graph.forward("z1")))
    s0, s1 = (math.exp(0.3) / (math.exp(0.3) + math.exp(-0.2)), math.exp(-0.2) / (math.exp(0.3) + math.exp(-0.2)))
    adjoints = graph.adjoint_values(graph.values())
    assert adjoints["a"] == pytest.approx(s0 + 0.3 * s0 * (1 - s0) - s0 * s1, rel=1e-14)
    assert adjoints["b"] == pytest.approx(s1 * (1 - s1) - 0.3 * s0 * s1, rel=1e-14)


def test_a_softmax_component_that_is_no_node_keeps_its_index() -> None:
    graph = SymbolicGraph(single("softmax", "a", "b", index=0))
    assert text(graph.local_partial("z1", "b")) == "-z1*softmax(1, a, b)"
    expanded = graph.expanded(graph.local_partial("z1", "b"))  # in the inputs: the exponentials themselves
    assert sympy.simplify(expanded + sympy.exp(graph.symbol("a") + graph.symbol("b"))
                          / (sympy.exp(graph.symbol("a")) + sympy.exp(graph.symbol("b"))) ** 2) == 0


def test_reuse_sums_over_both_positions() -> None:
    graph = SymbolicGraph(single("mul", "a", "a"))
    assert text(graph.local_partial("z1", "a")) == "2*a"
    assert graph.adjoint_values(graph.values())["a"] == pytest.approx(1.4)


def test_diamond_adds_both_paths() -> None:
    program = Program(
        (
            Node("a", INPUT, (), 0.7),
            Node("b", "sin", ("a",)),
            Node("c", "cos", ("a",)),
            Node("d", "mul", ("b", "c")),
        ),
        "d",
    )
    graph = SymbolicGraph(program)
    assert text(graph.adjoint("a")) == "-b*sin(a) + c*cos(a)"
    assert graph.chain_rule_text("a") == "∂f/∂c·∂c/∂a + ∂f/∂b·∂b/∂a"
    assert graph.adjoint_values(graph.values())["a"] == pytest.approx(math.cos(1.4), rel=1e-14)


def test_constants_become_exact_numbers() -> None:
    assert exact_number(2.0) == 2 and exact_number(0.5) == sympy.Rational(1, 2)
    assert exact_number(0.1) == sympy.Rational(1, 10)
    assert isinstance(exact_number(1 / 3), sympy.Float)
    assert text(SymbolicGraph(single("mul", "a", 0.5)).forward("z1")) == "a/2"
    graph = SymbolicGraph(single("pow", "a", 3.0))
    assert text(graph.local_partial("z1", "a")) == "3*a**2"


def test_kinds_are_derived_once_and_shared() -> None:
    first, _ = op_kind(Node("z1", "sin", ("a",)))
    second, names = op_kind(Node("z9", "sin", ("q",)))
    assert first is second and names == ("q",)


@pytest.mark.parametrize(
    "op, inputs, index, expected",
    [
        ("tanh", ("a",), None, 1 - math.tanh(0.7) ** 2),
        ("log", ("a",), None, 1 / 0.7),
        ("sqrt", ("a",), None, 0.5 / math.sqrt(0.7)),
        ("div", ("a", "b"), None, 1 / 1.3),
        ("pow", ("a", "b"), None, 1.3 * 0.7**0.3),
        ("logsumexp", ("a", "b"), None, math.exp(0.7) / (math.exp(0.7) + math.exp(1.3))),
        ("softmax", ("a", "b"), 1, -math.exp(2.0) / (math.exp(0.7) + math.exp(1.3)) ** 2),
        ("dot", ("a", "b", "b", "a"), None, 2 * 1.3),
        ("mean", ("a", "b", "a"), None, 2 / 3),
    ],
)
def test_op_table_partials_at_a_point(op: str, inputs: tuple, index, expected: float) -> None:
    graph = SymbolicGraph(single(op, *inputs, index=index))
    assert graph.adjoint_values(graph.values())["a"] == pytest.approx(expected, rel=1e-13)


def test_domain_edge_raises_input_error_naming_node_and_op() -> None:
    graph = SymbolicGraph(single("log", "a"))
    with pytest.raises(InputError) as info:
        graph.values({"a": -1.0})
    assert "z1" in str(info.value) and "log" in str(info.value)


def test_kinks_flag_relu_at_zero_with_conventions() -> None:
    graph = SymbolicGraph(single("relu", "a"))
    flags = graph.kinks(graph.values({"a": 0.0}))
    assert [(f.node, f.kind) for f in flags] == [("z1", "nondifferentiable")]
    assert "subgradient 0" in flags[0].message and "Heaviside(0) = ½" in flags[0].message
    assert graph.kinks(graph.values({"a": 0.3})) == []
