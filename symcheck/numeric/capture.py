"""Capture a live ag graph as a Program.

The graph is walked from the output with an explicit stack (no recursion, so
deep graphs are fine) and its nodes are put in creation order, which is a
topological order. Names:

* a label becomes the node's name; a label already used by an earlier node
  (in creation order) gets a suffix: the second ``h`` becomes ``h_2``, the
  third ``h_3`` (never clashing with any other name);
* unlabeled inputs are ``x1, x2, …`` and unlabeled intermediates ``z1, z2, …``,
  each in creation order, skipping names that labels already took.

``const`` leaves (numbers an operator coerced) are inlined as float operands;
``pow`` with one parent becomes ``(base, exponent)``; a softmax component keeps
its output index in `Node.index`. Every node's value is captured.
"""

from __future__ import annotations

from itertools import count
from typing import Iterator, Union

from symcheck.ir import INPUT, Node, Operand, Program
from symcheck.own import ag


def capture(output: ag.Scalar) -> Program:
    """The graph that produced `output` as a Program (values captured, output last)."""
    scalars = _reachable(output)
    kept = [s for s in scalars if s.op != "const" or s is output]
    names = _names(kept)
    nodes = tuple(_node(s, names) for s in kept)
    return Program(nodes, names[id(output)])


def _reachable(output: ag.Scalar) -> list[ag.Scalar]:
    seen = {id(output)}
    found = [output]
    stack = [output]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                found.append(parent)
                stack.append(parent)
    found.sort(key=lambda s: s._id)
    return found


def _names(scalars: list[ag.Scalar]) -> dict[int, str]:
    labels = {s.label for s in scalars if s.label}
    taken: set[str] = set()
    names: dict[int, str] = {}
    inputs, intermediates = _fresh("x", labels), _fresh("z", labels)
    for s in scalars:
        if s.label:
            name = s.label if s.label not in taken else _unique(s.label, taken | labels)
        elif s.parents:
            name = next(intermediates)
        else:
            name = next(inputs)
        taken.add(name)
        names[id(s)] = name
    return names


def _fresh(prefix: str, labels: set[str]) -> Iterator[str]:
    for k in count(1):
        if f"{prefix}{k}" not in labels:
            yield f"{prefix}{k}"


def _unique(label: str, taken: set[str]) -> str:
    if label not in taken:
        return label
    for k in count(2):
        if f"{label}_{k}" not in taken:
            return f"{label}_{k}"
    raise AssertionError("unreachable")


def _node(s: ag.Scalar, names: dict[int, str]) -> Node:
    name = names[id(s)]
    if not s.parents:
        return Node(name, INPUT, (), s.data)
    operands: list[Operand] = [_operand(p, names) for p in s.parents]
    if s.op == "pow" and len(operands) == 1:
        operands.append(float(s.arg))
    index = int(s.arg) if s.op == "softmax" else None
    return Node(name, s.op, tuple(operands), s.data, index, generated=not s.label)


def _operand(parent: ag.Scalar, names: dict[int, str]) -> Union[str, float]:
    return float(parent.data) if parent.op == "const" else names[id(parent)]
