"""Tests for ag.functions: module-level unary ops and the fused n-ary ops.

Each fused op is checked three ways: it is one node (softmax: one per output),
its value and gradients equal those of the same math written with plain
operators, and its gradients match central finite differences.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ag
from ag import DomainError, Scalar

# Fused and unfused forms differ only in rounding order: 1e-12 relative is ~1e4 ulps,
# far below any real mistake in a partial, which would be of order one.
SAME_MATH = dict(rel=1e-12, abs=1e-13)
# Central differences, h = 1e-5: error ~1e-10, so 1e-6 relative leaves margin.
H = 1e-5
FD = dict(rel=1e-6, abs=1e-9)

FAST = settings(max_examples=30, deadline=None)
values = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=2, max_size=6)


def fresh(data: Sequence[float], prefix: str = "x") -> list[Scalar]:
    return [Scalar(v, f"{prefix}{i}") for i, v in enumerate(data)]


def grads_of(build: Callable[[list[Scalar]], Scalar], data: Sequence[float]) -> tuple[float, list[float]]:
    xs = fresh(data)
    out = build(xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def finite_difference_grads(build: Callable[[list[Scalar]], Scalar], data: Sequence[float]) -> list[float]:
    def value(point: list[float]) -> float:
        return build([Scalar(v) for v in point]).data

    grads = []
    for i in range(len(data)):
        up, down = list(data), list(data)
        up[i] += H
        down[i] -= H
        grads.append((value(up) - value(down)) / (2 * H))
    return grads


# -- fused op vs its unfused equivalent (weights make every gradient distinct) -------


def _weighted(terms: list[Scalar]) -> Scalar:
    # Σ (i + 1)·tᵢ, written with plain operators, so each output feeds the loss differently.
    total = terms[0] * 1.0
    for i, t in enumerate(terms[1:], start=2):
        total = total + t * float(i)
    return total


def _plain_softmax(xs: list[Scalar]) -> list[Scalar]:
    m = max(x.data for x in xs)
    exps = [(x - m).exp() for x in xs]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return [e / total for e in exps]


FUSED = [
    ("sum", lambda xs: ag.sum(xs) * ag.sum(xs), lambda xs: _chain_add(xs) * _chain_add(xs)),
    ("mean", lambda xs: ag.mean(xs).exp(), lambda xs: (_chain_add(xs) / len(xs)).exp()),
    ("dot", lambda xs: ag.dot(xs, [x.sin() for x in xs]), lambda xs: _chain_add([x * x.sin() for x in xs])),
    (
        "logsumexp",
        lambda xs: ag.logsumexp(xs) * xs[0],
        lambda xs: _chain_add([x.exp() for x in xs]).log() * xs[0],
    ),
    ("softmax", lambda xs: _weighted(ag.softmax(xs)), lambda xs: _weighted(_plain_softmax(xs))),
]


def _chain_add(xs: list[Scalar]) -> Scalar:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


@pytest.mark.parametrize("name, fused, plain", FUSED, ids=[f[0] for f in FUSED])
@FAST
@given(data=values)
def test_fused_op_equals_its_unfused_equivalent(name, fused, plain, data) -> None:
    fused_value, fused_grads = grads_of(fused, data)
    plain_value, plain_grads = grads_of(plain, data)
    assert fused_value == pytest.approx(plain_value, **SAME_MATH)
    assert fused_grads == pytest.approx(plain_grads, **SAME_MATH)


@pytest.mark.parametrize("name, fused, plain", FUSED, ids=[f[0] for f in FUSED])
@FAST
@given(data=st.lists(st.floats(0.2, 1.5, allow_nan=False), min_size=2, max_size=5, unique=True))
def test_fused_op_gradient_matches_central_difference(name, fused, plain, data) -> None:
    _, grads = grads_of(fused, data)
    assert grads == pytest.approx(finite_difference_grads(fused, data), **FD)


# -- one node each ----------------------------------------------------------------------


def test_each_fused_op_is_one_node_with_exact_partials() -> None:
    ws, xs = fresh([1.0, -2.0, 0.5], "w"), fresh([3.0, 4.0, -1.0])
    d = ag.dot(ws, xs)
    assert (d.op, d.parents, d.data) == ("dot", (*ws, *xs), -5.5)
    assert d.partials == (3.0, 4.0, -1.0, 1.0, -2.0, 0.5)
    s = ag.sum(xs)
    assert (s.op, s.parents, s.partials, s.data) == ("sum", tuple(xs), (1.0, 1.0, 1.0), 6.0)
    m = ag.mean(xs)
    assert (m.op, m.parents, m.data) == ("mean", tuple(xs), 2.0)
    assert m.partials == pytest.approx((1 / 3,) * 3, rel=1e-15)
    lse = ag.logsumexp(xs)
    assert (lse.op, lse.parents) == ("logsumexp", tuple(xs))
    assert all(p.parents == () for p in lse.parents)


def test_softmax_is_one_node_per_output_with_the_jacobian_row_as_partials() -> None:
    xs = fresh([0.5, -1.0, 2.0])
    probs = ag.softmax(xs)
    assert isinstance(probs, list) and len(probs) == 3
    total = sum(math.exp(x.data) for x in xs)
    p = [math.exp(x.data) / total for x in xs]
    for i, node in enumerate(probs):
        assert (node.op, node.arg, node.parents) == ("softmax", i, tuple(xs))
        assert node.data == pytest.approx(p[i], rel=1e-15)
        expected_row = [p[i] * ((1.0 if i == j else 0.0) - p[j]) for j in range(3)]
        assert list(node.partials) == pytest.approx(expected_row, rel=1e-14, abs=1e-16)


def test_dot_repeats_a_node_used_on_both_sides() -> None:
    x = Scalar(3.0, "x")
    square = ag.dot([x], [x])
    square.backward()
    assert (square.data, x.grad) == (9.0, 6.0)


# -- numerical stability ------------------------------------------------------------------


def test_logsumexp_and_softmax_are_stable_for_large_inputs() -> None:
    xs = fresh([1000.0, 1000.0, -1000.0])
    lse = ag.logsumexp(xs)
    assert lse.data == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    assert [p.data for p in ag.softmax(xs)] == pytest.approx([0.5, 0.5, 0.0], abs=1e-300)
    lse.backward()
    assert [x.grad for x in xs] == pytest.approx([0.5, 0.5, 0.0], abs=1e-300)


def test_sum_is_exact_where_naive_addition_loses_digits() -> None:
    assert ag.sum([1e16, 1.0, -1e16]).data == 1.0
    assert ag.mean([0.1] * 10).data == pytest.approx(0.1, rel=1e-16)


def test_fused_overflow_is_a_domain_error() -> None:
    with pytest.raises(DomainError, match="dot"):
        ag.dot([Scalar(1e200, "big")], [1e200])
    with pytest.raises(DomainError, match="sum"):
        ag.sum([1.7e308, 1.7e308])


# -- module-level unary functions ----------------------------------------------------------

UNARY_NAMES = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs"]


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_module_function_equals_the_method_on_scalars_and_numbers(name: str) -> None:
    x = Scalar(0.7)
    from_method = getattr(x, name)()
    from_function = getattr(ag, name)(x)
    from_number = getattr(ag, name)(0.7)
    assert from_function.data == from_method.data == from_number.data
    assert from_function.parents == (x,) and from_function.op == name
    assert from_number.parents[0].op == "const"


@pytest.mark.parametrize("fused", [ag.sum, ag.mean, ag.logsumexp, ag.softmax])
def test_fused_ops_accept_numbers_as_constants(fused) -> None:
    x = Scalar(1.0, "x")
    out = fused([x, 2.0])
    node = out[0] if isinstance(out, list) else out
    assert node.parents[0] is x and node.parents[1].op == "const"


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fused", [ag.sum, ag.mean, ag.logsumexp, ag.softmax])
def test_fused_ops_reject_empty_and_non_sequences(fused) -> None:
    with pytest.raises(ValueError, match="empty"):
        fused([])
    with pytest.raises(TypeError, match="Scalar"):
        fused(Scalar(1.0))
    with pytest.raises(TypeError, match="str"):
        fused(["a"])


def test_dot_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="2 and 3"):
        ag.dot([1.0, 2.0], [1.0, 2.0, 3.0])


def test_module_function_domain_error_on_a_number() -> None:
    with pytest.raises(DomainError, match=r"log\(-1\.0\)"):
        ag.log(-1.0)
    with pytest.raises(TypeError, match="str"):
        ag.exp("1")  # type: ignore[arg-type]


@pytest.mark.parametrize("fused", [ag.sum, ag.mean, ag.logsumexp, ag.softmax, lambda xs: ag.dot(xs, xs)])
def test_fused_ops_refuse_a_set_whose_order_would_vary(fused) -> None:
    with pytest.raises(TypeError, match="set.*pass a list"):
        fused({Scalar(1.0), Scalar(2.0)})


@pytest.mark.parametrize("fused", [ag.sum, ag.mean, ag.logsumexp, ag.softmax])
def test_fused_ops_refuse_a_string_and_name_the_bad_element(fused) -> None:
    with pytest.raises(TypeError, match="got str$"):
        fused("12")
    with pytest.raises(TypeError, match="position 1: 'a'"):
        fused([Scalar(1.0), "a"])


def test_fused_op_with_a_non_finite_number_names_the_op_and_position() -> None:
    with pytest.raises(DomainError, match=r"^sum\(inf\): the value at position 1 is not a finite number"):
        ag.sum([Scalar(1.0), float("inf")])
    with pytest.raises(DomainError, match=r"^dot\(nan\)"):
        ag.dot([1.0], [float("nan")])


def test_module_function_errors_name_the_function() -> None:
    with pytest.raises(TypeError, match="ag.tanh needs a real number, got str"):
        ag.tanh("1")  # type: ignore[arg-type]
    with pytest.raises(DomainError, match=r"^exp\(nan\): the argument is not a finite number"):
        ag.exp(float("nan"))
