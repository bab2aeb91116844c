"""Capturing a live graph of any engine: nodes in order, named, read as op-table ops, values checked.

The walk uses explicit stacks (no recursion limit on deep graphs) and finds a
cycle — a node that is its own ancestor, which a buggy engine can build — in
linear time, as an error naming the nodes on it. Parents kept in a `set` are
ordered deterministically by a digest of each parent's sub-graph (op names
and values, never ids); what each node computes is read by
`symcheck.engines.interpret`, which checks it against the node's own value.

Naming: a ``label`` (or the node's own ``name``) when present; else leaves
``x1, x2, …``, the engine's constants ``c1, c2, …`` and intermediates
``z1, z2, …`` in topological order (creation order when the engine keeps a
counter).
"""

from __future__ import annotations

import itertools
import functools
import hashlib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Union

from symcheck.engines.adapters import CONST, INPUT, Adapter
from symcheck.engines.discovery import UnreadableEngineError, is_real, unreadable
from symcheck.engines.families import AgAdapter, adapter_for
from symcheck.engines.interpret import Operand, Reading, alias_op, interpret_node, unknown_op_error
from symcheck.errors import InputError, SymcheckError
from symcheck.ir import Node, Program
from symcheck.ops import OPS
from symcheck.symbolic.opkind import KindKey, OpKind, Slot, kind_of

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.engines.reader import Reader
    from symcheck.render.progress import Progress

__all__ = ["EngineCycleError", "EngineGraph", "Operand", "alias_op", "capture_engine"]

_FORMS = {"gelu": "the erf form", "gelu_tanh": "the tanh approximation"}

PROGRESS_EVERY = 4096
"""Nodes read between two progress reports."""


class EngineCycleError(UnreadableEngineError):
    """The graph has a cycle: a node is its own ancestor, so there is no backward order to check."""


@dataclass
class EngineGraph:
    """A captured graph. Position i holds node ``nodes[i]``; parents come before consumers."""

    adapter: Adapter
    nodes: list[Any]
    names: list[str]
    values: list[float]
    ops: list[str] = field(default_factory=list)
    engine_ops: list[str] = field(default_factory=list)
    operands: list[tuple[Operand, ...]] = field(default_factory=list)
    indices: list[Optional[int]] = field(default_factory=list)
    output: int = 0
    readings: dict[int, Reading] = field(default_factory=dict, repr=False)
    """Nodes whose reading has something to say: a wrong forward value, an inferred or ambiguous op."""
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
        values = self.values
        return [values[o] for o in self.kind(i)[1]]

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
        """``z5 (tanh)``: the node's name and the engine's own op name (the op read, when it names none);
        ``z5 (gelu, the tanh approximation)`` where one engine name stands for two ops."""
        form = _FORMS.get(self.ops[i]) if self.engine_ops[i] and self.engine_ops[i] != self.ops[i] else None
        return f"{self.names[i]} ({self.op_name(i)}{', ' + form if form else ''})"

    def op_name(self, i: int) -> str:
        """The op a finding names: the engine's own name, else the op symcheck read."""
        return self.engine_ops[i] or self.ops[i]

    def step_alone(self, i: int, parents: list[int]) -> Optional[list[float]]:
        """Node i's own local step run alone with upstream grad 1: what it gives each of `parents`
        (positions), with every grad put back afterwards; None when it has no step or raises."""
        adapter, node = self.adapter, self.nodes[i]
        if not adapter.has_step(node):
            return None
        members = [self.nodes[p] for p in parents]
        touched = [node, *members]
        saved = [adapter.grad(n) if adapter.grads_on_every_node else None for n in touched]
        try:
            return adapter.step(node, members)
        except Exception:  # the engine's step fails here: the check of the steps reports it
            return None
        finally:
            if adapter.step_adds:
                for n, grad in zip(touched, saved):
                    adapter.set_grad(n, grad)

    def to_program(self) -> Program:
        """The graph as symcheck's IR (an engine's constant leaves are inlined as numbers)."""
        program_nodes = []
        for i in range(len(self.nodes)):
            if self.ops[i] == CONST:
                continue
            inputs = tuple(self._program_operand(o) for o in self.operands[i])
            engine_op = self.engine_ops[i] if self.engine_ops[i] != self.ops[i] else None
            program_nodes.append(Node(self.names[i], self.ops[i], inputs, self.values[i], self.indices[i], engine_op))
        return Program(tuple(program_nodes), self.names[self.output], source=f"<{self.adapter.family} graph>")

    def _program_operand(self, operand: Operand) -> Union[str, float]:
        if type(operand) is not int:
            return float(operand)
        if self.ops[operand] == CONST:
            return self.values[operand]
        return self.names[operand]


