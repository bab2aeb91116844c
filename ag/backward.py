"""The backward driver: order the graph, seed the output, run each local step.

Order is reverse creation order over the nodes reachable from the output.
A node is always created after its parents, so this is a reverse topological
order, deterministic, and found with an explicit stack (no recursion, so a
chain of a million nodes is fine).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Callable, Iterable, Optional, Protocol

from .engine import Scalar

StepHook = Callable[[Scalar], None]


class HasParameters(Protocol):
    """A model: anything whose ``parameters()`` lists its Scalars (`ag.nn.Module` is one)."""

    def parameters(self) -> Iterable[Scalar]:
        """The model's parameter Scalars."""


def backward_order(output: Scalar) -> list[Scalar]:
    """Every node reachable from `output`, latest-created first (the order `backward` runs).

    >>> x = Scalar(1.0, "x"); y = x * 2; f = y + x
    >>> [n.op for n in backward_order(f)]
    ['add', 'mul', 'const', 'input']
    """
    return _ordered(_reachable(output, reset_interior=False))


def _reachable(output: Scalar, *, reset_interior: bool) -> set[Scalar]:
    # Explicit stack, no recursion. Scalars hash by identity, so the set is exact. The parents are
    # read from the node's slots (see ag.engine): no tuple is built per node.
    seen = {output}
    stack = [output]
    pop, push, add = stack.pop, stack.append, seen.add
    while stack:
        node = pop()
        parent = node._p
        if parent is not None:
            if parent not in seen:
                add(parent)
                push(parent)
            parent = node._q
            if parent is not None and parent not in seen:
                add(parent)
                push(parent)
        elif node._many is not None:
            for parent in node._many[0]:
                if parent not in seen:
                    add(parent)
                    push(parent)
    if reset_interior:
        for node in seen:
            if node._p is not None or node._many is not None:
                node.grad = 0.0
    return seen


def _ordered(nodes: set[Scalar]) -> list[Scalar]:
    # A node is created after its parents, so descending creation id is a
    # reverse topological order, with ties broken latest-created first.
    return sorted(nodes, key=_creation_id, reverse=True)


_creation_id = attrgetter("_id")


def backward(
    output: Scalar,
    *,
    before_step: Optional[StepHook] = None,
    after_step: Optional[StepHook] = None,
) -> None:
    """Run the backward pass from `output`.

    Seeds ``output.grad = 1``, resets the grads of the graph's intermediate
    nodes (so a second call adds exactly one more gradient into the leaves,
    like PyTorch), then runs every node's local step in `backward_order`.
    `before_step(node)` and `after_step(node)` are called around each step
    (leaves included: their step adds nothing).

    >>> x = Scalar(3.0, "x"); f = x * x
    >>> f.backward(); x.grad                             # ∂f/∂x = 2x
    6.0
    >>> f.backward(after_step=lambda n: print(n.op, x.grad))   # grads accumulate
    mul 12.0
    input 12.0
    """
    order = _ordered(_reachable(output, reset_interior=True))
    output.grad = 1.0
    if before_step is None and after_step is None:
        _run_steps(order)
        return
    for node in order:
        if before_step is not None:
            before_step(node)
        node._backward()
        if after_step is not None:
            after_step(node)


def _run_steps(order: list[Scalar]) -> None:
    # The same arithmetic as Scalar._backward, inlined: this loop is the hot path.
    for node in order:
        g = node.grad
        if g:
            parent = node._p
            if parent is not None:
                parent.grad += g * node._dp
                parent = node._q
                if parent is not None:
                    parent.grad += g * node._dq
            elif node._many is not None:
                for parent, partial in zip(*node._many):
                    parent.grad += g * partial


def zero_grad(*values: "Scalar | Iterable[Scalar] | HasParameters") -> None:
    """Set to 0 the grad of each given Scalar, of each Scalar in a given iterable, and of
    every parameter of a given model (anything with a ``parameters()`` method, like `ag.nn.Module`).

    >>> w = Scalar(2.0); (w * w).backward(); w.grad
    4.0
    >>> zero_grad(w); w.grad                  # or zero_grad(model), zero_grad(model.parameters())
    0.0
    """
    for value in values:
        if isinstance(value, Scalar):
            value.grad = 0.0
            continue
        items = value.parameters() if callable(getattr(value, "parameters", None)) else value
        if not hasattr(items, "__iter__"):
            raise TypeError(
                f"ag.zero_grad takes Scalars, iterables of Scalars or models, got {type(value).__name__}: {value!r}"
            )
        for item in items:
            if not isinstance(item, Scalar):
                raise TypeError(f"ag.zero_grad found a {type(item).__name__} among the Scalars: {item!r}")
            item.grad = 0.0
