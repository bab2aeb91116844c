"""Tests for ag.engine: the Scalar node, its operators, unary methods and domain errors.

Gradients are checked against central finite differences at points where every
derivative is of order one (bounded away from 0), so an op whose backward
returns 0 or a wrong sign cannot pass.
"""

from __future__ import annotations

import doctest
import math
from typing import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ag
from ag import DomainError, Scalar

# Central difference with h = 1e-5: truncation error ~ h² f''' ≈ 1e-10 and rounding
# error ~ 1e-16 / h ≈ 1e-11 for values of order one, so rtol 1e-6 leaves a wide margin
# while a wrong partial (off by more than one part in a million) fails.
H = 1e-5
RTOL = 1e-6
ATOL = 1e-9

FAST = settings(max_examples=40, deadline=None)


def central_difference(f: Callable[..., float], point: Sequence[float], i: int) -> float:
    up = list(point)
    down = list(point)
    up[i] += H
    down[i] -= H
    return (f(*up) - f(*down)) / (2 * H)


def check_gradient(build: Callable[..., Scalar], point: Sequence[float]) -> None:
    """Backward through `build(*scalars)` must match the central difference of its value."""
    xs = [Scalar(v, f"x{i}") for i, v in enumerate(point)]
    out = build(*xs)
    out.backward()

    def value(*vals: float) -> float:
        return build(*[Scalar(v) for v in vals]).data

    for i, x in enumerate(xs):
        expected = central_difference(value, point, i)
        assert x.grad == pytest.approx(expected, rel=RTOL, abs=ATOL), (i, point)


def order_one(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# -- unary ops: (name, method call, domain where |derivative| is of order one) -------

UNARY = [
    ("exp", lambda x: x.exp(), (-1.5, 1.5)),
    ("log", lambda x: x.log(), (0.3, 3.0)),
    ("sqrt", lambda x: x.sqrt(), (0.2, 4.0)),
    ("sin", lambda x: x.sin(), (-1.2, 1.2)),  # |cos| ≥ 0.36
    ("cos", lambda x: x.cos(), (0.3, 2.8)),  # |sin| ≥ 0.29
    ("tanh", lambda x: x.tanh(), (-1.5, 1.5)),  # 1 - tanh² ≥ 0.18
    ("sigmoid", lambda x: x.sigmoid(), (-2.5, 2.5)),  # σ(1-σ) ≥ 0.07
    ("relu+", lambda x: x.relu(), (0.1, 3.0)),
    ("relu-", lambda x: x.relu() + x, (-3.0, -0.1)),  # relu' = 0 here, the + x keeps f' = 1
    ("abs+", lambda x: x.abs(), (0.1, 3.0)),
    ("abs-", lambda x: x.abs(), (-3.0, -0.1)),
    ("neg", lambda x: -x, (-3.0, 3.0)),
    ("pos", lambda x: +x * 2.0, (-3.0, 3.0)),
    ("square", lambda x: x**2, (0.5, 2.0)),
    ("cube-negative-base", lambda x: x**3, (-1.5, -0.5)),
    ("reciprocal", lambda x: x**-1, (0.5, 2.0)),
    ("half-power", lambda x: x**0.5, (0.3, 3.0)),
    ("two-to-the-x", lambda x: 2.0**x, (-1.0, 2.0)),
]


@pytest.mark.parametrize("name, build, domain", UNARY, ids=[u[0] for u in UNARY])
@FAST
@given(data=st.data())
def test_unary_gradient_matches_central_difference(name, build, domain, data) -> None:
    x = data.draw(order_one(*domain))
    check_gradient(build, [x])


# -- binary ops in both orders, with Scalars and numbers ----------------------------

BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a**b),
    ("add-number-left", lambda a, b: 1.5 + a * b),
    ("sub-number-left", lambda a, b: 1.5 - a * b),
    ("mul-number-left", lambda a, b: 3 * a + b),
    ("div-number-left", lambda a, b: 2.0 / a + b),
    ("div-number-right", lambda a, b: a / 4 + b),
    ("sub-number-right", lambda a, b: (a - 2) * b),
    ("rpow-number-left", lambda a, b: 1.7**a * b),
    ("reuse", lambda a, b: a * a * b + a / b),
]