def _slots(operands: tuple[Operand, ...]) -> tuple[tuple[Slot, ...], tuple[int, ...]]:
    """A kind's operand pattern and the distinct node positions, in first-use order.

    Constant operands are pow's exponent or a number an engine kept outside the graph (``x * 2``).
    """
    if float not in set(map(type, operands)) and len(set(operands)) == len(operands):  # all distinct nodes
        return _distinct(len(operands)), operands  # type: ignore[return-value]
    refs: dict[int, int] = {}
    slots: list[Slot] = []
    for operand in operands:
        if type(operand) is int:
            slots.append(("v", refs.setdefault(operand, len(refs))))  # type: ignore[arg-type]
        else:
            slots.append(("c", float(operand)))
    return tuple(slots), tuple(refs)


@functools.lru_cache(maxsize=None)
def _distinct(count: int) -> tuple[Slot, ...]:
    """The pattern of `count` distinct node operands: ("v", 0), ("v", 1), …"""
    return tuple(("v", k) for k in range(count))


# -- capture --------------------------------------------------------------------------------------


def capture_engine(output: Any, adapter: Optional[Adapter] = None, *, reader: Optional["Reader"] = None,
                   progress: Optional["Progress"] = None) -> EngineGraph:
    """Capture everything reachable from `output`, a node of ag, micrograd or any engine symcheck can read.

    `reader` declares where the nodes keep what discovery cannot find
    (`symcheck.engines.Reader`). Raises `UnreadableEngineError` (a cycle:
    `EngineCycleError`) or `UnknownOpError` when the graph cannot be read.
    """
    if adapter is None:
        adapter = adapter_for(output, reader.layout(output) if reader is not None else None)
    if isinstance(adapter, AgAdapter):
        return _require_finite(_capture_ag(output, adapter))
    listed, nodes, unordered = _reachable(output, adapter)
    order = _order(output, listed, nodes, unordered, adapter)
    position = {id(node): i for i, node in enumerate(order)}
    parents_of = [listed[id(node)] for node in order]
    names = _names(order, [not parents for parents in parents_of], adapter)
    values = [_value(adapter, node, name) for node, name in zip(order, names)]
    graph = EngineGraph(adapter, order, names, values, output=position[id(output)])
    _require_finite(graph, parents_of)
    _require_parents(graph, output, parents_of)
    if progress is not None:
        progress.begin("reading your graph", len(order))
    for i, node in enumerate(order):
        reading = interpret_node(graph, i, node, parents_of[i], position, id(node) in unordered)
        graph.ops.append(reading.op)
        graph.engine_ops.append(reading.engine_op)
        graph.operands.append(reading.operands)
        graph.indices.append(reading.index)
        if reading.kind is not None and reading.op != "softmax":  # a softmax component's kind is rotated
            graph._kinds[i] = reading.kind
        if not reading.reproduced or reading.inferred or reading.ambiguous:
            graph.readings[i] = reading
        if progress is not None and i % PROGRESS_EVERY == PROGRESS_EVERY - 1:
            progress.advance(PROGRESS_EVERY)
    if progress is not None:
        progress.done()
    return graph


def _value(adapter: Adapter, node: Any, name: str) -> float:
    try:
        return adapter.value(node)
    except UnreadableEngineError as error:
        error.node = f"{name} (a {type(node).__name__})"
        raise


def _require_finite(graph: EngineGraph, parents_of: Optional[list[list[Any]]] = None) -> EngineGraph:
    """The graph, if every value in it is finite; else an error naming the first node (in order) that is not.

    Before the nodes are read (`parents_of` given) the node is described by its engine op and parents.
    """
    position = {id(node): i for i, node in enumerate(graph.nodes)}
    for i, value in enumerate(graph.values):
        if math.isfinite(value):
            continue
        if parents_of is None:
            parents, op = graph.parents(i), graph.op_name(i)
        else:
            parents = [position[id(p)] for p in parents_of[i] if id(p) in position]
            op = (graph.adapter.engine_op(graph.nodes[i]) or "?") if parents_of[i] else INPUT
        inputs = ", ".join(f"{graph.names[p]} = {graph.values[p]:g}" for p in parents)
        made = f" (from {inputs})" if inputs else ""
        raise InputError(
            f"its value is {value:g}{made}; symcheck checks gradients where every value is finite",
            node=f"{graph.names[i]} ({op})",
            hint="build the graph at a point where every value is finite",
        )
    return graph


