"""MathML printing (`symcheck.render.formulas`): golden strings, and valid XML for every op's forms."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import sympy

from symcheck.ops import OPS, relu, sigmoid
from symcheck.render.formulas import (
    mathml,
    mathml_inner,
    name_mathml,
    partial_mathml,
    signed_terms_mathml,
    sum_mathml,
)
from symcheck.symbolic.graph import Partial

X, Z3, Z4, Z7 = sympy.symbols("x z3 z4 z7", real=True)
MINUS = "\u2212"


def test_node_names_are_subscripted_with_upright_digits() -> None:
    assert name_mathml("z3") == "<msub><mi>z</mi><mn>3</mn></msub>"
    assert name_mathml("x") == "<mi>x</mi>"
    assert name_mathml("w_1") == "<msub><mi>w</mi><mn>1</mn></msub>"
    assert name_mathml("loss") == "<mi>loss</mi>"


def test_sums_keep_the_order_they_were_built_in() -> None:
    chain_order = sympy.Add(Z7, Z3 * sympy.cos(Z4), evaluate=False)
    assert mathml_inner(chain_order).startswith("<mrow><msub><mi>z</mi><mn>7</mn></msub><mo>+</mo>")


def test_a_math_element_says_its_text_form_to_screen_readers() -> None:
    assert mathml(Z3 * Z7).startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" aria-label="z3*z7">')
    assert 'display="block"' in mathml(Z3, display=True)


def test_minus_is_the_minus_sign_and_there_are_no_named_entities() -> None:
    printed = mathml_inner(1 - sympy.tanh(X) ** 2)
    assert f"<mo>{MINUS}</mo>" in printed and "<mo>-</mo>" not in printed
    assert "&" not in mathml_inner(X * sympy.exp(X))  # &InvisibleTimes; / &ExponentialE; as characters


def test_sigmoid_heaviside_and_relu_print_as_a_handout_writes_them() -> None:
    assert "<mi>σ</mi>" in mathml_inner(sigmoid(X)) or "&#963;" in mathml_inner(sigmoid(X))
    assert "θ" in mathml_inner(sympy.Heaviside(X)) or "&#952;" in mathml_inner(sympy.Heaviside(X))
    assert "<mfrac><mn>1</mn><mn>2</mn></mfrac>" not in mathml_inner(sympy.Heaviside(X))  # no H0 argument
    assert "<mi>relu</mi>" in mathml_inner(relu(X))


def test_chain_rule_placeholders_are_fractions() -> None:
    chain = sympy.Mul(Partial("f", "z8"), Partial("z8", "z3"), evaluate=False)
    printed = mathml_inner(chain)
    assert printed.count("<mfrac>") == 2 and "<mi>f</mi>" in printed
    assert partial_mathml("f", "z3") == (
        "<mfrac><mrow><mo>∂</mo><mi>f</mi></mrow><mrow><mo>∂</mo><msub><mi>z</mi><mn>3</mn></msub></mrow></mfrac>"
    )


def test_a_sum_of_terms_reads_with_minus_signs_and_counts_what_it_leaves_out() -> None:
    terms = signed_terms_mathml([Z7, -Z3 * sympy.cos(Z4), sympy.Add(X, -Z7, evaluate=False)])
    assert [negative for negative, _ in terms] == [False, True, False, True]
    printed = sum_mathml(terms, limit=3)
    assert printed.count(f"<mo>{MINUS}</mo>") == 1 and "(1 more term)" in printed
    assert sum_mathml([]) == "<mn>0</mn>"
    assert "more term" not in sum_mathml(terms)


def _forms_of(name: str) -> list[sympy.Expr]:
    spec = OPS[name]
    arity = spec.arity or 3
    if spec.even:
        arity = 4
    inputs = list(sympy.symbols(f"a0:{arity}", real=True))
    forward = spec.expression(inputs, 0 if spec.indexed else None)
    return [forward, *(sympy.diff(forward, v) for v in inputs)]


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_ops_forward_and_partials_print_as_well_formed_mathml(name: str) -> None:
    for form in _forms_of(name):
        root = ET.fromstring(mathml(form))
        assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"
        assert "".join(root.itertext()).strip(), f"{name}: {form} printed nothing"