@pytest.mark.parametrize("name, build", BINARY, ids=[b[0] for b in BINARY])
@FAST
@given(a=order_one(0.5, 2.0), b=order_one(0.5, 2.0))
def test_binary_gradient_matches_central_difference(name, build, a, b) -> None:
    check_gradient(build, [a, b])


def test_operators_compute_the_arithmetic_they_name() -> None:
    a, b = Scalar(6.0), Scalar(1.5)
    results = [a + b, a - b, a * b, a / b, a**b, -a, 2 + a, 2 - a, 2 * a, 3 / b, 2**b, a**2]
    expected = [7.5, 4.5, 9.0, 4.0, 6.0**1.5, -6.0, 8.0, -4.0, 12.0, 2.0, 2.0**1.5, 36.0]
    assert [r.data for r in results] == pytest.approx(expected, rel=1e-15)


# -- node structure -------------------------------------------------------------------


def test_scalar_has_slots_and_the_documented_attributes() -> None:
    x = Scalar(2, "x")
    assert not hasattr(x, "__dict__")
    assert (x.data, x.grad, x.label, x.op, x.parents) == (2.0, 0.0, "x", "input", ())
    assert isinstance(x.data, float)
    with pytest.raises(AttributeError):
        x.colour = "red"  # type: ignore[attr-defined]


def test_parents_keep_operand_order_and_repeats() -> None:
    a, b = Scalar(2.0, "a"), Scalar(5.0, "b")
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)
    doubled = a + a
    assert doubled.parents == (a, a)
    assert isinstance(doubled.parents, tuple)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_a_node_built_by_hand_keeps_any_number_of_parents_and_steps_through_each(count: int) -> None:
    # One and two parents live in slots, three or more in a tuple pair: the public view is the same.
    parents = tuple(Scalar(float(i), f"p{i}") for i in range(count))
    partials = tuple(0.5 + i for i in range(count))
    node = Scalar(1.0, "n", op="custom", parents=parents, partials=partials)
    assert (node.parents, node.partials) == (parents, partials)
    node.grad = 2.0
    node._backward()
    assert [p.grad for p in parents] == [2.0 * d for d in partials]
    node.backward()  # the whole pass: each parent once more, seeded with 1
    assert [p.grad for p in parents] == [3.0 * d for d in partials]
    assert ag.backward_order(node) == [node, *reversed(parents)]


def test_a_node_built_by_hand_needs_one_partial_per_parent() -> None:
    with pytest.raises(ValueError, match="2 parents and 1 partials"):
        Scalar(1.0, parents=(Scalar(1.0), Scalar(2.0)), partials=(1.0,))


def test_a_planted_partial_is_what_the_backward_pass_uses() -> None:
    # symcheck's own tests plant a wrong local derivative this way, to see the checker catch it
    x = Scalar(0.5, "x")
    y = x.sin()
    y.partials = (0.25,)
    y.backward()
    assert (y.partials, x.grad) == ((0.25,), 0.25)
    with pytest.raises(ValueError, match="setting partials would give 1 parents and 2 partials"):
        y.partials = (1.0, 2.0)
    z = Scalar(2.0, "z")
    y.parents = (z,)
    y.backward()
    assert (y.parents, z.grad) == ((z,), 0.25)


def test_partials_are_stored_as_numbers_at_forward_time() -> None:
    a, b = Scalar(2.0), Scalar(5.0)
    product = a * b
    assert product.op == "mul" and product.partials == (5.0, 2.0)
    a.data = 100.0  # changing an input later must not change the stored partials
    assert product.partials == (5.0, 2.0)
    quotient = Scalar(3.0) / Scalar(2.0)
    assert quotient.partials == pytest.approx((0.5, -0.75))
    assert all(isinstance(p, float) for p in quotient.partials)


