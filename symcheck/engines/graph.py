"""Capturing a live micrograd-style graph: nodes in order, named, with op-table ops.

The walk uses an explicit stack (no recursion limit on deep graphs). Parents
kept in a `set` are ordered deterministically by a digest of each parent's
sub-graph (op names and values, never ids); what each node computes is read
by `symcheck.engines.interpret` (which also orders a set's parents by value
where the op's operand order matters).

Naming: a ``label`` (or the node's own ``name``) when present; else leaves ``x1, x2, …`` and
intermediates ``z1, z2, …`` in topological order (creation order when the
engine keeps a counter).
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from symcheck.engines.adapters import CONST, INPUT, Adapter, AgAdapter, adapter_for
from symcheck.engines.interpret import Operand, alias_op, interpret_node, unknown_op_error
from symcheck.errors import InputError
from symcheck.ir import Node, Program
from symcheck.ops import OPS
from symcheck.symbolic.opkind import KindKey, OpKind, Slot, kind_of

__all__ = ["EngineGraph", "Operand", "alias_op", "capture_engine"]


@dataclass
class EngineGraph:
    """A captured graph. Position i holds node ``nodes[i]``; parents come before consumers."""

    adapter: Adapter
    nodes: list[Any]
    names: list[str]
    ops: list[str]
    engine_ops: list[str]
    operands: list[tuple[Operand, ...]]
    indices: list[Optional[int]]
    output: int
    _kinds: dict[int, tuple[OpKind, tuple[int, ...]]] = field(default_factory=dict, repr=False)
    _by_key: dict[KindKey, OpKind] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.nodes)

    def parents(self, i: int) -> list[int]:
        """Distinct parent positions of node i, in operand order."""
        return list(dict.fromkeys(o for o in self.operands[i] if type(o) is int))

    def is_leaf(self, i: int) -> bool:
        """True for an input or an engine-coerced constant (no local step to check)."""
        return self.ops[i] in (INPUT, CONST)

    def kind(self, i: int) -> tuple[OpKind, tuple[int, ...]]:
        """The compiled op kind of (non-leaf) node i and the distinct node positions its dummies stand for.

        A softmax component i is derived as component 0 of its operands rotated
        to put operand i first (the same function), so one kind serves every
        component of a softmax of a given size.
        """
        found = self._kinds.get(i)
        if found is None:
            operands = self.operands[i]
            index = self.indices[i]
            if self.ops[i] == "softmax" and index:
                operands = (operands[index],) + operands[:index] + operands[index + 1 :]
                index = 0
            slots, refs = _slots(operands)
            key = (self.ops[i], index, slots)
            compiled = self._by_key.get(key)
            if compiled is None:
                compiled = self._by_key[key] = kind_of(key)
            found = self._kinds[i] = (compiled, refs)
        return found

    def variable_values(self, i: int) -> list[float]:
        """The values of node i's variable operands, in the order its kind takes them."""
        nodes = self.nodes
        return [float(nodes[o].data) for o in self.kind(i)[1]]

    def consumers(self) -> list[list[int]]:
        """For each node, the distinct nodes that use it."""
        users: list[list[int]] = [[] for _ in self.nodes]
        for i in range(len(self.nodes)):
            for p in self.parents(i):
                users[p].append(i)
        return users

    def uses(self) -> list[int]:
        """For each node, how many operand positions use it (``a * a`` counts twice)."""
        count = [0] * len(self.nodes)
        for operands in self.operands:
            for o in operands:
                if type(o) is int:
                    count[o] += 1
        return count

    def depth(self) -> int:
        """The number of nodes on the longest path from a leaf to the output."""
        longest = [0] * len(self.nodes)
        for i in range(len(self.nodes)):  # parents come before consumers
            longest[i] = 1 + max((longest[p] for p in self.parents(i)), default=0)
        return longest[self.output]

    def describe(self, i: int) -> str:
        """``z5 (tanh)``: the node's name and the engine's own op name."""
        return f"{self.names[i]} ({self.engine_ops[i] or self.ops[i]})"

    def to_program(self) -> Program:
        """The graph as symcheck's IR (an engine's constant leaves are inlined as numbers)."""
        program_nodes = []
        for i, node in enumerate(self.nodes):
            if self.ops[i] == CONST:
                continue
            inputs = tuple(self._program_operand(o) for o in self.operands[i])
            engine_op = self.engine_ops[i] if self.engine_ops[i] != self.ops[i] else None
            program_nodes.append(
                Node(self.names[i], self.ops[i], inputs, float(node.data), self.indices[i], engine_op)
            )
        return Program(tuple(program_nodes), self.names[self.output], source=f"<{self.adapter.name} graph>")

    def _program_operand(self, operand: Operand) -> Union[str, float]:
        if type(operand) is not int:
            return float(operand)
        if self.ops[operand] == CONST:
            return float(self.nodes[operand].data)
        return self.names[operand]


def _slots(operands: tuple[Operand, ...]) -> tuple[tuple[Slot, ...], tuple[int, ...]]:
    """A kind's operand pattern and the distinct node positions, in first-use order.

    Constant operands are pow's exponent or a number an engine kept outside the graph (``x * 2``).
    """
    refs: dict[int, int] = {}
    slots: list[Slot] = []
    for operand in operands:
        if type(operand) is int:
            slots.append(("v", refs.setdefault(operand, len(refs))))  # type: ignore[arg-type]
        else:
            slots.append(("c", float(operand)))
    return tuple(slots), tuple(refs)