def _require_parents(graph: EngineGraph, output: Any, parents_of: list[list[Any]]) -> None:
    """Never read an engine's output as a lone leaf: that would check nothing and say ok."""
    if len(graph) == 1:
        layout = graph.adapter.layout(output)
        if layout.parents is None and layout.history is None:
            raise unreadable(output, "the parents", "parents='...'",
                             "no attribute holds a tuple, list, set or dict of nodes")
        raise UnreadableEngineError(
            "the output has no parents, so there is no graph to check (a leaf's gradient is 1 by definition)",
            node=graph.names[0],
            hint="pass the output of a computation, e.g. symcheck.check(x * y + z)",
        )


def _capture_ag(output: Any, adapter: AgAdapter) -> EngineGraph:
    """ag's fast path: creation order is topological, parents are ordered, ops are the table's."""
    from symcheck.own import ag

    order = ag.backward_order(output)
    order.reverse()
    position = {id(node): i for i, node in enumerate(order)}
    names = _names(order, [not node.parents for node in order], adapter)
    graph = EngineGraph(adapter, order, names, [node.data for node in order], output=position[id(output)])
    for i, node in enumerate(order):
        op, parents = node.op, node.parents
        if not parents:
            graph.ops.append(CONST if op == CONST else INPUT)
            graph.engine_ops.append(op)
            graph.operands.append(())
            graph.indices.append(None)
            continue
        if op not in OPS:
            raise unknown_op_error(names[i], op, len(parents))
        refs: tuple[Operand, ...] = tuple(map(position.__getitem__, map(id, parents)))
        if op == "pow" and len(refs) == 1:
            refs = (refs[0], float(node.arg))
        graph.ops.append(op)
        graph.engine_ops.append(op)
        graph.operands.append(refs)
        graph.indices.append(node.arg if op == "softmax" else None)
    return graph


def _reachable(output: Any, adapter: Adapter) -> tuple[dict[int, list[Any]], dict[int, list[Any]], set[int]]:
    """Every node reachable from `output`, each with its parents as listed (nodes and numbers) and its
    parents that are nodes, and the nodes whose parents came in a set."""
    unordered: set[int] = set()
    listed: dict[int, list[Any]] = {}
    nodes: dict[int, list[Any]] = {}

    def read(node: Any) -> None:
        parents, in_a_set = adapter.parents(node)
        if in_a_set and len(parents) > 1:
            unordered.add(id(node))
        kept = [p for p in parents if adapter.is_node(p)]
        if len(kept) != len(parents):
            for parent in parents:
                if not adapter.is_node(parent) and not is_real(parent):
                    raise _odd_parent(adapter, node, parent)
        listed[id(node)] = parents
        nodes[id(node)] = kept

    read(output)
    stack = [output]
    while stack:
        for parent in nodes[id(stack.pop())]:
            if id(parent) not in nodes:
                read(parent)
                stack.append(parent)
    return listed, nodes, unordered


def _odd_parent(adapter: Adapter, node: Any, parent: Any) -> UnreadableEngineError:
    name = adapter.layout(node).parents or "history.inputs"
    shown = repr(parent) if len(repr(parent)) <= 30 else f"a {type(parent).__name__}"
    return UnreadableEngineError(
        f"its parents ({name}) hold a {type(parent).__name__} ({shown}), which is neither a node nor a number",
        node=f"a {type(node).__name__} with op {adapter.engine_op(node)!r}",
        hint="keep only nodes (or plain numbers) among a node's parents",
    )


