"""The claim language: typed AST, sugar with columns kept, golden errors."""

from __future__ import annotations

import pytest

from homework import backprop_program
from symcheck import ops
from symcheck.parse.claim_ast import (
    ADJOINT,
    EVERY_PATH,
    LOCAL,
    BinOp,
    Call,
    Derivative,
    GradBefore,
    LocalPartial,
    Neg,
    Num,
    Reading,
    Ref,
)
from symcheck.errors import InputError
from symcheck.ir import SourceLocation
from symcheck.parse import parse_claim, parse_program

PROGRAM = backprop_program()
TEXTBOOK_CHAIN = (Derivative("f", "z4"), BinOp("*", Derivative("f", "z5"), LocalPartial("z5", "z4")))
EXPLICIT_CHAIN = (Derivative("f", "z4"), BinOp("*", Derivative("f", "z5"), Derivative("z5", "z4")))


@pytest.fixture(autouse=True)
def builtin_ops_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ops other tests registered would change the golden "supported: ..." lists."""
    monkeypatch.setattr(ops, "OPS", {name: ops.OPS[name] for name in ops.BUILTIN_OPS})


def error_of(text: str, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_claim(text, PROGRAM, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D(f, z4) == D(f, z5) * D(z5, z4)", EXPLICIT_CHAIN),
        ("∂f/∂z4 == ∂f/∂z5 * ∂z5/∂z4", TEXTBOOK_CHAIN),
        ("df/dz4 == df/dz5 * dz5/dz4", TEXTBOOK_CHAIN),
        ("d f / d z4 == d f/d z5 * ∂ z5 / ∂ z4", TEXTBOOK_CHAIN),
        ("∂f/∂z4 == ∂f/∂z5 · ∂z5/∂z4", TEXTBOOK_CHAIN),
        ("∂f/∂z4 == ∂f/∂z5 × local(z5, z4)", TEXTBOOK_CHAIN),
        ("D(f, z4) == D(f, z5) * local(z5, z4)", TEXTBOOK_CHAIN),
    ],
)
def test_chain_rule_claim_in_every_spelling(text: str, expected: tuple) -> None:
    claim = parse_claim(text, PROGRAM)
    assert (claim.lhs, claim.rhs) == expected
    assert claim.text == text and claim.location == SourceLocation("<claim>", 1, 1, text)


@pytest.mark.parametrize(
    ("written", "expected", "kind"),
    [
        ("∂f/∂z3", Derivative("f", "z3"), ADJOINT),       # f: the adjoint
        ("∂z8/∂z3", LocalPartial("z8", "z3"), LOCAL),     # z3 is an operand of z8: the local partial, z7
        ("∂z8/∂z7", LocalPartial("z8", "z7"), LOCAL),
        ("∂z7/∂z3", Derivative("z7", "z3"), EVERY_PATH),  # not neighbours: along every path
        ("∂z3/∂z4", Derivative("z3", "z4"), EVERY_PATH),  # z4 does not feed z3: 0, along every (no) path
        ("dz5/dz4", LocalPartial("z5", "z4"), LOCAL),
        ("D(z8, z3)", Derivative("z8", "z3"), EVERY_PATH),  # D is along every path, always
        ("D(f, z3)", Derivative("f", "z3"), ADJOINT),
        ("local(z8, z3)", LocalPartial("z8", "z3"), LOCAL),
    ],
)
def test_the_textbook_notation_rule_and_how_each_partial_was_read(written: str, expected: object, kind: str) -> None:
    claim = parse_claim(f"{written} == 1", PROGRAM)
    assert claim.lhs == expected
    assert claim.readings == (Reading(written, kind, expected.of, expected.wrt),)  # type: ignore[attr-defined]


def test_a_value_relation_with_approx() -> None:
    claim = parse_claim("D(f, x) ≈ 0.507", PROGRAM)
    assert (claim.lhs, claim.rhs, claim.relation) == (Derivative("f", "x"), Num(0.507), "≈")
    assert claim.rhs.written == "0.507"  # type: ignore[attr-defined]
    assert str(error_of("D(f, x) ≈ ")) == "<claim>:1:9: '≈' needs a side on its left and on its right; " \
                                          "e.g. D(f, x) ≈ 0.507"
    assert str(error_of("D(f, x) ≈ 1 == 1")).startswith("<claim>:1:11: a claim compares exactly two sides")


def test_local_partials_need_an_operand() -> None:
    assert str(error_of("local(z8, z4) == 1")) == (
        "<claim>:1:1: z4 is not an operand of z8 = mul(z7, z3); a local partial is taken in an operand; "
        "D(z8, z4) is the derivative along every path")
    assert str(error_of("local(x, x) == 1")).startswith("<claim>:1:1: x is an input: it has no op")


def test_grad_before_and_arithmetic() -> None:
    claim = parse_claim("grad(z3, before=z4) == z7 + -2*z3**2 - -(x/1.5) + cos(z4)", PROGRAM)
    assert claim.lhs == GradBefore("z3", "z4")
    assert claim.rhs == BinOp(
        "+",
        BinOp("-", BinOp("+", Ref("z7"), BinOp("*", Num(-2.0), BinOp("**", Ref("z3"), Num(2.0)))),
              Neg(BinOp("/", Ref("x"), Num(1.5)))),
        Call("cos", (Ref("z4"),)),
    )


def test_n_ary_functions_in_claims() -> None:
    claim = parse_claim("softmax(1, x, y) == dot([x], [y])", PROGRAM)
    assert claim.lhs == Call("softmax", (Ref("x"), Ref("y")), 1)
    assert claim.rhs == Call("dot", (Ref("x"), Ref("y")))


def test_f_is_the_output_and_its_own_name_works() -> None:
    assert parse_claim("f == z8", PROGRAM).lhs == Ref("f")  # kept as written; the evaluator reads it as z8


def test_d_words_that_are_nodes_stay_a_division() -> None:
    program = parse_program("x = 1\ndx = x * 2\ndy = x + 1\nq = dx / dy\n")
    assert parse_claim("dx/dy == q", program).lhs == BinOp("/", Ref("dx"), Ref("dy"))
    assert parse_claim("d x / d q == 0", program).lhs == Derivative("x", "q")


def test_locations_inside_a_claim_line() -> None:
    line = "# claim: ∂f/∂z44 == 1"
    error = error_of("∂f/∂z44 == 1", location=SourceLocation("prog.sc", 7, 10, line))
    assert str(error) == "prog.sc:7:14: unknown node 'z44'; did you mean 'z4'? nodes: x, y, z1, z2, z3, z4, z5, " \
                         "z6, z7, z8 (f is z8)"
    assert error.detail().splitlines()[1:] == ["    # claim: ∂f/∂z44 == 1", "                 ^^^"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("D(f, z4)", "<claim>:1:1: a claim needs '==' between two sides; write LHS == RHS, "
                     "e.g. D(f, z4) == D(f, z5) * D(z5, z4)"),
        ("z3 = z4", "<claim>:1:4: a claim compares with '==', not '='; write e.g. D(f, z4) == D(f, z5) * D(z5, z4)"),
        ("D(f, z4) < 1", "<claim>:1:1: claims compare with '==' (or '≈' for a value), not '<'; "
                         "e.g. D(f, z4) == D(f, z5) * D(z5, z4)"),
        ("D(f, z4) == 1 == 1", "<claim>:1:1: a claim compares exactly two sides; write one '==' per claim; "
                               "split chains into several claims"),
        ("D(f, zz4) == 1", "<claim>:1:6: unknown node 'zz4'; did you mean 'z4'? nodes: x, y, z1, z2, z3, z4, z5, "
                           "z6, z7, z8 (f is z8)"),
        ("df/dz44 == 0", "<claim>:1:5: unknown node 'z44'; did you mean 'z4'? nodes: x, y, z1, z2, z3, z4, z5, "
                         "z6, z7, z8 (f is z8)"),
        ("grad(z33, before=z4) == z7", "<claim>:1:6: unknown node 'z33'; did you mean 'z3'? nodes: x, y, z1, z2, "
                                       "z3, z4, z5, z6, z7, z8 (f is z8)"),
        ("grad(z3, after=z4) == z7", "<claim>:1:10: grad() has no argument 'after'; write grad(b, before=c): "
                                     "b.grad right before c._backward() runs"),
        ("grad(z3) == z7", "<claim>:1:1: grad() needs before=<node>; write grad(b, before=c): b.grad right "
                           "before c._backward() runs"),
        ("D(f, z3+z4) == 1", "<claim>:1:6: D() takes node names, not expressions; name the subexpression in the "
                             "program and use that name"),
        ("D(f) == 1", "<claim>:1:1: D() takes two node names, got 1 arguments; write D(of, wrt) with two node "
                      "names, e.g. D(f, z4)"),
        ("Dd(f, z4) == 1", "<claim>:1:1: unknown function 'Dd'; did you mean 'D'? supported: exp, log, sqrt, "
                           "sin, cos, tanh, sigmoid, relu, abs, sum, dot, mean, logsumexp, softmax, leaky_relu, elu, gelu, "
                               "gelu_tanh, softplus, silu, square, reciprocal, max, min, D, grad, local"),
        ("∂f == 1", "<claim>:1:1: '∂' must start a derivative written ∂a/∂b; write e.g. ∂f/∂z4 or D(f, z4)"),
        ("z3 ^ 2 == z4", "<claim>:1:4: '^' is not a power operator; write '**' for powers, e.g. x**2"),
        ("z3(z4) == 1", "<claim>:1:1: implicit multiplication 'z3(' is not supported; write 'z3*(' "
                        "('z3' is not a function)"),
        ("D == 1", "<claim>:1:1: 'D' is a function, not a value; call it, e.g. D(f, z4)"),
        ("", "<claim>:1:1: the claim is empty; e.g. D(f, z4) == D(f, z5) * D(z5, z4)"),
        ("z3 ** 2000 == 1", "<claim>:1:7: exponent 2000 is too large (the limit is ±1000); use exp and log, "
                            "or a smaller power"),
    ],
)
def test_claim_errors_are_golden(text: str, message: str) -> None:
    assert str(error_of(text)) == message


def test_claim_length_cap() -> None:
    assert "the limit is 10000" in str(error_of("z3 + " * 3000 + "1 == 1"))


def test_program_claims_are_checked_when_the_program_is_parsed() -> None:
    with pytest.raises(InputError) as caught:
        parse_program("x = 1\nz1 = x * x\n# claim: df/dz2 == 2*x\n", source="p.sc")
    assert str(caught.value).startswith("p.sc:3:14: unknown node 'z2'")
