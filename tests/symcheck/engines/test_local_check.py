"""symcheck.local_check: every local step alone against sympy's compiled local partials."""

from __future__ import annotations

import pytest
from micrograd.engine import Value as MicrogradValue

import ag
import ag.nn
from buggy_engines import make_engine
from symcheck.engines.local_check import check_local_steps


def ag_graph() -> ag.Scalar:
    x, y = ag.Scalar(0.4, "x"), ag.Scalar(-1.1, "y")
    h = ag.tanh(x * y + x**2) / (y * y + 1) - ag.sigmoid(x) * 2
    probs = ag.softmax([x, y, h])
    return ag.logsumexp([probs[0], probs[2] * h, ag.exp(h)]) + ag.dot([x, y], [h, x]) + x / x


def test_every_non_leaf_ag_node_is_checked_and_agrees() -> None:
    f = ag_graph()
    result = check_local_steps(f)
    assert result.ok and result.failures == [] and result.flags == []
    interior = [n for n in ag.backward_order(f) if n.parents]
    assert result.nodes_checked == len(interior)
    assert result.worst_relative_error < 1e-12


def test_a_corrupted_ag_local_partial_is_found_with_its_op() -> None:
    x = ag.Scalar(0.4, "x")
    t = ag.tanh(x * 3.0)
    f = t * t + x
    t.partials = (t.partials[0] * 1.01,)  # tanh's stored ∂t/∂(3x) is now 1% off
    result = check_local_steps(f)
    assert [(r.node, r.op, r.kind) for r in result.failures] == [("z2", "tanh", "local")]
    assert "expected 1 − tanh(z1)² = " in result.failures[0].message
    assert result.worst_relative_error == pytest.approx(0.01, rel=1e-6)


def test_micrograd_steps_agree_and_grads_are_left_alone() -> None:
    x, y = MicrogradValue(0.8), MicrogradValue(-1.7)
    f = (x * y + x * x - y / x).relu() * (x - y) ** 2
    f.backward()
    grads = (x.grad, y.grad, f.grad)
    result = check_local_steps(f)
    assert result.ok
    assert (x.grad, y.grad, f.grad) == grads


@pytest.mark.parametrize("bug, op, kind", [("tanh", "tanh", "local"), ("missing", "exp", "missing"),
                                           ("pow", "**3", "local"), ("mul", "*", "local")])
def test_buggy_local_steps_are_found_without_running_backward(bug: str, op: str, kind: str) -> None:
    V = make_engine(bug)
    x = V(0.7, label="x")
    f = (x * 2.0).tanh() + (x**3).exp()
    result = check_local_steps(f)
    assert (result.failures[0].op, result.failures[0].kind) == (op, kind)


def test_an_overwriting_step_is_an_accumulation_failure_only_where_it_loses_something() -> None:
    V = make_engine("overwrite")
    x = V(0.7, label="x")
    assert check_local_steps((x + 1.0).tanh()).ok  # x used once: overwriting loses nothing
    result = check_local_steps((x + 1.0) * x)
    assert [(f.op, f.kind) for f in result.failures] == [("+", "accumulation")]


def test_a_step_at_a_kink_is_flagged() -> None:
    x = ag.Scalar(0.0, "x")
    result = check_local_steps(ag.relu(x) + ag.abs(x) * 2)
    assert result.ok
    assert sorted(f.op for f in result.flags) == ["abs", "relu"]
    assert {f.kind for f in result.flags} == {"nondifferentiable"}


def test_a_small_transformer_passes() -> None:
    model = ag.nn.GPT(ag.nn.GPTConfig(vocab_size=7, block_size=4, n_layer=1, n_embd=8, n_head=2), seed=0)
    loss = model.loss([1, 2, 3, 4], [2, 3, 4, 5])
    result = check_local_steps(loss)
    assert result.ok, result.failures[:3]
    assert result.nodes_checked > 500


def test_a_local_step_that_raises_is_a_crashed_failure_naming_the_error() -> None:
    V = make_engine(None)
    x = V(0.7, label="x")
    t = x.tanh()

    def broken() -> None:
        raise ZeroDivisionError("float division by zero")

    t._backward = broken
    result = check_local_steps(t * 2.0)
    assert [(f.node, f.op, f.kind) for f in result.failures] == [("z1", "tanh", "crashed")]
    assert "raised ZeroDivisionError" in result.failures[0].message
