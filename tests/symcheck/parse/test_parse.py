"""symcheck.parse: the two text forms, their errors (golden strings), caps, --at and targets."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homework import BACKPROP_TEXT
from symcheck import ops
from symcheck.parse import syntax
from symcheck.errors import InputError
from symcheck.ir import SourceLocation
from symcheck.parse import load_target, parse_expression, parse_point, parse_program


@pytest.fixture(autouse=True)
def builtin_ops_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ops other tests registered would change the golden "supported: ..." lists."""
    monkeypatch.setattr(ops, "OPS", {name: ops.OPS[name] for name in ops.BUILTIN_OPS})


def shape(program):
    return [(n.name, n.op, n.inputs) for n in program.nodes]


def error_of(parse, text: str, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        parse(text, **kwargs)
    return caught.value


# -- bare expressions -------------------------------------------------------------


def test_expression_nodes_in_evaluation_order() -> None:
    program = parse_expression("x*y*(exp(y) + sin(x*y + x))")
    assert shape(program) == [
        ("x", "input", ()), ("y", "input", ()),
        ("z1", "mul", ("x", "y")), ("z2", "exp", ("y",)), ("z3", "mul", ("x", "y")),
        ("z4", "add", ("z3", "x")), ("z5", "sin", ("z4",)), ("z6", "add", ("z2", "z5")),
        ("z7", "mul", ("z1", "z6")),
    ]
    assert program.output == "z7"
    assert [n.value for n in program.inputs] == [None, None]


def test_expression_constants_are_operands_and_minus_folds_into_numbers() -> None:
    assert shape(parse_expression("x**2 - 3*x + -x * -2.5")) == [
        ("x", "input", ()), ("z1", "pow", ("x", 2.0)), ("z2", "mul", (3.0, "x")),
        ("z3", "sub", ("z1", "z2")), ("z4", "neg", ("x",)), ("z5", "mul", ("z4", -2.5)),
        ("z6", "add", ("z3", "z5")),
    ]


def test_expression_locations_point_at_operators_and_calls() -> None:
    program = parse_expression("  x * sin(y)")
    assert program.node("z1").location == SourceLocation("<expression>", 1, 7, "  x * sin(y)")
    assert program.node("z2").location == SourceLocation("<expression>", 1, 5, "  x * sin(y)")
    assert program.node("y").location.column == 11


def test_generated_names_skip_past_user_z_names() -> None:
    program = parse_expression("z1 * sin(z3)")
    assert shape(program)[2:] == [("z4", "sin", ("z3",)), ("z5", "mul", ("z1", "z4"))]


def test_bare_name_is_an_id_node() -> None:
    assert shape(parse_expression("x")) == [("x", "input", ()), ("z1", "id", ("x",))]


def test_n_ary_functions() -> None:
    program = parse_expression("dot([a, b], [c, 2]) + softmax(1, a, b) + sum(a, b, c) + mean(a) + logsumexp(a, b)")
    assert shape(program)[3:6] == [
        ("z1", "dot", ("a", "b", "c", 2.0)), ("z2", "softmax", ("a", "b")), ("z3", "add", ("z1", "z2")),
    ]
    assert program.node("z2").index == 1
    assert shape(parse_expression("dot(a, b, c, d)"))[-1] == ("z1", "dot", ("a", "b", "c", "d"))


def test_registered_ops_are_callable(monkeypatch: pytest.MonkeyPatch) -> None:
    import sympy

    ops.register_op("softplus_t", lambda x: sympy.log(1 + sympy.exp(x)))
    assert shape(parse_expression("softplus_t(x)"))[-1] == ("z1", "softplus_t", ("x",))
    assert "softplus_t" in str(error_of(parse_expression, "softplus_u(x)"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sine(x) + y", "<expression>:1:1: unknown function 'sine'; did you mean 'sin'? supported: exp, log, sqrt, "
                        "sin, cos, tanh, sigmoid, relu, abs, sum, dot, mean, logsumexp, softmax, leaky_relu, "
                        "elu, gelu, gelu_tanh, softplus, silu, square, reciprocal, max, min"),
        ("x^2", "<expression>:1:2: '^' is not a power operator; write '**' for powers, e.g. x**2"),
        ("2x + 1", "<expression>:1:1: implicit multiplication '2x' is not supported; write '2*x'"),
        ("y + 2(x+1)", "<expression>:1:5: implicit multiplication '2(' is not supported; write '2*('"),
        ("(x+1)(y)", "<expression>:1:5: implicit multiplication ')(' is not supported; write ')*('"),
        ("x(y+1)*x", "<expression>:1:1: implicit multiplication 'x(' is not supported; write 'x*(' "
                     "('x' is not a function)"),
        ("x y", "<expression>:1:1: implicit multiplication 'x y' is not supported; write 'x*y'"),
        ("x² + y", "<expression>:1:2: '²' (U+00B2) is not an operator; write '**2' for a power, e.g. x**2"),
        ("x × y", "<expression>:1:3: '×' (U+00D7) is not an operator; write '*' instead"),
        ("x·y", "<expression>:1:2: '·' (U+00B7) is not an operator; write '*' instead"),
        ("x − y", "<expression>:1:3: '−' (U+2212) is not an operator; write '-' instead"),
        ("∂x", "<expression>:1:1: '∂' is only allowed in claims; write derivatives in a claim, "
               "e.g. # claim: ∂f/∂z4 == ..."),
        ("x.real", "<expression>:1:1: attribute access not supported; call functions by name, "
                   "e.g. exp(x) rather than math.exp(x)"),
        ("x[0]", "<expression>:1:1: subscripts not supported; give each element its own name, e.g. x1, x2"),
        ("lambda: x", "<expression>:1:1: lambda not supported; write the expression itself"),
        ("'a' * x", "<expression>:1:1: strings are not supported; write numbers and names only"),
        ("x // y", "<expression>:1:3: operator '//' is not supported; use '/'"),
        ("True * x", "<expression>:1:1: boolean True is not a number; write 1.0 or 0.0"),
        ("sin(x, y)", "<expression>:1:1: sin() takes 1 argument, got 2; e.g. sin(a)"),
        ("exp(x=1)", "<expression>:1:5: exp() takes no keyword arguments; pass the arguments by position, "
                     "e.g. exp(x)"),
        ("sin + x", "<expression>:1:1: 'sin' is a function, not a value; call it, e.g. sin(x)"),
        ("sin(x", "<expression>:1:4: syntax error: '(' was never closed; add the missing closing bracket"),
        ("3 + 4", "<expression>:1:1: the expression has no variables, so there is nothing to differentiate; "
                  "use a name such as x, e.g. x**2"),
        ("x**5000", "<expression>:1:4: exponent 5000 is too large (the limit is ±1000); use exp and log, "
                    "or a smaller power"),
        ("1e999 * x", "<expression>:1:1: '1e999' is too large for a float; the largest float is about 1.8e308: "
                      "rescale it, or write it with exp and log"),
        ("x * 1e-999", "<expression>:1:5: '1e-999' is too small for a float: it would be 0; write 0 if 0 is meant; "
                       "the smallest float is about 5e-324"),
        ("x * 1j", "<expression>:1:5: complex numbers are not supported ('1j' is imaginary); use real numbers only"),
        ("x * х", "<expression>:1:5: 'х' (U+0445 CYRILLIC SMALL LETTER HA) in the name 'х' looks like the Latin 'x' "
                  "(U+0078 LATIN SMALL LETTER X) but is another letter; write the name with Latin letters ('x') or "
                  "pick a name that cannot be mistaken for one"),
        ("D(x, y)", "<expression>:1:1: D() is only allowed in claims; write it in a claim, "
                    "e.g. # claim: D(f, z4) == D(f, z5) * D(z5, z4)"),
        ("x / 0", "<expression>:1:5: division by the number 0; divide by a nonzero number or by an expression"),
        ("z₁ * x", "<expression>:1:2: '₁' (U+2081) is a subscript; write a plain '1', e.g. z1"),
        ("x ** ½", "<expression>:1:6: '½' (U+00BD) is not a number symcheck reads; write 0.5"),
        ("x * ٣", "<expression>:1:5: '٣' (U+0663) is not a number symcheck reads; write 3"),
        ("import os", "<expression>:1:1: 'import' statements are not supported; "
                      "a program is one 'name = expression' per line"),
        ("x = 1", "<expression>:1:1: an expression has no assignments; write a staged program "
                  "(one 'name = expression' per line) or the expression alone"),
    ],
)
def test_expression_errors_are_golden(text: str, message: str) -> None:
    assert str(error_of(parse_expression, text)) == message


