"""Op kinds: forward expressions and partials derived once per pattern of operands."""

from __future__ import annotations

import mpmath
import sympy

from symcheck.ir import INPUT, Node
from symcheck.symbolic.opkind import exact_number, op_kind


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


def test_a_partial_folded_to_nan_keeps_its_shape_and_has_a_limit() -> None:
    import mpmath

    kind, _ = op_kind(Node("z1", "pow", (0.0, "x")))
    assert kind.partials == (sympy.nan,)  # sympy folds 0**x·log(0) before the point is known
    partial, symbols = kind.slot_partial(0)
    assert partial == symbols[0] ** symbols[1] * sympy.log(symbols[0])
    assert kind.partial_limit(0, [mpmath.mpf(2)]) == 0
    xx, _ = op_kind(Node("z1", "pow", ("x", "x")))
    assert xx.partial_limit(0, [mpmath.mpf(0)]) is None  # x**x·(log x + 1) → -∞
