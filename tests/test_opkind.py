"""Op kinds: forward expressions and partials derived once per pattern of operands."""

from __future__ import annotations

import mpmath
import sympy

from symcheck.ir import INPUT, Node
from symcheck.opkind import exact_number, op_kind


def test_a_kind_sympy_folds_to_complex_infinity_evaluates_to_nan() -> None:
    kind, names = op_kind(Node("c", "pow", (0.0, -1.0)))
    assert names == () and kind.forward == sympy.zoo
    assert mpmath.isnan(kind.forward_mp()())


def test_a_constant_divisor_zero_compiles_and_its_partial_is_nan() -> None:
    kind, names = op_kind(Node("f", "div", ("x", 0.0)))
    assert names == ("x",)
    assert mpmath.isnan(kind.forward_mp()(mpmath.mpf(2)))
    assert mpmath.isnan(kind.partials_mp()(mpmath.mpf(2))[0])


def test_a_name_used_twice_is_one_dummy_with_a_summed_partial() -> None:
    kind, names = op_kind(Node("z", "mul", ("a", "a")))
    assert names == ("a",) and kind.partials[0] == 2 * kind.dummies[0]
    assert op_kind(Node("w", "mul", ("b", "b")))[0] is kind
    assert Node("a", INPUT).is_input


def test_exact_number_keeps_short_reprs_exact() -> None:
    assert exact_number(2.0) == sympy.Integer(2) and exact_number(0.1) == sympy.Rational(1, 10)
    assert isinstance(exact_number(1 / 3), sympy.Float)
