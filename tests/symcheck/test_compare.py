"""The three-witness comparator: verdicts, failures, first divergence, kinks, size."""

from __future__ import annotations

import math
import random

import pytest

from render_samples import homework
from symcheck.claims import with_claims
from symcheck.compare import check_program
from symcheck.errors import InputError
from symcheck.ir import INPUT, Claim, Node, Program


def test_homework_all_three_witnesses_agree() -> None:
    report = check_program(homework())
    assert report.ok and report.failures == [] and report.first_divergence is None
    assert [r.name for r in report.nodes] == list(homework().names)
    z3 = report.node("z3")
    expected = math.sin(2.25) + math.exp(0.5) + 0.75 * math.cos(2.25)
    assert z3.grad == pytest.approx(expected, rel=1e-12)
    assert z3.grad_expected == pytest.approx(expected, rel=1e-15)
    assert z3.grad_fd == pytest.approx(expected, rel=1e-8)
    assert z3.grad_symbolic == "z7 + z3*cos(z4)"
    assert z3.chain_rule == "∂f/∂z8·∂z8/∂z3 + ∂f/∂z4·∂z4/∂z3"
    assert z3.grad_expanded == "x*y*cos(x + x*y) + exp(y) + sin(x + x*y)"
    assert z3.chain_rule_latex.startswith(r"\frac{\partial f}{\partial z_{8}}")
    assert report.node("z4").grad_symbolic == "z3*cos(z4)"
    assert report.inputs == {"x": 1.5, "y": 0.5}
    assert "every node" in report.fd_strategy


def test_at_moves_the_point() -> None:
    report = check_program(homework(), at={"x": 0.2})
    assert report.inputs == {"x": 0.2, "y": 0.5} and report.ok
    assert report.node("z8").value == pytest.approx((math.sin(0.2 * 0.5 + 0.2) + math.exp(0.5)) * 0.1)


def test_wrong_engine_grads_are_caught_with_the_first_divergence() -> None:
    good = check_program(homework())
    grads = {r.name: r.grad_expected for r in good.nodes}
    grads["z4"] = -grads["z4"]  # a wrong sin step: the sign of cos flipped
    for upstream in ("z3", "z1", "z2", "x", "y"):
        grads[upstream] += 0.1
    report = check_program(homework(), engine_grads=grads)
    assert not report.ok
    assert report.first_divergence == "z4"
    assert {f.node for f in report.failures} == {"z4", "z3", "z1", "z2", "x", "y"}
    assert all(f.kind == "mismatch" for f in report.failures)
    assert report.failures[0].node == "z4"  # worst first: off by 2·0.471
    assert "engine 0.471130217," in report.failures[0].message
    assert "symbolic -0.471130217," in report.failures[0].message
    assert not report.node("z4").ok and report.node("z5").ok


def test_tolerances_are_options() -> None:
    grads = {r.name: r.grad_expected * (1 + 1e-4) for r in check_program(homework()).nodes}
    assert not check_program(homework(), engine_grads=grads).ok
    assert check_program(homework(), engine_grads=grads, rtol=1e-3).ok


def relu_at_zero_times_b() -> Program:
    """f = relu(a) * b at a = 0 (on relu's kink), b = 0.8."""
    return Program(
        (
            Node("a", INPUT, (), 0.0),
            Node("b", INPUT, (), 0.8),
            Node("r", "relu", ("a",)),
            Node("f", "mul", ("r", "b")),
        ),
        "f",
    )


def test_relu_at_zero_is_flagged_not_failed() -> None:
    program = relu_at_zero_times_b()
    report = check_program(program)
    assert report.ok and report.failures == []
    assert [(f.node, f.kind) for f in report.flags] == [("r", "nondifferentiable")]
    assert "finite differences give ½" in report.flags[0].message
    a = report.node("a")
    assert (a.grad, a.grad_expected) == (0.0, pytest.approx(0.4))
    assert a.grad_fd == pytest.approx(0.4, rel=1e-8)


def test_domain_edge_cannot_be_checked() -> None:
    program = Program((Node("a", INPUT, (), 0.0), Node("l", "log", ("a",))), "l")
    with pytest.raises(InputError) as info:
        check_program(program)
    assert "'l'" in str(info.value) and "log" in str(info.value)


