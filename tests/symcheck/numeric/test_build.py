"""Building the ag graph a Program describes."""

from __future__ import annotations

import math

import pytest

import ag
from render_samples import homework
from symcheck.numeric.build import build_graph
from symcheck.errors import InputError
from symcheck.ir import INPUT, Node, Program, default_value


def test_homework_values_labels_and_grads() -> None:
    scalars = build_graph(homework())
    assert [s.label for s in scalars.values()] == list(homework().names)
    f = scalars["z8"]
    assert f.data == pytest.approx((math.sin(2.25) + math.exp(0.5)) * 0.75)
    f.backward()
    assert scalars["z4"].grad == pytest.approx(0.75 * math.cos(2.25))
    assert scalars["z3"].grad == pytest.approx(math.sin(2.25) + math.exp(0.5) + 0.75 * math.cos(2.25))


def test_id_node_is_a_one_parent_identity() -> None:
    z1 = build_graph(homework())["z1"]
    assert z1.op == "id" and z1.partials == (1.0,) and z1.parents[0].label == "x"


def test_at_overrides_and_defaults_fill_inputs() -> None:
    program = Program((Node("a", INPUT), Node("b", INPUT, (), 2.0), Node("z1", "add", ("a", "b"))), "z1")
    scalars = build_graph(program)
    assert scalars["a"].data == default_value(0) and scalars["b"].data == 2.0
    scalars = build_graph(program, {"a": 1.0, "b": 3.0})
    assert scalars["a"].data == 1.0 and scalars["b"].data == 3.0
    with pytest.raises(InputError, match="names 'nope'"):
        build_graph(program, {"nope": 1.0})
    with pytest.raises(InputError, match="leaves out the input a"):  # a has no value of its own
        build_graph(program, {"b": 3.0})


def test_constants_pow_and_softmax_sharing() -> None:
    program = Program(
        (
            Node("a", INPUT, (), 0.7),
            Node("b", INPUT, (), 1.3),
            Node("p", "pow", ("a", 2.0)),
            Node("c", "add", (2.0, 3.0)),
            Node("s0", "softmax", ("a", "b", 1.0), index=0),
            Node("s1", "softmax", ("a", "b", 1.0), index=2),
            Node("f", "sum", ("p", "c", "s0", "s1")),
        ),
        "f",
    )
    scalars = build_graph(program)
    assert scalars["p"].op == "pow" and len(scalars["p"].parents) == 1 and scalars["p"].arg == 2.0
    assert scalars["c"].data == 5.0
    assert scalars["s0"].parents is scalars["s1"].parents  # one ag.softmax call
    exps = [math.exp(0.7), math.exp(1.3), math.exp(1.0)]
    assert scalars["s1"].data == pytest.approx(exps[2] / sum(exps))


def test_domain_error_names_the_node() -> None:
    program = Program((Node("a", INPUT, (), -1.0), Node("bad", "log", ("a",))), "bad")
    with pytest.raises(InputError) as info:
        build_graph(program)
    assert info.value.node == "bad" and "log" in str(info.value)


def test_custom_op_without_ag_counterpart_is_an_input_error() -> None:
    program = Program((Node("a", INPUT, (), 1.0), Node("z1", "nosuchop", ("a",))), "z1")
    with pytest.raises(InputError):
        build_graph(program)
    assert isinstance(ag.Scalar(1.0), ag.Scalar)