def test_error_detail_shows_a_caret_under_the_mistake() -> None:
    error = error_of(parse_expression, "x*y + sine(x)")
    assert error.detail().splitlines()[1:] == ["    x*y + sine(x)", "          ^^^^"]


def test_huge_integer_literal_is_a_located_error() -> None:
    error = error_of(parse_expression, "x * " + "1" * 4400)
    assert str(error).split(":", 3)[3] == (" syntax error: a number has more than 4300 digits; "
                                           "write it as a float such as 1e300")
    assert error.location.line == 1


def test_syntax_error_columns_count_characters_not_bytes() -> None:
    assert error_of(parse_expression, "αβ + (x").location.column == 6


# -- staged programs --------------------------------------------------------------


def test_the_homework_program_round_trips() -> None:
    program = parse_program(BACKPROP_TEXT, source="backprop.sc")
    assert shape(program) == [
        ("x", "input", ()), ("y", "input", ()), ("z1", "id", ("x",)), ("z2", "id", ("y",)),
        ("z3", "mul", ("z1", "z2")), ("z4", "add", ("z3", "z1")), ("z5", "sin", ("z4",)),
        ("z6", "exp", ("z2",)), ("z7", "add", ("z5", "z6")), ("z8", "mul", ("z7", "z3")),
    ]
    assert [(n.name, n.value) for n in program.inputs] == [("x", 1.5), ("y", 0.5)]
    assert program.output == "z8"
    lines = BACKPROP_TEXT.splitlines()

    def line_of(start: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if line.startswith(start))

    assert program.node("z5").location == SourceLocation("backprop.sc", line_of("z5 ="), 6, "z5 = sin(z4)")
    assert program.node("z8").location.line == line_of("z8 =")  # a line with a trailing comment
    assert [(c.text, c.location.line, c.location.column) for c in program.claims] == [
        ("D(f, z4) == D(f, z5) * D(z5, z4)", line_of("# claim: D(f, z4)"), 10),
        ("grad(z3, before=z4) == z7", line_of("# claim: grad(z3"), 10),
    ]
    assert program.source == BACKPROP_TEXT


