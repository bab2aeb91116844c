"""The intermediate representation every part of symcheck works on.

A `Program` is an ordered tuple of `Node`s, inputs first, each node's inputs
defined before it, plus the name of the output node. It is built from text
(`symcheck.parse`) or captured from a live graph (`symcheck.capture`), and it
builds the graph that gets run (`symcheck.build`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

Operand = Union[str, float]
"""A node input: the name of an earlier node, or a numeric constant."""

INPUT = "input"
"""The op of an input node (a leaf that the user can set with ``--at``)."""


GENERIC_POINTS = (0.7, 1.3, 0.4, 1.1, 0.9, 1.7, 0.6, 1.2, 0.8, 1.4)
"""Default values for inputs given none: away from 0, 1 and each other, so kinks,
domain edges and accidental cancellations are unlikely."""


def default_value(position: int) -> float:
    """The default value of the input at `position` (0-based) when the user gave none."""
    return GENERIC_POINTS[position % len(GENERIC_POINTS)] + 0.05 * (position // len(GENERIC_POINTS))


@dataclass(frozen=True)
class SourceLocation:
    """Where in the user's text something stands (1-based line and column)."""

    file: str
    line: int
    column: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Node:
    """One node: ``name = op(inputs)`` with the value it had (or will have).

    `index` is the component of an n-ary op with several outputs (softmax);
    `engine_op` is the op's name in the engine it was captured from, when that
    engine names it differently (micrograd's ``'*'``); `location` points into
    the source text for nodes parsed from text; `generated` is true when
    symcheck made the name up (``z2`` in a bare expression or an unlabeled
    graph, ``loss_1`` inside a staged line) rather than the user writing it.
    """

    name: str
    op: str
    inputs: tuple[Operand, ...] = ()
    value: Optional[float] = None
    index: Optional[int] = None
    engine_op: Optional[str] = None
    location: Optional[SourceLocation] = None
    generated: bool = False

    @property
    def is_input(self) -> bool:
        """True for an input leaf (op ``"input"``)."""
        return self.op == INPUT


@dataclass(frozen=True)
class Claim:
    """A claim's source text and where it came from (a ``# claim:`` line or the CLI)."""

    text: str
    location: Optional[SourceLocation] = None


@dataclass(frozen=True)
class Question:
    """A ``# question N: QUANTITY`` line: what answer block `number` must equal (a claim side, as typed)."""

    number: int
    text: str
    location: Optional[SourceLocation] = None


@dataclass(frozen=True)
class Program:
    """An ordered graph: `nodes` inputs first and each after its inputs; `output` names the result.

    `claims` and `questions` come from a program file's ``# claim:`` and ``# question N:`` lines.
    """

    nodes: tuple[Node, ...]
    output: str
    claims: tuple[Claim, ...] = ()
    source: Optional[str] = None
    defaulted: tuple[str, ...] = ()
    """Inputs valued at the default point (`default_value`) because no one gave them a value; an input whose
    value is None is at the default point too, once checked. Reports say so in their header."""
    _by_name: dict = field(default=None, init=False, repr=False, compare=False)  # type: ignore[assignment]
    questions: tuple[Question, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {node.name: node for node in self.nodes})

    def node(self, name: str) -> Node:
        """The node called `name` (KeyError if there is none)."""
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def names(self) -> tuple[str, ...]:
        """Every node's name, in program order."""
        return tuple(node.name for node in self.nodes)

    @property
    def inputs(self) -> tuple[Node, ...]:
        """The input nodes, in program order."""
        return tuple(node for node in self.nodes if node.is_input)

    def consumers(self) -> dict[str, tuple[str, ...]]:
        """For each node name, the names of the nodes that use it (in program order, once each)."""
        users: dict[str, list[str]] = {node.name: [] for node in self.nodes}
        for node in self.nodes:
            for operand in dict.fromkeys(op for op in node.inputs if isinstance(op, str)):
                users[operand].append(node.name)
        return {name: tuple(names) for name, names in users.items()}

    def with_inputs(self, values: dict[str, float]) -> "Program":
        """A copy with the given inputs' values replaced (other nodes' values cleared)."""
        unknown = sorted(set(values) - {n.name for n in self.inputs})
        if unknown:
            raise KeyError(unknown[0])
        nodes = tuple(
            Node(n.name, n.op, n.inputs, values.get(n.name, n.value), n.index, n.engine_op, n.location, n.generated)
            if n.is_input
            else Node(n.name, n.op, n.inputs, None, n.index, n.engine_op, n.location, n.generated)
            for n in self.nodes
        )
        kept = tuple(name for name in self.defaulted if name not in values)
        return Program(nodes, self.output, self.claims, self.source, kept, questions=self.questions)

    def at_default_point(self) -> "Program":
        """A copy whose inputs without a value take the default point's (`default_value`), named in `defaulted`."""
        unvalued = {node.name: default_value(i) for i, node in enumerate(self.inputs) if node.value is None}
        if not unvalued:
            return self
        program = self.with_inputs(unvalued)
        return Program(program.nodes, self.output, self.claims, self.source, (*self.defaulted, *unvalued),
                       questions=self.questions)

    def default_inputs(self) -> tuple[str, ...]:
        """The inputs at the default point: named in `defaulted`, or without a value."""
        return tuple(node.name for node in self.inputs if node.name in self.defaulted or node.value is None)


# -- walks over a program's graph, in one place ----------------------------------------


def reaching_output(program: Program) -> set[str]:
    """The output and every node with a path to it."""
    reached = {program.output}
    for node in reversed(program.nodes):
        if node.name in reached:
            reached.update(o for o in node.inputs if isinstance(o, str))
    return reached


def upstream(program: Program, name: str) -> set[str]:
    """`name` and every node it depends on (its operands, their operands, …)."""
    return {name} | ancestors(program, [name])


def ancestors(program: Program, names: Iterable[str]) -> set[str]:
    """Every node some node in `names` depends on (not the named nodes themselves, unless one feeds another)."""
    found: set[str] = set()
    pending = list(names)
    while pending:
        for operand in program.node(pending.pop()).inputs:
            if isinstance(operand, str) and operand not in found:
                found.add(operand)
                pending.append(operand)
    return found