def _order(output: Any, listed: dict[int, list[Any]], nodes: dict[int, list[Any]], unordered: set[int],
           adapter: Adapter) -> list[Any]:
    """Parents before consumers: creation order when the engine counts, else a post-order walk (as
    micrograd's build_topo), with a set's parents sorted by a digest of their sub-graphs."""
    if unordered:
        keys = _digests(output, nodes, adapter)
        for key in unordered:
            listed[key] = sorted(listed[key], key=lambda p: keys[id(p)] if id(p) in keys else f"~{float(p)!r}")
            nodes[key] = [p for p in listed[key] if adapter.is_node(p)]
    if adapter.creation_key(output) is not None:
        _postorder(adapter, output, nodes)  # for the cycle check
        return sorted(_nodes(output, nodes), key=adapter.creation_key)  # type: ignore[arg-type]
    return _postorder(adapter, output, nodes)


def _nodes(output: Any, nodes: dict[int, list[Any]]) -> Iterator[Any]:
    seen = {id(output)}
    stack = [output]
    while stack:
        node = stack.pop()
        yield node
        for parent in nodes[id(node)]:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)


def _postorder(adapter: Adapter, output: Any, parents: dict[int, list[Any]],
               visit: Optional[Callable[[Any], None]] = None) -> list[Any]:
    """Every node before its consumers, parents in their order (`parents`: by id, the node parents); a node
    met again while its own sub-graph is being walked closes a cycle: an `EngineCycleError`. Linear."""
    visiting, done = 1, 2
    state = {id(output): visiting}
    order: list[Any] = []
    stack: list[tuple[Any, Iterator[Any]]] = [(output, iter(parents[id(output)]))]
    push, pop, get, append = stack.append, stack.pop, state.get, order.append
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            key = id(parent)
            seen = get(key)
            if seen is None:
                state[key] = visiting
                push((parent, iter(parents[key])))
                break
            if seen == visiting:
                raise _cycle(adapter, [n for n, _ in stack], parent)
        else:
            pop()
            state[id(node)] = done
            append(node)
            if visit is not None:
                visit(node)
    return order


def _cycle(adapter: Adapter, path: list[Any], again: Any) -> EngineCycleError:
    start = next(k for k, node in enumerate(path) if node is again)
    loop = path[start:] + [again]
    shown = " → ".join(_describe_raw(adapter, node) for node in loop[:6]) + (" → …" if len(loop) > 6 else "")
    return EngineCycleError(
        f"the graph has a cycle of {len(loop) - 1} node(s): {shown} (each holds the next as a parent, and the first "
        f"is its own ancestor), so it has no backward order",
        hint="a node's parents must be created before it: look for a node appended to its own parents "
        "(or to an ancestor's) after it was built",
    )


def _describe_raw(adapter: Adapter, node: Any) -> str:
    """A node not yet named: its label, else its class, op and value."""
    label = adapter.label(node)
    if label:
        return label
    try:
        value = f"{adapter.value(node):.6g}"
    except SymcheckError:
        value = "?"
    return f"{type(node).__name__}({adapter.engine_op(node) or 'leaf'!r}, {value})"


def _digests(output: Any, parents: dict[int, list[Any]], adapter: Adapter) -> dict[int, str]:
    """A key per node from its op name, value and its parents' keys: the same in every run, unlike ids."""
    keys: dict[int, str] = {}
    blake2b = hashlib.blake2b

    def visit(node: Any) -> None:
        value = getattr(node, adapter.layout(node).value or "", None)
        text = f"{adapter.engine_op(node) or ''}|{value!r}|" + "|".join(sorted([keys[id(p)] for p in parents[id(node)]]))
        keys[id(node)] = blake2b(text.encode(), digest_size=12).hexdigest()

    _postorder(adapter, output, parents, visit)
    return keys


def _names(order: list[Any], leaves: list[bool], adapter: Adapter) -> list[str]:
    """Labels (a repeated label gets ``_2``, ``_3``…), else x1… for leaves, c1… for constants, z1…"""
    labels = [adapter.label(node) for node in order]
    taken: set[str] = {label for label in labels if label}
    used: set[str] = set()
    counters = {"x": 0, "z": 0, "c": 0}
    result = []
    for node, leaf, label in zip(order, leaves, labels):
        if label and label not in used:
            name = label
        elif label:
            name = next(f"{label}_{k}" for k in itertools.count(2) if f"{label}_{k}" not in taken)
            taken.add(name)
        else:
            prefix = ("c" if adapter.is_constant(node) else "x") if leaf else "z"
            k = counters[prefix] + 1
            while f"{prefix}{k}" in taken:
                k += 1
            counters[prefix] = k
            name = f"{prefix}{k}"
            taken.add(name)
        used.add(name)
        result.append(name)
    return result