def test_program_subexpressions_are_named_after_their_line() -> None:
    program = parse_program("x = -2\nz4 = x\nz5 = sin(z4) * 2\nz1 = -z5\nh = tanh(x*x + z5)\nz5_2 = h\n")
    assert shape(program) == [
        ("x", "input", ()), ("z4", "id", ("x",)), ("z5_1", "sin", ("z4",)), ("z5", "mul", ("z5_1", 2.0)),
        ("z1", "neg", ("z5",)), ("h_1", "mul", ("x", "x")), ("h_2", "add", ("h_1", "z5")), ("h", "tanh", ("h_2",)),
        ("z5_2", "id", ("h",)),
    ]
    assert program.node("x").value == -2.0
    assert program.node("z5_1").location.column == 6


def test_a_derived_name_never_takes_a_name_the_user_wrote() -> None:
    program = parse_program("x = 1\nloss_1 = x + 1\nloss = 2*loss_1*x\n")
    assert program.names == ("x", "loss_1", "loss_2", "loss")


def test_inputs_come_first_wherever_they_are_assigned() -> None:
    program = parse_program("a = 1\nb = a * 2\nc = 3\nd = b + c\n")
    assert program.names == ("a", "c", "b", "d") and program.output == "d"


def test_a_node_named_f_is_the_output() -> None:
    assert parse_program("x = 1\nf = x * x\n# claim: D(f, x) == 2*x").output == "f"