def test_the_comparator_leaves_claims_to_the_claims_package() -> None:
    program = homework(claims=(Claim("D(f, z4) == D(f, z5) * D(z5, z4)"), Claim("D(f, z3) == z7")))
    report = check_program(program)
    assert report.claims == [] and report.ok
    judged = with_claims(report)
    assert [v.holds for v in judged.claims] == [True, False] and not judged.ok
    assert judged.nodes is report.nodes and report.claims == []  # a new report; the comparator's is unchanged


def _big(size: int, seed: int = 1) -> Program:
    rng = random.Random(seed)
    nodes = [Node(f"x{i}", INPUT, (), rng.uniform(0.3, 1.2)) for i in range(10)]
    for k in range(size - 11):
        recent = [n.name for n in nodes[-10:]]
        op = rng.choice(("sin", "tanh", "sigmoid", "add", "mul", "mean"))
        operands = (rng.choice(recent),) if op in ("sin", "tanh", "sigmoid") else tuple(rng.sample(recent, 2))
        nodes.append(Node(f"z{k + 1}", op, operands))
    nodes.append(Node("f", "sum", tuple(n.name for n in nodes[-5:])))
    return Program(tuple(nodes), "f")


@pytest.mark.slow
def test_two_thousand_nodes_with_all_three_witnesses() -> None:
    program = _big(2000)
    report = check_program(program)
    assert len(report.nodes) == 2000 and report.ok
    assert report.node("x0").grad_fd is not None
    assert report.node("z1000").grad_symbolic is None  # forms are only printed for small graphs
    assert report.node("z1000").chain_rule is not None


def test_a_broken_engine_is_found_on_a_big_graph_even_when_sampling() -> None:
    program = _big(400)
    grads = {r.name: r.grad_expected for r in check_program(program, forms=False).nodes}
    grads["z300"] += 1.0
    report = check_program(program, engine_grads=grads, forms=False, fd_budget=2000)
    assert report.first_divergence == "z300"
    assert report.node("z300").grad_fd is not None  # suspects get a finite difference first
    assert "of 400 nodes" in report.fd_strategy


def test_behind_a_kink_an_engine_matching_neither_convention_still_fails() -> None:
    program = relu_at_zero_times_b()
    grads = {"a": 0.4, "b": 0.0, "r": 0.8, "f": 1.0}  # sympy's ½ convention: accepted
    assert check_program(program, engine_grads=grads).ok
    grads["a"] = 0.7
    report = check_program(program, engine_grads=grads)
    assert report.first_divergence == "a" and [f.node for f in report.failures] == ["a"]


def test_forms_of_a_diamond_ladder_are_capped_not_exponential() -> None:
    nodes = [Node("a", INPUT, (), 0.3)]
    previous = "a"
    for k in range(19):
        nodes += [Node(f"b{k}", "sin", (previous,)), Node(f"c{k}", "cos", (previous,)), Node(f"d{k}", "add", (f"b{k}", f"c{k}"))]
        previous = f"d{k}"
    report = check_program(Program(tuple(nodes), previous))
    assert report.ok
    assert report.node(previous).grad_symbolic == "1"
    assert report.node("a").grad_symbolic is None  # its tree would have ~2^19 terms
    assert report.node("a").chain_rule == "∂f/∂c0·∂c0/∂a + ∂f/∂b0·∂b0/∂a"


def _chain(x: float, *nodes: tuple) -> Program:
    """x, then (name, op, inputs) nodes; the last is the output."""
    return Program((Node("x", INPUT, (), x), *(Node(n, op, ins) for n, op, ins in nodes)), nodes[-1][0])


@pytest.mark.parametrize(
    "program",
    [
        _chain(1.5, ("z1", "add", ("x", 1e8)), ("z2", "sub", ("z1", 1e8))),  # cancellation: f = x
        _chain(1.5, ("z1", "add", ("x", 1e15)), ("z2", "sub", ("z1", 1e15))),
        _chain(3.0, ("z1", "mul", ("x", 1e8)), ("z2", "sin", ("z1",))),  # step too coarse for the period
        _chain(3.0, ("z1", "exp", ("x",)), ("z2", "exp", ("z1",))),  # f''' large
        _chain(1.5, ("z1", "pow", ("x", 50.0))),
    ],
    ids=["x+1e8-1e8", "x+1e15-1e15", "sin(1e8x)", "exp(exp(x))", "x**50"],
)
def test_an_ill_conditioned_finite_difference_is_no_false_alarm(program: Program) -> None:
    report = check_program(program)
    assert report.ok, report.failures
    for r in report.nodes:  # the difference is still taken and within its own error estimate
        assert r.grad_fd is not None
        assert abs(r.grad_fd - r.grad_expected) <= 1e-5 * abs(r.grad_expected) + 1e-7 + (r.grad_fd_error or 0.0)