def capture_engine(output: Any, adapter: Optional[Adapter] = None) -> EngineGraph:
    """Capture everything reachable from `output` (a node of ag, micrograd or a micrograd-style engine)."""
    adapter = adapter or adapter_for(output)
    if isinstance(adapter, AgAdapter):
        return _require_finite(_capture_ag(output, adapter))
    unordered: set[int] = set()  # nodes whose parents came in a set: their operand order is ours to find
    raw = _reachable(output, adapter, unordered)
    if unordered:
        keys = _digests(raw, output)
        raw = {
            k: (node, sorted(parents, key=lambda p: keys[id(p)]) if k in unordered else parents)
            for k, (node, parents) in raw.items()
        }
    order = _topological(output, raw, adapter)
    position = {id(node): i for i, node in enumerate(order)}
    names = _names(order, [not raw[id(node)][1] for node in order], adapter)
    graph = EngineGraph(adapter, order, names, [], [], [], [], position[id(output)])
    for i, node in enumerate(order):
        parents = raw[id(node)][1]
        op, engine_op, operands, index = interpret_node(graph, i, node, parents, position, id(node) in unordered)
        graph.ops.append(op)
        graph.engine_ops.append(engine_op)
        graph.operands.append(operands)
        graph.indices.append(index)
    return _require_finite(graph)


def _require_finite(graph: EngineGraph) -> EngineGraph:
    """The graph, if every value in it is finite; else an error naming the first node (in order) that is not."""
    for i, node in enumerate(graph.nodes):
        value = float(node.data)
        if not math.isfinite(value):
            inputs = ", ".join(f"{graph.names[p]} = {float(graph.nodes[p].data):g}" for p in graph.parents(i))
            made = f" (from {inputs})" if inputs else ""
            raise InputError(
                f"its value is {value:g}{made}; symcheck checks gradients where every value is finite",
                node=graph.describe(i),
                hint="build the graph at a point where every value is finite",
            )
    return graph


def _capture_ag(output: Any, adapter: AgAdapter) -> EngineGraph:
    """ag's fast path: creation order is topological, parents are ordered, ops are the table's."""
    from symcheck.own import ag

    order = ag.backward_order(output)
    order.reverse()
    position = {id(node): i for i, node in enumerate(order)}
    names = _names(order, [not node.parents for node in order], adapter)
    ops: list[str] = []
    operands: list[tuple[Operand, ...]] = []
    indices: list[Optional[int]] = []
    for i, node in enumerate(order):
        op, parents = node.op, node.parents
        if not parents:
            ops.append(CONST if op == CONST else INPUT)
            operands.append(())
            indices.append(None)
            continue
        if op not in OPS:
            raise unknown_op_error(names[i], op, len(parents))
        refs: tuple[Operand, ...] = tuple([position[id(p)] for p in parents])
        if op == "pow" and len(refs) == 1:
            refs = (refs[0], float(node.arg))
        ops.append(op)
        operands.append(refs)
        indices.append(node.arg if op == "softmax" else None)
    return EngineGraph(adapter, order, names, ops, list(ops), operands, indices, position[id(output)])


def _reachable(output: Any, adapter: Adapter, unordered: set[int]) -> dict[int, tuple[Any, list[Any]]]:
    def read(node: Any) -> tuple[Any, list[Any]]:
        parents = adapter.parents(node)
        if isinstance(parents, (set, frozenset)) and not adapter.ordered_parents:
            unordered.add(id(node))
        return node, list(parents)

    found = {id(output): read(output)}
    stack = [output]
    pop, push = stack.pop, stack.append
    while stack:
        for parent in found[id(pop())][1]:
            key = id(parent)
            if key not in found:
                found[key] = read(parent)
                push(parent)
    return found


def _digests(raw: dict[int, tuple[Any, list[Any]]], output: Any) -> dict[int, str]:
    """A key per node from its op, value and its parents' keys: stable across runs, unlike ids."""
    keys: dict[int, str] = {}
    stack: list[tuple[Any, bool]] = [(output, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in keys:
            continue
        parents = raw[id(node)][1]
        if not ready:
            stack.append((node, True))
            stack.extend((p, False) for p in parents if id(p) not in keys)
            continue
        text = f"{getattr(node, '_op', getattr(node, 'op', ''))}|{node.data!r}|" + "|".join(
            sorted(keys[id(p)] for p in parents)
        )
        keys[id(node)] = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    return keys


def _topological(output: Any, raw: dict[int, tuple[Any, list[Any]]], adapter: Adapter) -> list[Any]:
    if adapter.creation_key(output) is not None:
        return sorted((node for node, _ in raw.values()), key=adapter.creation_key)
    order: list[Any] = []
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(output, False)]
    while stack:  # post-order, parents in their (deterministic) order, like micrograd's build_topo
        node, ready = stack.pop()
        if id(node) in done:
            continue
        if ready:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(raw[id(node)][1]) if id(p) not in done)
    return order


def _names(order: list[Any], leaves: list[bool], adapter: Adapter) -> list[str]:
    """Labels (a repeated label gets ``_2``, ``_3``…), else x1… for leaves, c1… for constants, z1…"""
    labels = [adapter.label(node) for node in order]
    taken: set[str] = {label for label in labels if label}
    used: set[str] = set()
    counters = {"x": itertools.count(1), "z": itertools.count(1), "c": itertools.count(1)}
    result = []
    for node, leaf, label in zip(order, leaves, labels):
        if label and label not in used:
            name = label
        elif label:
            name = next(f"{label}_{k}" for k in itertools.count(2) if f"{label}_{k}" not in taken)
            taken.add(name)
        else:
            prefix = ("c" if adapter.is_constant(node) else "x") if leaf else "z"
            name = next(f"{prefix}{k}" for k in counters[prefix] if f"{prefix}{k}" not in taken)
            taken.add(name)
        used.add(name)
        result.append(name)
    return result
