"""Capturing a live ag graph as a Program, and building it back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ag
from symcheck.numeric.build import build_graph
from symcheck.numeric.capture import capture


def _model(x: ag.Scalar, y: ag.Scalar) -> ag.Scalar:
    h = ag.tanh(x * y + 2.0)
    s = ag.softmax([h, x, 1.0])
    return ag.logsumexp([s[0] * y, h ** 2, ag.dot([x, y], [h, s[2]])]) / (1 + ag.sigmoid(x))


def test_unlabeled_names_follow_creation_order() -> None:
    x, y = ag.Scalar(0.7), ag.Scalar(1.3)
    program = capture(x * y + x)
    assert program.names == ("x1", "x2", "z1", "z2")
    assert program.node("z2").inputs == ("z1", "x1")
    assert program.output == "z2"


def test_labels_become_names_and_duplicates_get_suffixes() -> None:
    x = ag.Scalar(0.7, "h")
    a = x.sin()
    a.label = "h"
    b = a * 2.0
    b.label = "z1"  # a label that an unlabeled node would otherwise take
    c = b + a
    program = capture(c)
    assert program.names == ("h", "h_2", "z1", "z2")
    assert program.node("z1").inputs == ("h_2", 2.0)  # the const is inlined


def test_pow_and_softmax_arguments() -> None:
    x = ag.Scalar(0.7, "x")
    s = ag.softmax([x, x ** 3])
    program = capture(s[1])
    pow_node = next(n for n in program.nodes if n.op == "pow")
    assert pow_node.inputs == ("x", 3.0)
    assert program.node(program.output).index == 1


@settings(max_examples=15, deadline=None)
@given(st.floats(0.2, 2.0), st.floats(-1.5, 1.5))
def test_round_trip_gives_same_values_and_grads(a: float, b: float) -> None:
    x, y = ag.Scalar(a, "x"), ag.Scalar(b, "y")
    out = _model(x, y)
    out.backward()
    program = capture(out)
    rebuilt = build_graph(program)
    rebuilt[program.output].backward()
    assert rebuilt[program.output].data == pytest.approx(out.data, rel=1e-15)
    assert rebuilt["x"].grad == pytest.approx(x.grad, rel=1e-12)
    assert rebuilt["y"].grad == pytest.approx(y.grad, rel=1e-12)
    for node in program.nodes:
        assert rebuilt[node.name].data == pytest.approx(node.value, rel=1e-15)


def test_deep_chain_needs_no_recursion() -> None:
    x = ag.Scalar(0.5, "x")
    v = x
    for _ in range(5000):
        v = v * 1.0001
    program = capture(v)
    assert len(program.nodes) == 5001 and program.nodes[-1].name == "z5000"