def test_cancellation_carries_its_error_estimate() -> None:
    report = check_program(_chain(1.5, ("z1", "add", ("x", 1e8)), ("z2", "sub", ("z1", 1e8))))
    x = report.node("x")
    assert x.grad_fd_error is not None and 1e-6 < x.grad_fd_error < 1e-1  # rounding: ~ε·1e8/h
    assert report.node("z2").grad_fd_error is None  # the output needs no difference


def test_a_wrong_finite_difference_with_a_small_error_estimate_still_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from symcheck import ops

    broken = replace(ops.OPS["sin"], numeric=lambda a: 2.0 * math.sin(a))  # a broken FD witness
    monkeypatch.setitem(ops.OPS, "sin", broken)
    report = check_program(homework())
    assert not report.ok
    assert report.failures[0].node in {"z4", "z3", "z1", "z2", "x", "y"}
    assert "the finite difference disagrees" in report.failures[0].message


@pytest.mark.parametrize("option", [{"rtol": -1e-6}, {"atol": math.nan}, {"rtol": math.inf}])
def test_a_tolerance_that_is_no_finite_number_at_least_0_is_an_input_error(option: dict) -> None:
    with pytest.raises(InputError, match="not a finite number ≥ 0"):
        check_program(homework(), **option)


# -- a local partial sympy cannot evaluate where the node has a value ----------------


def test_zero_to_the_x_takes_sympys_limit_and_flags_it() -> None:
    # sympy's ∂(0**x)/∂x = 0**x·log(0) is nan at x = 2; the derivative of 0**x (x > 0) is 0
    from symcheck.parse import parse_expression

    report = check_program(parse_expression("0**x*y"), at={"x": 2.0, "y": 1.0})
    x = report.node("x")
    assert x.grad_expected == 0.0 and x.grad == 0.0 and x.grad_fd == 0.0 and x.ok
    [flag] = report.flags
    assert (flag.node, flag.op, flag.kind) == ("z1", "pow", "domain")
    assert flag.message.startswith("∂z1/∂x = 0**x·log(0) has no value at x = 2 (sympy)")
    assert "sympy's limit there is 0" in flag.message and "finite differences 0" in flag.message
    assert report.ok
    flags = report.to_json()["flags"]
    assert flags[0]["kind"] == "domain" and flags[0]["node"] == "z1"


def test_a_wrong_engine_behind_a_limit_is_still_a_mismatch() -> None:
    from symcheck.parse import parse_expression

    grads = {"x": 5.0, "y": 0.0, "z1": 1.0, "z2": 1.0}
    report = check_program(parse_expression("0**x*y"), at={"x": 2.0, "y": 1.0}, engine_grads=grads)
    assert not report.ok and report.failures[0].node == "x"
    assert [f.kind for f in report.flags] == ["domain"]


def test_both_partials_of_a_power_at_base_zero_take_their_limits() -> None:
    # ∂(x**y)/∂x = x**y·y/x and ∂/∂y = x**y·log(x) are both 0/0-like at x = 0; their limits are 0
    from symcheck.parse import parse_expression

    report = check_program(parse_expression("x**y*3"), at={"x": 0.0, "y": 2.0})
    assert report.ok and {f.kind for f in report.flags} == {"domain"}
    assert [f.message.split(" has")[0] for f in report.flags] == ["∂z1/∂x = x**y·y/x", "∂z1/∂y = x**y·log(x)"]
    assert report.node("x").grad_expected == 0.0 and report.node("y").grad_expected == 0.0


def test_a_partial_with_no_limit_leaves_the_node_without_a_symbolic_value_and_says_so() -> None:
    # ∂(x**x)/∂x = x**x·(log(x) + 1) → -∞ as x → 0+; no finite difference exists either
    from symcheck.parse import parse_expression

    report = check_program(parse_expression("x**x"), at={"x": 0.0})
    x = report.node("x")
    assert x.grad_expected is None and x.grad_fd is None
    [flag] = report.flags
    assert flag.kind == "domain" and "sympy's limit does not decide it" in flag.message
    assert "nothing confirms or refutes the engine" in flag.message


def test_kinks_are_not_also_domain_flags() -> None:
    report = check_program(Program([Node("x", INPUT, ()), Node("z1", "relu", ("x",))], "z1"), at={"x": 0.0})
    assert [f.kind for f in report.flags] == ["nondifferentiable"]
