"""A failing node that no input reaches is named as a constant expression, whatever the target kind."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import symcheck
from symcheck.ir import upstream
from symcheck.parse.writeback import expression_text
from symcheck.symbolic.constants import constant_error
from symcheck.errors import InputError
from symcheck.ir import INPUT, Node, Program
from symcheck.parse import parse_expression

HINT = "no input reaches it, so no --at can help: change the constant"

ENTRY_POINTS: list[Callable[[Any], Any]] = [
    symcheck.check,
    symcheck.trace,
    lambda target: symcheck.claim(target, "D(f, x) == 1"),
    symcheck.graph,
]


def error_of(entry: Callable[[Any], Any], target: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        entry(target)
    return caught.value


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10**400*x", "<expression>:1:3: the constant expression 10**400 is too large for a float"),
        ("x + exp((2*3)**4)", "<expression>:1:5: the constant expression exp((2*3)**4) is too large for a float"),
        ("x*log(0 - 1)", "<expression>:1:3: the constant expression log(0 - 1) is outside log's domain"),
        ("x*(-8)**(1/3)", "<expression>:1:7: the constant expression (-8)**(1/3) is outside pow's domain"),
        ("x*0**-1", "<expression>:1:4: the constant expression 0**(-1) is outside pow's domain"),
    ],
)
def test_a_failing_constant_in_text_is_named_not_blamed_on_the_point(entry: Callable, text: str, message: str) -> None:
    assert str(error_of(entry, text)) == f"{message}; {HINT}"


def built(*nodes: Node) -> Program:
    """A Program made in Python (no source text): x, the given nodes, and f = x * c."""
    return Program((Node("x", INPUT, (), 1.5), *nodes, Node("f", "mul", ("x", "c"))), "f")


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    ("program", "message"),
    [
        (built(Node("c", "pow", (0.0, -1.0))), "the constant expression 0**(-1) is outside pow's domain"),
        (built(Node("m", "sub", (0.0, 1.0)), Node("c", "log", ("m",))),
         "the constant expression log(0 - 1) is outside log's domain"),
        (built(Node("c", "pow", (10.0, 400.0))), "the constant expression 10**400 is too large for a float"),
        (built(Node("p", "pow", (10.0, 400.0)), Node("c", "mul", ("p", 0.0))),
         "the constant expression 10**400 is too large for a float"),
    ],
)
def test_a_failing_constant_in_a_python_program_is_named_with_its_node(
    entry: Callable, program: Program, message: str
) -> None:
    error = error_of(entry, program)
    assert str(error) == f"node {error.node}: {message}; {HINT}"
    assert error.node in ("c", "p") and "choose another point" not in str(error)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_domain_edge_an_input_reaches_still_suggests_another_point(entry: Callable) -> None:
    error = error_of(entry, "x*log(x - 2)")
    assert error.node == "z2" and "choose another point with --at" in str(error)
    assert "constant expression" not in str(error)


def test_constants_that_fit_a_float_check_fine() -> None:
    assert symcheck.check("x*10**-400 + 2**10").ok
    assert symcheck.check("exp(x)*10**300", at={"x": -1.0}).ok


def test_constant_error_is_none_when_an_input_reaches_the_node() -> None:
    program = parse_expression("x*log(0 - 1)")
    assert upstream(program, "z3") == {"x", "z1", "z2", "z3"}
    assert constant_error(program, "z3") is None
    error = constant_error(program, "z2")
    assert error is not None and error.node == "z2"


@pytest.mark.parametrize(
    ("text", "name", "shown"),
    [("x*(2 - 3)**2", "z2", "(2 - 3)**2"), ("x*-(2*3)", "z2", "-(2*3)"), ("x*(2**3)**2", "z2", "(2**3)**2"),
     ("x*2**-1", "z1", "2**(-1)"), ("x*sin(1/2)", "z2", "sin(1/2)")],
)
def test_constant_text_writes_the_expression_back(text: str, name: str, shown: str) -> None:
    assert expression_text(parse_expression(text), name, spaced=False, short_numbers=True) == shown
