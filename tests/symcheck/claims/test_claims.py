"""Tests for symcheck.claims and symcheck.claim_eval: claims proved by sympy or decided by sampling."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from homework import backprop_program
from symcheck.claims.decide import decide, prove_equal, written_half_unit
from symcheck.claims import check_claims, claim_text, judge_claim
from symcheck.compare import check_program
from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.parse import parse_claim, parse_program
from symcheck.symbolic.graph import SymbolicGraph


@pytest.fixture(scope="module")
def homework():
    return backprop_program()


def z7_at(x: float, y: float) -> float:
    return math.sin(x * y + x) + math.exp(y)


def test_grad_before_z4_is_z7(homework):
    verdict = judge_claim(homework, "grad(z3, before=z4) == z7")
    assert verdict.holds and verdict.method == "symbolic"
    assert verdict.lhs_symbolic == "z7" and verdict.rhs_symbolic == "z7"
    assert verdict.lhs_value == pytest.approx(z7_at(1.5, 0.5), rel=1e-12)
    assert verdict.message == "holds: both sides simplify to z7"


def test_grad_before_z4_is_not_yet_the_full_adjoint(homework):
    verdict = judge_claim(homework, "grad(z3, before=z4) == z7 + z3*D(z7, z3)")
    assert not verdict.holds and verdict.method == "symbolic"
    assert verdict.rhs_symbolic == "z7 + z3*cos(z4)"
    expected_rhs = z7_at(1.5, 0.5) + 0.75 * math.cos(2.25)
    assert verdict.rhs_value == pytest.approx(expected_rhs, rel=1e-12)
    assert "z3.grad before z4._backward() holds z7 = 2.42679" in verdict.message
    assert "the term z3*D(z7, z3) arrives only when z4._backward() runs" in verdict.message


def test_homework_1_3_7_chain_rule_through_z5(homework):
    verdict = judge_claim(homework, "D(f, z4) == D(f, z5) * D(z5, z4)")
    assert verdict.holds and verdict.method == "symbolic"
    assert verdict.lhs_symbolic == "z3*cos(z4)"


@pytest.mark.parametrize("text", ["∂f/∂z3 == z7 + z3*cos(z4)", "df/dz3 == z7 + z3*cos(z4)", "D(z8, z3) == z7 + z3*cos(z4)"])
def test_the_full_adjoint_of_z3(homework, text):
    verdict = judge_claim(homework, text)
    assert verdict.holds and verdict.method == "symbolic"
    assert verdict.lhs_value == pytest.approx(z7_at(1.5, 0.5) + 0.75 * math.cos(2.25), rel=1e-12)


def test_a_proof_in_the_inputs(homework):
    verdict = judge_claim(homework, "z8 == (sin(x*y + x) + exp(y)) * x * y")
    assert verdict.holds and verdict.method == "symbolic"
    assert "in the inputs" in verdict.message


def test_only_numerically_true_reports_numeric():
    # log(xy) = log x + log y only for positive x, y: sympy (real symbols) cannot prove it.
    program = parse_program("x = 1.5\ny = 0.5\nf = log(x * y)\n")
    verdict = judge_claim(program, "f == log(x) + log(y)")
    assert verdict.holds and verdict.method == "numeric"
    assert "sympy could not prove it" in verdict.message
    assert "6 points: the given one and 5 random points" in verdict.message


def test_a_claim_true_only_at_the_point_names_where_it_fails(homework):
    verdict = judge_claim(homework, "z3 == z1 * 0.5")  # z2 = y = 0.5 here, but z3 is z1*z2 elsewhere
    assert not verdict.holds
    assert verdict.lhs_value == pytest.approx(0.75) and verdict.rhs_value == pytest.approx(0.75)
    assert "not as an identity" in verdict.message and "x = " in verdict.message


def test_a_wrong_value_states_both_values(homework):
    verdict = judge_claim(homework, "D(f, x) == 2")
    assert not verdict.holds and verdict.method == "numeric"
    assert verdict.rhs_value == 2.0 and verdict.rhs_symbolic == "2"
    assert f"D(f, x) is {verdict.lhs_value:.10g}, which does not match 2 (taken as exact;" in verdict.message


@pytest.mark.parametrize("text", ["D(f, y) == 4.17004", "grad(z3, before=z4) == 2.42679", "-0.47113 == ∂f/∂z4",
                                  "z3 == 0.75", "D(f, y) == 4.170037328844"])
def test_a_number_side_is_a_value_at_the_point_to_the_digits_written(homework, text):
    verdict = judge_claim(homework, text)
    assert verdict.holds and verdict.method == "numeric"
    assert verdict.message.startswith("holds at the point x = 1.5, y = 0.5: ")
    assert "a number is compared at the point, not as an identity" in verdict.message


def test_a_value_claim_shows_the_number_as_typed_and_its_tolerance(homework):
    verdict = judge_claim(homework, "D(f, y) == 4.17004")
    assert verdict.rhs_symbolic == "4.17004"  # not 104251/25000
    assert "D(f, y) is 4.170037329, which matches 4.17004 to the digits written (±5e-06)" in verdict.message
    near_miss = judge_claim(homework, "D(f, y) == 4.17005")
    assert not near_miss.holds and near_miss.method == "numeric"
    assert "which does not match 4.17005 to the digits written (±5e-06)" in near_miss.message


def test_a_short_number_is_exact_not_rounded(homework):
    verdict = judge_claim(homework, "D(f, x) == 0.5")  # D(f, x) = 0.5067: 0.5 would be a wrong answer
    assert not verdict.holds
    assert "a number with at least 3 significant digits is read as rounded, e.g. 0.506702" in verdict.message
    assert judge_claim(homework, "D(f, x) == 0.507").holds


def test_a_value_claim_moves_with_the_point(homework):
    assert not judge_claim(homework, "z3 == 0.75", at={"x": 2.0, "y": 0.5}).holds
    assert judge_claim(homework, "z3 == 1.0", at={"x": 2.0, "y": 0.5}).holds


def test_an_integer_is_exact_and_an_identity_with_a_number_is_still_proved(homework):
    assert not judge_claim(homework, "D(f, x) == 1").holds  # 0.5067 is not 1: integers get no rounding
    verdict = judge_claim(homework, "D(z4, z3) == 1")
    assert verdict.holds and verdict.method == "symbolic"


@pytest.mark.parametrize(("written", "half_unit"), [("4.17004", 5e-6), ("2.50e-3", 5e-6), ("0.00123", 5e-6),
                                                     ("1_000.5", 0.05), ("2.00", 0.005), ("0.5", None),
                                                     ("4.2", None), ("3.", None), ("2", None), ("1e2", None)])
def test_written_half_unit(written, half_unit):
    assert written_half_unit(written) == (pytest.approx(half_unit) if half_unit else None)


def test_a_side_without_a_real_value_is_named_with_the_claims_location():
    program = parse_program("x = -2.0\ny = x * x\n# claim: log(x) == 1.5\n", source="p.sc")
    with pytest.raises(InputError) as caught:
        check_claims(program, check_program(program))
    assert str(caught.value) == ("p.sc:3:10: the left side log(x) has no real value at x = -2; "
                                 "choose another point with --at")


def test_nothing_has_arrived_before_the_first_step(homework):
    verdict = judge_claim(homework, "grad(z3, before=z8) == 0")
    assert verdict.holds and verdict.lhs_symbolic == "0"
    wrong = judge_claim(homework, "grad(z3, before=z8) == z7")
    assert not wrong.holds and "nothing has arrived yet" in wrong.message
    assert "z8._backward()" in wrong.message


def test_grad_before_its_own_step_is_the_adjoint(homework):
    assert judge_claim(homework, "grad(z1, before=z1) == D(f, z1)").holds
    assert judge_claim(homework, "grad(f, before=z4) == 1").holds


def test_the_point_moves_the_values_not_the_verdict(homework):
    verdict = judge_claim(homework, "grad(z3, before=z4) == z7", at={"x": -0.4, "y": 1.1})
    assert verdict.holds and verdict.lhs_value == pytest.approx(z7_at(-0.4, 1.1), rel=1e-12)


def test_unknown_node_is_an_input_error(homework):
    with pytest.raises(InputError):
        judge_claim(homework, "D(f, z42) == 1")


def test_grad_before_a_node_without_a_step_is_an_input_error():
    program = parse_program("x = 0.4\nunused = exp(x)\ny = sin(x)\n")
    with pytest.raises(InputError, match="has no backward step") as caught:
        judge_claim(program, "grad(x, before=unused) == 0")
    assert "y, x" in str(caught.value)


def test_program_claims_are_checked_with_their_locations(homework):
    program = backprop_program()  # its claims: "D(f, z4) == D(f, z5) * D(z5, z4)", "grad(z3, before=z4) == z7"
    verdicts = check_claims(program, check_program(program))
    assert [v.holds for v in verdicts] == [True, True]
    assert verdicts[1].claim == "grad(z3, before=z4) == z7"


def test_a_bad_program_claim_points_at_its_line():
    text = "x = 0.4\nunused = exp(x)\ny = sin(x)\n# claim: grad(x, before=unused) == 0\n"
    program = parse_program(text, source="dead.sc")
    with pytest.raises(InputError, match="no backward step") as caught:
        check_claims(program, check_program(Program(program.nodes, program.output)))
    assert caught.value.location is not None
    assert (caught.value.location.file, caught.value.location.line) == ("dead.sc", 4)


def test_prove_equal_gives_up_past_the_size_guard(homework):
    graph = SymbolicGraph(homework)
    z4 = graph.symbol("z4")
    lhs, rhs = sympy.sin(z4) ** 2 + sympy.cos(z4) ** 2, sympy.Integer(1)
    proved, reason = prove_equal(lhs, rhs, graph, ops_limit=0)
    assert proved is None and "more than the 0 terms" in reason
    decision = decide(lhs, rhs, graph, {"x": 1.5, "y": 0.5}, ops_limit=0)
    assert decision.holds and decision.method == "numeric" and decision.points == 6
    assert prove_equal(lhs, rhs, graph) == (True, "simplify")


def test_claim_text_prints_what_was_parsed(homework):
    equation = parse_claim("grad(z3, before=z4) == z7 - (z3 + 1)*D(z7, z3)**2", homework)
    assert claim_text(equation.lhs) == "grad(z3, before=z4)"
    assert claim_text(equation.rhs) == "z7 - (z3 + 1)*D(z7, z3)**2"


@settings(max_examples=10, deadline=None)
@given(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))
def test_homework_answers_hold_at_any_point(x, y):
    program = backprop_program()
    at = {"x": x, "y": y}
    assert judge_claim(program, "grad(z3, before=z4) == z7", at=at).holds
    # They differ by z3·cos(z4), which is not 0 throughout any neighbourhood.
    assert not judge_claim(program, "grad(z3, before=z4) == z7 + z3*D(z7, z3)", at=at).holds


def test_prove_equal_gives_up_when_out_of_time(homework):
    graph = SymbolicGraph(homework)
    z5 = graph.symbol("z5")
    lhs, rhs = sympy.sin(3 * z5), 3 * sympy.sin(z5) - 4 * sympy.sin(z5) ** 3
    proved, reason = prove_equal(lhs, rhs, graph, seconds=1e-5)
    assert proved is None and "did not finish" in reason


def test_a_claim_that_cannot_be_evaluated_anywhere_near_is_an_input_error():
    program = parse_program("x = -1.0\ny = x * x\n")
    with pytest.raises(InputError, match=r"the left side log\(x\) has no real value at x = -1 \(nor at points near it\)"):
        judge_claim(program, "log(x) == y")


def test_a_claim_true_only_at_a_domain_edge_fails_nearby():
    program = parse_program("x = 0.0\ny = x * x\n")
    verdict = judge_claim(program, "sqrt(x) == x")
    assert not verdict.holds and verdict.lhs_value == 0.0
    assert "not as an identity" in verdict.message


def test_claims_use_full_adjoints_even_where_the_trace_abbreviates():
    text = "x = 0.3\na0 = x\n" + "".join(f"a{i} = sin(a{i - 1}) + x\n" for i in range(1, 30))
    program = parse_program(text)
    verdict = judge_claim(program, "grad(x, before=a5) == grad(x, before=a6) + D(f, a6)")
    assert verdict.holds and verdict.method == "symbolic"
    assert "D(f" not in verdict.lhs_symbolic and verdict.lhs_value is not None


def test_a_value_at_a_kink_names_the_convention():
    program = parse_program("x = 0.0\ny = relu(x)\n")
    verdict = judge_claim(program, "D(f, x) == 0.5")
    assert verdict.holds and verdict.method == "numeric"
    assert "note: relu(x) at x = 0 is not differentiable" in verdict.message
    assert "note:" not in judge_claim(program, "D(f, x) == D(y, x)").message  # an identity needs no convention


@pytest.mark.slow
def test_a_failure_decided_by_sampling_names_the_point_and_stays_short():
    text = "x = 0.3\na0 = x\n" + "".join(f"a{i} = sin(a{i - 1}) + x\n" for i in range(1, 200))
    verdict = judge_claim(parse_program(text), "D(f, x) == D(f, a1)*(1 + 1e-12*x)")  # too big to prove
    assert not verdict.holds and verdict.method == "numeric"
    assert verdict.message.startswith("fails at the point x = 0.3: ")  # with or without a diagnosis, by its budget
    assert len(verdict.message) < 800
    assert "more consumers of x" in verdict.message or "the left side D(f, x) is " in verdict.message


def test_claim_text_keeps_softmaxs_component_index():
    program = parse_program("a = 1.0\nb = 2.0\ns = softmax(1, a, b)\n")
    equation = parse_claim("s == softmax(1, a, b) + dot([a, b], [b, a])", program)
    assert claim_text(equation.rhs) == "softmax(1, a, b) + dot(a, b, b, a)"
    verdict = judge_claim(program, "s == softmax(1, a, b) + 1")
    assert "softmax(1, a, b) + 1 is" in verdict.message and "softmax(a, b)" not in verdict.message


def test_a_claim_through_a_partial_sympy_cannot_evaluate_names_it_and_checks_values():
    from symcheck.parse import parse_expression

    program = parse_expression("0**x*y")
    with pytest.raises(InputError) as caught:
        judge_claim(program, "D(f, x) == 0", at={"x": 2.0, "y": 1.0})
    message = str(caught.value)
    assert "has no symbolic value at x = 2, y = 1" in message
    assert "∂z1/∂x = 0**x·log(0)" in message and "sympy's limit there is 0" in message
    assert "no real value" not in message
