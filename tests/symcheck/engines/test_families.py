"""Every family of published engines is read: a correct engine passes with every node read, an engine with
one planted bug fails naming the op or the root cause (tests/engine_styles.py holds the engines)."""

from __future__ import annotations

from typing import Any, Callable, Optional

import pytest

import symcheck
from engine_styles import X, Y, build, class_per_op_engine, closure_engine, method_engine, minitorch_engine, \
    stored_engine
from symcheck.report import Report

NODES = 11
"""x, y, x·y, +x, tanh, ·h, y², exp, the constant 0.5, ·0.5, + : every node from the output down to the leaves."""

FAMILIES: dict[str, Callable[[Optional[str]], Any]] = {
    "micrograd": lambda bug: closure_engine(bug=bug),
    "micrograd, prev dict, value, pow(2)": lambda bug: closure_engine(
        parents="prev", container="dict", value="value", pow_name="pow({k})", bug=bug),
    "one class per op": class_per_op_engine,
    "method protocol": method_engine,
    "stored local gradients": stored_engine,
    "minitorch": lambda bug: minitorch_engine(bug).Scalar,
}

TANH_OP = {"one class per op": "Tanh", "minitorch": "Tanh"}
ADD_OP = {"one class per op": "Add", "minitorch": "Add", "method protocol": "add", "stored local gradients": "add"}


def check(family: str, bug: Optional[str]) -> Report:
    return symcheck.check(build(FAMILIES[family](bug)), progress=False)


def kinds(report: Report) -> list[tuple[str, str]]:
    return [(f.kind, f.op) for f in report.failures]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_correct_engine_passes_with_every_node_read(family: str) -> None:
    report = check(family, None)
    assert report.ok, report.failures
    assert report.nodes_read == NODES and len(report.nodes) == NODES
    assert report.failures == [] and all(node.ok for node in report.nodes)
    x = next(node for node in report.nodes if node.value == X)
    assert x.grad == pytest.approx(x.grad_expected, rel=1e-9) and x.grad_fd == pytest.approx(x.grad_expected, rel=1e-7)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_wrong_tanh_is_named(family: str) -> None:
    report = check(family, "tanh")
    assert not report.ok and report.nodes_read == NODES
    assert kinds(report) == [("local", TANH_OP.get(family, "tanh"))]
    assert "expected 1 − tanh(" in report.failures[0].message


@pytest.mark.parametrize("family", FAMILIES)
def test_equals_where_plus_equals_belongs_is_an_accumulation_finding(family: str) -> None:
    report = check(family, "overwrite")
    assert not report.ok and report.nodes_read == NODES
    [(kind, op)] = kinds(report)
    assert kind == "accumulation"
    if family.startswith("micrograd") or family == "one class per op":  # the step itself assigns
        assert op == ADD_OP.get(family, "+")
        assert "(= instead of +=)" in report.failures[0].message
    else:  # the engine's backward adds the steps' contributions, and assigns instead
        assert op == "backward"
        assert "assigns (=) where it must add (+=)" in report.failures[0].message


@pytest.mark.parametrize("family", FAMILIES)
def test_a_step_run_twice_is_named_with_how_many_times(family: str) -> None:
    report = check(family, "twice")
    assert not report.ok and report.nodes_read == NODES
    repeated = next(f for f in report.failures if f.kind == "repeated")
    assert repeated.op == ADD_OP.get(family, "+")  # h = x·y + x is used twice: its step runs once per path
    assert "ran 2 times during one backward()" in repeated.message
    assert "mismatch" not in {f.kind for f in report.failures}  # the symptoms are explained by the cause


@pytest.mark.parametrize("family", FAMILIES)
def test_a_backward_that_runs_no_step_is_one_finding(family: str) -> None:
    report = check(family, "nothing")
    assert not report.ok and report.nodes_read == NODES
    assert [f.kind for f in report.failures] == ["no_step"]
    assert report.failures[0].message.startswith("backward() ran no local step")


def test_minitorch_keeps_gradients_only_on_leaves_and_those_are_judged() -> None:
    report = check("minitorch", None)
    leaves = [node for node in report.nodes if node.op == "input"]
    assert {node.grad is not None for node in leaves} == {True}
    assert {node.grad for node in report.nodes if node.op != "input"} == {None}
    assert [node.value for node in leaves] == [X, Y, 0.5]