def test_number_operand_becomes_a_const_leaf() -> None:
    x = Scalar(3.0, "x")
    y = x * 2
    assert y.parents[0] is x
    const = y.parents[1]
    assert (const.op, const.data, const.parents) == ("const", 2.0, ())
    z = 2 - x  # other - self keeps the number first
    assert z.parents[1] is x and z.parents[0].op == "const" and z.data == -1.0


def test_power_with_number_exponent_is_one_node_with_one_parent() -> None:
    x = Scalar(3.0)
    y = x**2
    assert (y.op, y.parents, y.arg, y.partials) == ("pow", (x,), 2.0, (6.0,))
    z = x ** Scalar(2.0)
    assert z.op == "pow" and len(z.parents) == 2
    assert z.partials == pytest.approx((6.0, 9.0 * math.log(3.0)))


def test_micrograd_style_methods_keep_working() -> None:
    x = Scalar(0.5)
    y = x.relu() + x.tanh() + x.exp() + x.log()
    y.backward()
    expected = 1.0 + (1 - math.tanh(0.5) ** 2) + math.exp(0.5) + 2.0
    assert x.grad == pytest.approx(expected, rel=1e-12)


def test_scalars_hash_by_identity() -> None:
    a, b = Scalar(1.0), Scalar(1.0)
    assert len({a, b}) == 2


# -- subgradients at kinks ------------------------------------------------------------


@pytest.mark.parametrize("method", ["relu", "abs"])
def test_relu_and_abs_take_subgradient_zero_at_zero(method: str) -> None:
    x = Scalar(0.0)
    y = getattr(x, method)()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)


def test_sigmoid_is_stable_far_from_zero() -> None:
    low, high = Scalar(-800.0).sigmoid(), Scalar(800.0).sigmoid()
    assert low.data == 0.0 and high.data == 1.0
    assert math.isfinite(low.partials[0]) and math.isfinite(high.partials[0])


# -- the CS231n example ---------------------------------------------------------------


def test_cs231n_example_against_hand_derived_values() -> None:
    # f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²) at x = 3, y = -4, so (x + y)² = 1.
    # With n = x + σ(y) and d = σ(x) + 1:
    #   ∂f/∂x = (d - n·(σ(x)(1 - σ(x)) + 2(x + y))) / d²
    #   ∂f/∂y = (σ(y)(1 - σ(y))·d - n·2(x + y)) / d²
    sx, sy = 1 / (1 + math.exp(-3.0)), 1 / (1 + math.exp(4.0))
    n, d = 3.0 + sy, sx + 1.0
    x, y = Scalar(3.0, "x"), Scalar(-4.0, "y")
    f = (x + y.sigmoid()) / (x.sigmoid() + (x + y) ** 2)
    f.backward()
    assert f.data == pytest.approx(n / d, rel=1e-14)
    assert x.grad == pytest.approx((d - n * (sx * (1 - sx) - 2.0)) / d**2, rel=1e-12)
    assert y.grad == pytest.approx((sy * (1 - sy) * d + 2.0 * n) / d**2, rel=1e-12)
    # the same numbers written out, so a shared mistake in the formulas above shows too
    assert (f.data, x.grad, y.grad) == pytest.approx((1.5456448841, 2.0595697956, 1.5922327515), rel=1e-9)


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a", None, [1.0], True, 1 + 2j])
def test_scalar_of_a_non_number_is_a_type_error_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Scalar(bad)  # type: ignore[arg-type]


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label"):
        Scalar(1.0, 5)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 10**400])
def test_scalar_of_a_non_finite_number_is_a_domain_error(bad: float) -> None:
    with pytest.raises(DomainError, match="not a finite number|too large for a float") as caught:
        Scalar(bad, "w")
    assert "'w'" in str(caught.value)