PROGRAM_ERRORS = [
    ("x = 1\nz1 = x * q\n",
     "prog.sc:2:10: undefined name 'q'; define it first, e.g. q = 1.0 (defined so far: x)"),
    ("x = 1\nz1 = x\nz2 = z11 * 2\n",
     "prog.sc:3:6: undefined name 'z11'; did you mean 'z1'? or define it first, e.g. z11 = 1.0"),
    ("x = 1\nz1 = x * z2\nz2 = x\n",
     "prog.sc:2:10: z2 is used on line 2 but assigned on line 3; move the assignment of z2 above line 2"),
    ("x = 1\nz1 = z1 + x\n",
     "prog.sc:2:6: z1 is used in its own definition on line 2; use a new name for the result, e.g. z1_next"),
    ("x = 1\nz3 = x\nz3 = x * 2\n",
     "prog.sc:3:1: z3 is already defined on line 2; give each node its own name (every node is assigned once)"),
    ("x = 1\nsin = 3\n", "prog.sc:2:1: 'sin' is a function name and cannot be assigned; choose another name, "
                         "e.g. sin_1"),
    ("x = 1\nz1 = sine(x)\n",
     "prog.sc:2:6: unknown function 'sine'; did you mean 'sin'? supported: exp, log, sqrt, sin, cos, tanh, "
     "sigmoid, relu, abs, sum, dot, mean, logsumexp, softmax, leaky_relu, elu, gelu, gelu_tanh, softplus, silu, "
     "square, reciprocal, max, min"),
    ("x = 1\nz = 2x\n", "prog.sc:2:5: implicit multiplication '2x' is not supported; write '2*x'"),
    ("x = 1\nz = x^2\n", "prog.sc:2:6: '^' is not a power operator; write '**' for powers, e.g. x**2"),
    ("x = 1\nz1 = x\nimport os\n",
     "prog.sc:3:1: 'import' statements are not supported; a program is one 'name = expression' per line"),
    ("x = 1\nz1 += x\n", "prog.sc:2:1: augmented assignment is not supported; every node is assigned once: "
                         "write a new name, e.g. z2 = z1 + 1"),
    ("x = 1\nx * 2\n", "prog.sc:2:1: a program line must be an assignment; write name = expression "
                       "(the last assignment is the output)"),
    ("x = 1\n", "prog.sc:1:1: the output 'x' is an input (a bare number); the last assignment is the output: "
                "end with the expression to check"),
    ("x = 1\nz = x*2\n  w = z\n",
     "prog.sc:3:2: syntax error: unexpected indent; start every line at the first column"),
    ("x = 1\nf = x*2\nz = f + 1\n", "prog.sc:2:1: 'f' names the output in claims, but f is not the last "
                                    "assignment; rename this node or make it the last assignment"),
    ("x = 1\nz1 = x*x\n# claim: D(f, z2) == 2*x\n",
     "prog.sc:3:15: unknown node 'z2'; nodes: x, z1 (f is z1)"),
    ("", "prog.sc:1:1: the program has no assignments; write one 'name = expression' per line; "
         "the last one is the output"),
    ("x = 1\nz1 = x / 0.0\n", "prog.sc:2:10: division by the number 0; divide by a nonzero number or by an "
                              "expression"),
    ("x = 1\nz1 = sin(x)\n# claim D(f, x) == cos(x)\n",
     "prog.sc:3:9: a claim line needs a colon after 'claim'; write '# claim: ' before the claim "
     "(without the colon it is only a comment)"),
    ("x = 1\nz1 = sin(x)  # claim: D(f, x) == cos(x)\n",
     "prog.sc:2:14: a claim must be on a line of its own; move '# claim: ...' to its own line "
     "(after code it is only a comment)"),
]


@pytest.mark.parametrize(("text", "message"), PROGRAM_ERRORS)
def test_program_errors_are_golden(text: str, message: str) -> None:
    assert str(error_of(parse_program, text, source="prog.sc")) == message


def test_program_error_detail_points_into_the_line() -> None:
    error = error_of(parse_program, "x = 1\nz7 = x\nz8 = z7 × x\n", source="p.sc")
    assert error.detail() == (
        "p.sc:3:9: '×' (U+00D7) is not an operator; write '*' instead\n"
        "    z8 = z7 × x\n"
        "            ^"
    )


IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9]{0,3}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and n not in ops.OPS and n not in ("f", "D", "grad")
)
Z_NAMES = st.integers(min_value=1, max_value=30).map(lambda k: f"z{k}")


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(IDENTIFIERS, Z_NAMES), min_size=3, max_size=8, unique=True))
def test_generated_names_never_clash_with_user_names(names: list[str]) -> None:
    *inputs, out = names
    lines = [f"{name} = {i + 1}" for i, name in enumerate(inputs)]
    terms = " + ".join(f"sin({a} * {b})" for a, b in zip(inputs, inputs[1:] + inputs[:1]))
    lines.append(f"{out} = exp({terms}) * {inputs[0]}")
    program = parse_program("\n".join(lines))
    generated = [n for n in program.names if n not in names]
    assert len(set(program.names)) == len(program.names)
    assert program.output == out and len(generated) == 3 * len(inputs)
    assert generated == sorted(generated, key=lambda n: int(n.rsplit("_", 1)[1]))  # evaluation order
    assert all(n.startswith(f"{out}_") for n in generated)  # named after their line
    variables = [name for name in inputs if name not in ("e", "pi")]  # in an expression, those are constants
    if variables:
        expression = parse_expression(terms)
        assert [n.name for n in expression.inputs] == variables
        assert len(set(expression.names)) == len(expression.names)


# -- caps -------------------------------------------------------------------------


def test_text_longer_than_the_cap_is_refused_before_parsing() -> None:
    error = error_of(parse_expression, "x" * (syntax.MAX_TEXT_CHARS + 1))
    assert "characters long; the limit is" in str(error)


def test_too_many_syntax_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax, "MAX_SYNTAX_NODES", 50)
    error = error_of(parse_program, "\n".join(f"a{i} = {i}" for i in range(30)))
    assert str(error).startswith("<program>:1:1: the text has more than 50 syntax nodes")


def test_deep_nesting_is_an_input_error_not_a_crash() -> None:
    # Python 3.11's parser refuses this depth, 3.10's accepts it: either way no crash
    text = "x" + " + x" * 5000
    try:
        program = parse_expression(text)
    except InputError as error:
        assert "nested too deeply" in str(error)
    else:
        assert len(program.nodes) == 5001 and program.node(program.output).op == "add"


def test_name_length_is_capped() -> None:
    name = "a" * (syntax.MAX_NAME_CHARS + 1)
    assert str(error_of(parse_program, f"x = 1\n{name} = x * 2\n", source="p.sc")) == (
        f"p.sc:2:1: a name is {syntax.MAX_NAME_CHARS + 1} characters long; the limit is "
        f"{syntax.MAX_NAME_CHARS}; use a shorter name")
    assert parse_expression("a" * syntax.MAX_NAME_CHARS + " * 2").output == "z1"


def test_a_control_character_is_shown_escaped() -> None:
    assert str(error_of(parse_expression, "x\x1b[31m * y")) == (
        "<expression>:1:2: unexpected character '\\x1b' (U+001B); use names, numbers, ( ), commas and + - * / **")


def test_exponent_cap_counts_negative_exponents() -> None:
    assert "exponent -1001 is too large" in str(error_of(parse_expression, "x ** -1001"))
    assert shape(parse_expression("x ** -1000"))[-1] == ("z1", "pow", ("x", -1000.0))


# -- --at and targets -------------------------------------------------------------


