"""Cases that used to be silently wrong with exit 0 are now an error or correct.

A misspelt problem name checked a variable of that name; ``e`` and ``pi``
were inputs with made-up values; an input left out of ``--at`` took a value
that depended on its position; a second ``--at`` replaced the first; and no
header said when the point was symcheck's own choice.
"""

from __future__ import annotations

import io
import math

import pytest
from rich.console import Console

import symcheck
from symcheck.errors import InputError
from symcheck.parse import load_target, parse_expression, parse_program
from symcheck.parse.point import parse_points


def message(call, *args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def rendered(result) -> str:
    console = Console(width=100, color_system=None, record=True, file=io.StringIO())
    console.print(result)
    return console.export_text()


# -- TARGET ----------------------------------------------------------------------------


@pytest.mark.parametrize("typo", ["backprob", "bakcprop", "Backprop", "backpro", "backpropp"])
def test_a_problem_name_one_edit_away_is_an_error_with_the_name(typo: str) -> None:
    assert message(load_target, typo) == (
        f"'{typo}' is not a built-in problem or a file; did you mean 'backprop'? "
        "(`symcheck problems` lists the problems)")


def test_a_runnable_exercise_is_not_a_graph() -> None:
    assert message(load_target, "transformer") == (
        "'transformer' is a runnable exercise, not a graph to check; run it with `symcheck run transformer`; "
        "the graphs are: backprop")
    assert "did you mean `symcheck run gradient_descent`?" in message(load_target, "gradient_decent")


@pytest.mark.parametrize("name", ["x", "loss", "backward", "prop"])
def test_a_lone_name_far_from_every_problem_is_still_an_expression(name: str) -> None:
    program = load_target(name)
    assert [node.name for node in program.inputs] == [name]


# -- e and pi ----------------------------------------------------------------------------


def test_e_and_pi_are_constants_in_an_expression() -> None:
    program = parse_expression("e**x + pi*x")
    assert [node.name for node in program.inputs] == ["x"]
    assert [node.inputs for node in program.nodes[1:]] == [(math.e, "x"), (math.pi, "x"), ("z1", "z2")]


def test_the_derivative_of_e_to_the_x_is_written_with_e_and_pi() -> None:
    report = symcheck.check("e**x + pi*x", at={"x": 1.0})
    assert report.ok
    assert report.node("x").grad_symbolic == "pi + exp(x)"
    assert report.node("x").grad == pytest.approx(math.e + math.pi, rel=1e-12)


def test_a_program_may_still_assign_e_and_then_it_is_an_input() -> None:
    program = parse_program("e = 0.5\nx = 2.0\nz1 = e * x\nz2 = z1 + pi\n")
    assert [(node.name, node.value) for node in program.inputs] == [("e", 0.5), ("x", 2.0)]
    assert program.node("z2").inputs == ("z1", math.pi)


def test_a_program_using_e_before_assigning_it_is_told_so() -> None:
    assert "e is used on line 2 but assigned on line 3" in message(parse_program, "x = 1.0\nz1 = e * x\ne = 2.0\n")


# -- the point ----------------------------------------------------------------------------


def test_with_no_point_the_header_says_it_is_the_default() -> None:
    assert rendered(symcheck.check("x*y")).splitlines()[0] == (
        "check f = z1 at the default point x = 0.7, y = 1.3  (rtol 1e-06, atol 1e-09)")
    assert rendered(symcheck.trace("x*y")).splitlines()[0] == (
        "trace f = z1 at the default point x = 0.7, y = 1.3: 3 backward steps")
    assert rendered(symcheck.check(lambda a, b: a * b)).splitlines()[0].startswith(
        "check f = z1 at the default point a = 0.7, b = 1.3")


def test_a_program_s_own_values_and_given_ones_are_not_called_default() -> None:
    assert rendered(symcheck.check("backprop")).splitlines()[0].startswith("check f = z8 at x = 1.5, y = 0.5 ")
    assert rendered(symcheck.check("x*y", at="x=2,y=3")).splitlines()[0].startswith("check f = z1 at x = 2, y = 3 ")


def test_a_point_that_leaves_out_inputs_names_them() -> None:
    assert message(symcheck.check, "x*y*z", at={"x": 2.0}) == (
        "at= leaves out the inputs y, z, which have no values of their own; give every input a value, "
        "e.g. at={'x': 2, 'y': 1.3, 'z': 0.4} (or leave out at= for the default point)")
    assert message(symcheck.check, lambda a, b: a * b, at={"a": 2.0}) == (
        "at= leaves out the parameter b, which has no value of its own; give every parameter a value, "
        "e.g. at={'a': 2, 'b': 1.3} (or leave out at= for the default point)")


def test_a_program_s_inputs_with_values_of_their_own_may_be_left_out() -> None:
    assert symcheck.check("backprop", at={"x": 2.0}).inputs == {"x": 2.0, "y": 0.5}


def test_several_at_options_add_up() -> None:
    assert parse_points(["x=1.5", "y=0.5,z=2"]) == {"x": 1.5, "y": 0.5, "z": 2.0}
    assert message(parse_points, ["x=1.5", "y=1,x=2"]) == (
        "--at gives x twice (x=1.5 and x=2); give each input once (several --at options add up)")