@pytest.mark.parametrize("operand", ["2", None, [2.0]])
def test_operator_with_a_non_number_is_a_type_error_naming_the_type(operand: object) -> None:
    x = Scalar(1.0)
    for op in (lambda: x + operand, lambda: operand * x, lambda: x ** operand, lambda: x / operand):
        with pytest.raises(TypeError, match=type(operand).__name__):
            op()


DOMAIN_ERRORS = [
    ("log", lambda x: x.log(), -2.0),
    ("log", lambda x: x.log(), 0.0),
    ("sqrt", lambda x: x.sqrt(), -1.0),
    ("sqrt", lambda x: x.sqrt(), 0.0),  # the derivative 1/(2√0) is infinite
    ("pow", lambda x: x**-1, 0.0),
    ("pow", lambda x: x**-2.5, 0.0),
    ("pow", lambda x: x**0.5, -4.0),
    ("pow", lambda x: x**0.5, 0.0),  # the derivative 0.5·x^-0.5 is infinite
    ("pow", lambda x: x ** Scalar(0.25), 0.0),
    ("pow", lambda x: x ** Scalar(1.5), -4.0),
    ("pow", lambda x: x**2, 1e200),
    ("pow", lambda x: 10.0**x, 400.0),
    ("exp", lambda x: x.exp(), 710.0),
    ("div", lambda x: 1.0 / x, 0.0),
    ("div", lambda x: x / 1e-300, 1e300),
    ("mul", lambda x: x * 1e300, 1e300),
    ("add", lambda x: x + 1.7e308, 1.7e308),
    ("sub", lambda x: x - 1.7e308, -1.7e308),
]


@pytest.mark.parametrize("op, build, value", DOMAIN_ERRORS, ids=[f"{d[0]}({d[2]})" for d in DOMAIN_ERRORS])
def test_domain_error_names_op_value_and_label(op: str, build, value: float) -> None:
    x = Scalar(value, "node_x")
    with pytest.raises(DomainError) as caught:
        build(x)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.op == op
    message = str(error)
    assert message.startswith(op + "(")
    assert "node_x" in message
    assert repr(value) in message or format(value, "g") in message


def test_domain_error_names_the_argument_of_an_unlabeled_node() -> None:
    with pytest.raises(DomainError, match=r"log\(-3\.0\)") as caught:
        (Scalar(1.0) - 4.0).log()
    assert caught.value.value == -3.0 and caught.value.label is None


def test_negative_base_with_integer_exponent_is_fine() -> None:
    x = Scalar(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_no_domain_error_ever_returns_complex_or_nan() -> None:
    for value in (-1.0, -0.5, 0.0):
        for build in (lambda x: x**0.5, lambda x: x**-0.5, lambda x: x.log(), lambda x: x.sqrt()):
            try:
                y = build(Scalar(value))
            except DomainError:
                continue
            assert isinstance(y.data, float) and math.isfinite(y.data)
            assert all(math.isfinite(p) for p in y.partials)


@pytest.mark.parametrize(
    "build, op",
    [
        (lambda x: x + float("nan"), "add"),
        (lambda x: float("inf") * x, "mul"),
        (lambda x: x - float("-inf"), "sub"),
        (lambda x: x / float("nan"), "div"),
        (lambda x: x ** float("inf"), "pow"),
        (lambda x: float("nan") ** x, "pow"),
    ],
)
def test_non_finite_operand_is_a_domain_error_naming_the_op_and_the_scalar(build, op: str) -> None:
    with pytest.raises(DomainError, match="not a finite number") as caught:
        build(Scalar(2.0, "node_x"))
    assert caught.value.op == op
    assert str(caught.value).startswith(op + "(") and "'node_x'" in str(caught.value)


def test_bool_is_not_a_number_anywhere() -> None:
    x = Scalar(1.0)
    for build in (lambda: Scalar(True), lambda: x + True, lambda: x ** False, lambda: ag.exp(True)):
        with pytest.raises(TypeError, match="bool"):
            build()


def test_package_docstring_example_runs() -> None:
    assert doctest.testmod(ag, optionflags=doctest.ELLIPSIS).failed == 0