def test_parse_point() -> None:
    assert parse_point("x=1.5,y=0.5") == {"x": 1.5, "y": 0.5}
    assert parse_point(" x = -2e-1 , y=+3 ") == {"x": -0.2, "y": 3.0}
    assert parse_point("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x=1.5,y=abc", "<--at>:1:9: 'abc' is not a number; write name=number pairs separated by commas, "
                        "e.g. x=1.5,y=0.5"),
        ("x=1,x=2", "<--at>:1:5: x is given twice; give each input once"),
        ("x=1,,y=2", "<--at>:1:5: expected name=number, got nothing; write name=number pairs separated by "
                     "commas, e.g. x=1.5,y=0.5"),
        ("x=−1", "<--at>:1:3: '−1' is not a number; write '-' for minus"),
        ("x=inf", "<--at>:1:3: 'inf' is not a finite number; use a finite number"),
        ("x=1,y=NaN", "<--at>:1:7: 'NaN' is not a finite number; use a finite number"),
        ("x=-Infinity", "<--at>:1:3: '-Infinity' is not a finite number; use a finite number"),
        ("x=1e400", "<--at>:1:3: '1e400' is too large for a float; the largest float is about 1.8e308: rescale it, "
                    "or write it with exp and log"),
        ("x=1e-400", "<--at>:1:3: '1e-400' is too small for a float: it would be 0; write 0 if 0 is meant; the "
                     "smallest float is about 5e-324"),
        ("x=١", "<--at>:1:3: '١' (U+0661) is not a number symcheck reads; write 1"),
        ("y=2,x=1" + "0" * 90_000 + "a", "<--at>:1:7: '10000000000000000000…0000000000000000000a' (90,002 characters) is "
                                         "not a number; write name=number pairs separated by commas, e.g. x=1.5,y=0.5"),
    ],
)
def test_parse_point_errors_are_golden(text: str, message: str) -> None:
    assert str(error_of(parse_point, text)) == message


def test_load_target_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prog.sc").write_text("a = 2\nb = a * a\n", encoding="utf-8")
    assert load_target("prog.sc").output == "b"
    assert load_target("x*y").output == "z1"
    assert load_target("a = 1; b = sin(a)").output == "b"
    assert str(error_of(load_target, "missing.sc")).startswith("no such file: 'missing.sc'")
    assert str(error_of(load_target, "./missing")).startswith("no such file: './missing'")
    assert load_target("x/y").node("z1").op == "div"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("sin(x, y=2)", "<expression>:1:8: sin() takes no keyword arguments"),
        ("(a := x) * 2", "<expression>:1:2: ':=' not supported"),
        ("grad(x, before=y)", "<expression>:1:1: grad() is only allowed in claims"),
    ],
)
def test_load_target_keyword_arguments_and_walrus_are_expressions(target: str, message: str) -> None:
    # An '=' inside brackets does not make the text a program ("a program line must be an assignment").
    assert str(error_of(load_target, target)).startswith(message)


def test_a_claim_line_is_found_whatever_its_case() -> None:
    program = parse_program("x = 1\nz1 = sin(x)\n# Claim: D(f, x) == cos(x)\n")
    assert [claim.text for claim in program.claims] == ["D(f, x) == cos(x)"]


def test_a_byte_order_mark_is_not_program_text() -> None:
    assert parse_program("\ufeffx = 1.5\nz1 = sin(x)\n").output == "z1"
    assert parse_expression("\ufeffx * y").output == "z1"


def test_load_target_builtin_problem_and_point() -> None:
    program = load_target("backprop", at={"x": 2.0})
    assert program.output == "z8" and program.node("x").value == 2.0 and program.node("y").value == 0.5
    assert len(program.claims) == 2


def test_load_target_point_must_name_inputs() -> None:
    assert str(error_of(load_target, "x*y", at={"xx": 1.0})) == (
        "at= names 'xx', which is not an input; did you mean 'x'? the inputs are: x, y")
    assert str(error_of(load_target, "x*y", at={"z1": 1.0})) == (
        "at= names 'z1', which is not an input (it is computed by mul); the inputs are: x, y")


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(IDENTIFIERS, st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=5))
def test_parse_point_round_trips_repr(point: dict[str, float]) -> None:
    assert parse_point(",".join(f"{name}={value!r}" for name, value in point.items())) == point


def test_constants_that_fit_a_float_and_nodes_an_input_reaches_load() -> None:
    assert load_target("x*10**-400 + 2**10").output == "z4"
    assert load_target("exp(x)*10**300").node("z2").inputs == (10.0, 300.0)
    assert load_target("log(x - 1)").names[-1] == "z2"  # a domain edge an --at can move away from
