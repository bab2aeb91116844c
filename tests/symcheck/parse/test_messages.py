"""Messages for the slips a student makes, each pointing the right way (golden strings).

Every case here once led somewhere wrong: ``z3.grad`` got advice about
``math.exp``, ``z3.grad before z4`` a suggestion to write ``grad*before``,
``f(x, y) = …`` a suggestion to write ``==``, the handout's ``x3`` a "did you
mean 'x'", ``max(x, 0)`` a "did you mean 'softmax'", and ``ln`` nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import symcheck
from symcheck import ops
from symcheck.errors import InputError
from symcheck.parse import load_target, parse_expression, parse_program
from symcheck.parse.suggest import close_matches, edit_distance

SUPPORTED = ("supported: exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, sum, dot, mean, logsumexp, softmax, "
             "leaky_relu, elu, gelu, gelu_tanh, softplus, silu, square, reciprocal, max, min")


@pytest.fixture(autouse=True)
def builtin_ops_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ops other tests registered would change the "supported: ..." lists."""
    monkeypatch.setattr(ops, "OPS", {name: ops.OPS[name] for name in ops.BUILTIN_OPS})


def message(call, *args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


# -- claims ---------------------------------------------------------------------------


def test_a_grad_attribute_in_a_claim_says_which_two_things_it_could_mean() -> None:
    assert message(symcheck.claim, "backprop", "z3.grad == z7") == (
        "<claim>:1:1: 'z3.grad' is not something a claim can read; write grad(z3, before=NODE) for the value "
        "before a step, or D(f, z3) for the final gradient")


def test_the_handout_s_words_grad_before_become_the_claim_syntax() -> None:
    assert message(symcheck.claim, "backprop", "z3.grad before z4 == z7") == (
        "<claim>:1:1: 'z3.grad before z4' is not claim syntax; write grad(z3, before=z4): "
        "z3.grad right before z4._backward() runs")


def test_grad_before_words_in_a_program_s_claim_line_point_into_the_file() -> None:
    text = "x = 1.5\nz1 = x * x\nz2 = sin(z1)\n# claim: z1.grad before z2 == cos(z1)\n"
    assert message(parse_program, text, source="hw.sc") == (
        "hw.sc:4:10: 'z1.grad before z2' is not claim syntax; write grad(z1, before=z2): "
        "z1.grad right before z2._backward() runs")


def test_the_handout_s_x3_is_z3_not_x() -> None:
    assert message(symcheck.claim, "backprop", "D(f, x3) == z7") == (
        "<claim>:1:6: unknown node 'x3'; did you mean 'z3'? nodes: x, y, z1, z2, z3, z4, z5, z6, z7, z8 (f is z8)")


@pytest.mark.parametrize("attribute, hint", [
    ("z3.data", "write z3 for its value"),
    ("z4.backward", "a claim speaks of the moment before a step: grad(NODE, before=z4)"),
])
def test_other_attributes_of_a_node(attribute: str, hint: str) -> None:
    assert message(symcheck.claim, "backprop", f"{attribute} == z7").endswith(hint)


# -- programs and expressions --------------------------------------------------------


def test_a_handout_s_function_definition_says_write_f_equals() -> None:
    text = "x = 1.5\ny = 0.5\nf(x, y) = x * sin(y)\n"
    assert message(parse_program, text, source="hw.sc") == (
        "hw.sc:3:1: 'f(x, y) = …' defines a function, but a program line assigns a name; write `f = …`: "
        "the inputs are the names bound to numbers (x = 1.5), and the last assignment is the output")


def test_a_function_definition_as_a_target_gets_the_same_message() -> None:
    assert "write `f = …`" in message(load_target, "f(x, y) = x*y")


@pytest.mark.parametrize("text, hint", [
    ("ln(x)", "did you mean 'log'? (log is the natural logarithm)"),
    ("ReLU(x)", "did you mean 'relu'?"),
    ("log10(x)", "write log(x)/log(10)"),
    ("tan(x)", "write sin(x)/cos(x)"),
])
def test_functions_the_ops_can_express(text: str, hint: str) -> None:
    name = text.split("(")[0]
    after = " " if hint.endswith("?") else "; "
    assert message(parse_expression, text) == f"<expression>:1:1: unknown function '{name}'; {hint}{after}{SUPPORTED}"


def test_max_and_min_of_two_are_ops_of_their_own() -> None:
    program = parse_expression("max(x, 0) + min(x, y)")
    assert [node.op for node in program.nodes if not node.is_input] == ["max", "min", "add"]


def test_a_misspelt_function_still_gets_the_closest_name() -> None:
    assert message(parse_expression, "sine(x)") == f"<expression>:1:1: unknown function 'sine'; did you mean 'sin'? {SUPPORTED}"


def test_a_module_s_function_is_called_by_its_name() -> None:
    assert message(parse_expression, "math.exp(x)") == (
        "<expression>:1:1: attribute access 'math.exp' is not supported; call the function by its name alone, "
        "e.g. exp(x)")


# -- near misses ------------------------------------------------------------------------


def test_a_numbered_name_prefers_the_same_number() -> None:
    assert close_matches("x3", ["x", "y", "z1", "z2", "z3", "z4"]) == ["z3"]
    assert close_matches("w12", ["w1", "w2", "b12", "w12x"]) == ["b12"]
    assert close_matches("z4", ["x4", "y4"]) == ["x4"]  # equally near: the first in the program's order


def test_an_undefined_name_in_a_program_prefers_the_same_number() -> None:
    text = "x = 1.0\ny = 2.0\nz1 = x\nz2 = y\nz3 = z1 * z2\nz4 = x3 + z1\n"
    assert "did you mean 'z3'?" in message(parse_program, text)


@given(st.text("abcxyz", max_size=6), st.text("abcxyz", max_size=6))
def test_edit_distance_is_a_distance(a: str, b: str) -> None:
    assert edit_distance(a, b) == edit_distance(b, a)
    assert (edit_distance(a, b) == 0) == (a == b)
    assert edit_distance(a, b) <= max(len(a), len(b))
    assert edit_distance(a, a + "q") == 1
