"""symcheck.strategies: valid random programs, ag fuzzed against symcheck, shrinking to a reproducer."""

from __future__ import annotations

import pytest

import math

from hypothesis import HealthCheck, given, note, settings
from micrograd.engine import Value as MicrogradValue

from buggy_engines import make_engine
from symcheck.compare import check_program
from symcheck.engines import check_engine
from symcheck.parse.writeback import reproducer
from symcheck.engines.local_check import check_local_steps
from symcheck.parse import parse_expression
from symcheck.strategies import (
    ALL_OPS, MICROGRAD_OPS, Expression, build_ag, build_with, expressions, find_minimal_failure, programs,
)

FAST = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SOME
@given(programs(ops=ALL_OPS, max_nodes=10))
def test_generated_programs_are_valid_and_away_from_kinks_and_domain_edges(program) -> None:
    values = {node.name: node.value for node in program.nodes}
    for node in program.nodes:
        assert math.isfinite(node.value) and abs(node.value) <= 50
        first = node.inputs[0] if node.inputs else None
        a = values[first] if isinstance(first, str) else first
        if node.op in ("relu", "abs"):
            assert abs(a) >= 0.1
        if node.op in ("log", "sqrt"):
            assert a >= 0.2
    used = {o for node in program.nodes for o in node.inputs if isinstance(o, str)}
    assert all(node.name in used for node in program.nodes if node.name != program.output)


@pytest.mark.slow
@SOME
@given(expressions(ops=ALL_OPS))
def test_expressions_parse_back_to_the_same_value(expression: Expression) -> None:
    note(expression.reproducer)
    parsed = parse_expression(expression.text).with_inputs(dict(expression.at))
    report = check_program(parsed, forms=False)
    assert math.isclose(report.node(parsed.output).value, expression.program.node(expression.program.output).value,
                        rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.slow
@FAST
@given(programs(ops=ALL_OPS, max_nodes=12))
def test_fuzz_ag_local_steps_against_sympy(program) -> None:
    note(reproducer(program) or str(program.nodes))
    output = build_ag(program)
    result = check_local_steps(output)
    assert result.failures == []
    assert result.worst_relative_error < 1e-6  # relative to max(|partial|) + atol


@pytest.mark.slow
@MANY
@given(programs(ops=ALL_OPS, max_nodes=8))
def test_fuzz_ag_gradients_against_symbolic_and_finite_differences(program) -> None:
    note(reproducer(program) or str(program.nodes))
    report = check_program(program, forms=False)
    assert report.ok, report.failures


@pytest.mark.slow
@MANY
@given(programs(ops=MICROGRAD_OPS, max_nodes=8))
def test_fuzz_micrograd_against_symcheck(program) -> None:
    note(reproducer(program) or str(program.nodes))
    report = check_engine(build_with(program, MicrogradValue), forms=False)
    assert report.ok, report.failures


@pytest.mark.slow
def test_a_buggy_engine_shrinks_to_a_minimal_failing_expression() -> None:
    found = find_minimal_failure(make_engine("mul"), ops=("add", "mul", "tanh"), max_examples=300)
    assert found is not None
    expression, report = found
    assert expression.program.node(expression.program.output).op == "mul"
    assert len([n for n in expression.program.nodes if not n.is_input]) == 1
    assert expression.reproducer.startswith("symcheck check '")
    assert repr(expression) == f"Expression(text={expression.text!r}, at={dict(expression.at)!r})"  # no Program dump
    assert [(f.op, f.kind) for f in report.failures][0] == ("*", "local")


def test_a_correct_engine_has_no_failing_example() -> None:
    assert find_minimal_failure(make_engine(None), ops=MICROGRAD_OPS, max_examples=60) is None

