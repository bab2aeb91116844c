"""Tests for ag.backward and ag.grad_mode: order, hooks, accumulation, no_grad, depth."""

from __future__ import annotations

import doctest
import gc
import importlib
import math

import pytest

import ag
from ag import Scalar


def labelled(order: list[Scalar]) -> list[str]:
    return [n.label for n in order]


# -- order ----------------------------------------------------------------------------


def test_order_is_reverse_topological_with_ties_latest_created_first() -> None:
    a, b = Scalar(1.0, "a"), Scalar(2.0, "b")
    p = b.exp()
    p.label = "p"
    q = a.sin()  # created after p, independent of it: a tie, so q runs first
    q.label = "q"
    f = q * p
    f.label = "f"
    assert labelled(ag.backward_order(f)) == ["f", "q", "p", "b", "a"]


def test_order_lists_each_node_once_and_includes_consts() -> None:
    x = Scalar(2.0, "x")
    y = x * x
    f = y + y * 3.0
    order = ag.backward_order(f)
    assert len(order) == len({id(n) for n in order}) == 5
    assert [n.op for n in order] == ["add", "mul", "const", "mul", "input"]


def test_every_node_receives_its_full_gradient_before_its_own_step() -> None:
    # Reverse topological order means nothing flows into a node after it has run.
    x, y = Scalar(0.3, "x"), Scalar(-0.8, "y")
    a = x * y
    b = a.sin() + x
    c = b * a + y.exp()
    f = c * b
    seen_before = {}
    f.backward(before_step=lambda n: seen_before.setdefault(id(n), n.grad))
    for node in ag.backward_order(f):
        assert seen_before[id(node)] == node.grad


# -- hooks ------------------------------------------------------------------------------


def test_hooks_observe_every_node_right_before_and_after_its_step() -> None:
    x, y = Scalar(2.0, "x"), Scalar(3.0, "y")
    z = x * y
    z.label = "z"
    f = z + x
    f.label = "f"
    events = []
    f.backward(
        before_step=lambda n: events.append(("before", n.label, x.grad, y.grad)),
        after_step=lambda n: events.append(("after", n.label, x.grad, y.grad)),
    )
    assert events == [
        ("before", "f", 0.0, 0.0),
        ("after", "f", 1.0, 0.0),  # f = z + x: x gets 1 from f's step
        ("before", "z", 1.0, 0.0),
        ("after", "z", 4.0, 2.0),  # z = x·y: x += y, y += x
        ("before", "y", 4.0, 2.0),  # leaves are steps too, adding nothing
        ("after", "y", 4.0, 2.0),
        ("before", "x", 4.0, 2.0),
        ("after", "x", 4.0, 2.0),
    ]


def test_local_step_alone_adds_grad_times_partials_into_parents() -> None:
    a, b = Scalar(2.0), Scalar(5.0)
    product = a * b
    product.grad = 3.0
    product._backward()
    assert (a.grad, b.grad) == (15.0, 6.0)
    product._backward()  # a local step accumulates too
    assert (a.grad, b.grad) == (30.0, 12.0)


def test_hooked_and_plain_backward_give_identical_grads() -> None:
    def build() -> tuple[list[Scalar], Scalar]:
        xs = [Scalar(v) for v in (0.4, -1.1, 0.9)]
        h = ag.softmax([xs[0] * xs[1], xs[1].tanh(), ag.dot(xs, xs)])
        return xs, ag.logsumexp(h) * xs[2] + h[0]

    plain_xs, plain = build()
    plain.backward()
    hooked_xs, hooked = build()
    hooked.backward(after_step=lambda n: None)
    assert [x.grad for x in plain_xs] == [x.grad for x in hooked_xs]


# -- accumulation ------------------------------------------------------------------------


def test_node_used_more_than_once_accumulates() -> None:
    x = Scalar(1.5, "x")
    f = x * x + x  # f' = 2x + 1
    f.backward()
    assert x.grad == 4.0


def test_diamond_graph_sums_both_paths() -> None:
    a = Scalar(0.7, "a")
    b, c = a.sin(), a.exp()
    d = b * c  # d' = cos(a)e^a + sin(a)e^a
    d.backward()
    expected = math.cos(0.7) * math.exp(0.7) + math.sin(0.7) * math.exp(0.7)
    assert a.grad == pytest.approx(expected, rel=1e-14)


def test_stacked_diamonds_accumulate_at_every_level() -> None:
    # Each level splits y into two halves and joins them: y stays y, ∂f/∂x = 1.
    # A step that overwrote instead of adding would give 0.5 ** 40.
    x = Scalar(1.25, "x")
    y = x
    for _ in range(40):
        y = y * 0.5 + y * 0.5
    y.backward()
    assert (y.data, x.grad) == (1.25, 1.0)


def test_grads_accumulate_across_backward_calls_like_pytorch() -> None:
    x = Scalar(3.0, "x")
    h = x * x
    f = h * 2.0
    f.backward()
    assert (x.grad, h.grad) == (12.0, 2.0)
    f.backward()  # leaves add one more gradient; interior grads are recomputed
    assert (x.grad, h.grad, f.grad) == (24.0, 2.0, 1.0)


def test_zero_grad_resets_scalars_and_iterables() -> None:
    w, b, v = Scalar(1.0), Scalar(2.0), Scalar(3.0)
    (w * b * v).backward()
    assert (w.grad, b.grad, v.grad) == (6.0, 3.0, 2.0)
    ag.zero_grad(w, [b, v])
    assert (w.grad, b.grad, v.grad) == (0.0, 0.0, 0.0)


def test_zero_grad_takes_a_model_and_refuses_non_scalars() -> None:
    model = ag.nn.MLP([2, 3, 1], seed=0)
    model([1.0, -2.0])[0].backward()
    assert any(p.grad for p in model.parameters())
    ag.zero_grad(model)
    assert all(p.grad == 0.0 for p in model.parameters())
    with pytest.raises(TypeError, match="got int: 3"):
        ag.zero_grad(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="found a float"):
        ag.zero_grad([1.0])  # type: ignore[list-item]


def test_backward_of_a_leaf_seeds_one() -> None:
    x = Scalar(4.0)
    x.backward()
    assert x.grad == 1.0


# -- no_grad -------------------------------------------------------------------------------


def test_no_grad_builds_no_graph_and_restores_recording() -> None:
    w = Scalar(2.0, "w")
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        results = [w * 3, w + w, w.exp(), w**2, ag.dot([w], [w]), ag.softmax([w, 1.0])[0], -w, 2 ** w]
        with ag.no_grad():
            pass
        assert not ag.is_grad_enabled()  # the inner block restores the outer state
    assert ag.is_grad_enabled()
    assert [r.data for r in results] == pytest.approx([6.0, 4.0, math.exp(2), 4.0, 4.0, 1 / (1 + math.exp(-1)), -2.0, 4.0])
    assert all(r.parents == () and r.partials == () and r.op == "input" for r in results)
    assert (w * 3).parents[0] is w


def test_no_grad_restores_recording_after_an_exception() -> None:
    with pytest.raises(ag.DomainError):
        with ag.no_grad():
            Scalar(-1.0).log()
    assert ag.is_grad_enabled()


# -- depth -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_million_node_chain_goes_forward_backward_and_is_freed() -> None:
    x = Scalar(0.5, "x")
    y = x
    for _ in range(1_000_000):
        y = -y
    y = y * 3.0
    assert y.data == 1.5
    y.backward()
    assert x.grad == 3.0
    assert len(ag.backward_order(y)) == 1_000_003  # the negs, the mul, its const, x
    del y  # freeing a million-deep chain must not overflow the C stack
    gc.collect()
    assert x.grad == 3.0


# -- the documented examples run ----------------------------------------------------------------


@pytest.mark.parametrize("module", ["ag.engine", "ag.backward", "ag.grad_mode", "ag.functions"])
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
