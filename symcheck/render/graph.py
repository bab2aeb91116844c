"""The computation graph as text: Graphviz DOT or Mermaid (no system graphviz needed).

Each node is one box labelled ``name = op(inputs)`` and, when known, its value
and grad; an edge runs from each operand to the node using it (once per use,
so ``a * a`` draws two). Constants stay inside the label. Nodes whose check
failed are drawn red. (`symcheck.render.notebook.GraphPicture` is that text,
which Jupyter displays as the SVG picture of `symcheck.render.svg`.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from symcheck.render import format_number as num

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.ir import Node, Program
    from symcheck.report import Report

FORMATS = ("dot", "mermaid")


@dataclass
class GraphData:
    """What to draw: the program plus optional per-node value, grad and failure marks.

    `partials` holds each edge's local partial ∂node/∂operand, keyed (operand,
    node); `report`, when the graph was checked, the check's report (its
    witnesses and findings go into the SVG picture's boxes and tooltips).
    """

    program: Program
    values: dict[str, float] = field(default_factory=dict)
    grads: dict[str, float] = field(default_factory=dict)
    failed: frozenset = frozenset()
    partials: dict[tuple[str, str], float] = field(default_factory=dict)
    report: Optional[Report] = None

    @classmethod
    def from_report(cls, report: Report) -> "GraphData":
        """The report's program with each node's value and engine grad, failing nodes marked."""
        return cls(
            report.program,
            {r.name: r.value for r in report.nodes},
            {r.name: r.grad for r in report.nodes if r.grad is not None},
            frozenset(r.name for r in report.nodes if not r.ok),
            {(operand, r.name): partial for r in report.nodes for operand, partial in r.local_partials.items()},
            report,
        )


def _label_lines(node: Node, data: GraphData) -> list[str]:
    if node.is_input:
        lines = [f"{node.name} (input)"]
    else:
        operands = ", ".join(o if isinstance(o, str) else num(o) for o in node.inputs)
        index = f"[{node.index}]" if node.index is not None else ""
        lines = [f"{node.name} = {node.op}{index}({operands})"]
    value = data.values.get(node.name, node.value)
    if value is not None:
        lines.append(f"value {num(value)}")
    if node.name in data.grads:
        lines.append(f"grad {num(data.grads[node.name])}")
    return lines


def _edges(program: Program) -> list[tuple[str, str]]:
    return [(o, node.name) for node in program.nodes for o in node.inputs if isinstance(o, str)]


def _dot_escape(text: str) -> str:
    # a line break in a name stays one DOT string: Graphviz reads \n inside quotes as a new line
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _dot_string(text: str) -> str:
    return f'"{_dot_escape(text)}"'


def to_dot(data: GraphData) -> str:
    """Graphviz DOT, left to right, output drawn with a double border."""
    lines = ["digraph symcheck {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for node in data.program.nodes:
        label = "\\n".join(_dot_escape(line) for line in _label_lines(node, data))
        attrs = [f'label="{label}"']
        if node.name == data.program.output:
            attrs.append("peripheries=2")
        if node.name in data.failed:
            attrs.append("color=red")
        lines.append(f"  {_dot_string(node.name)} [{', '.join(attrs)}];")
    for source, target in _edges(data.program):
        lines.append(f"  {_dot_string(source)} -> {_dot_string(target)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # Mermaid labels are quoted; quotes and markup-like characters become entity codes.
    # "#" first, since every entity code starts with it; a line break in a name becomes <br/>.
    for raw, code in (("#", "#35;"), ("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return "<br/>".join(text.splitlines()) if "\n" in text or "\r" in text else text


def to_mermaid(data: GraphData) -> str:
    """A Mermaid ``flowchart LR`` (node ids n0, n1, … so any name is safe)."""
    ids = {node.name: f"n{i}" for i, node in enumerate(data.program.nodes)}
    lines = ["flowchart LR"]
    for node in data.program.nodes:
        label = "<br/>".join(_mermaid_text(line) for line in _label_lines(node, data))
        open_, close = ("((", "))") if node.name == data.program.output else ("[", "]")
        lines.append(f'  {ids[node.name]}{open_}"{label}"{close}')
    for source, target in _edges(data.program):
        lines.append(f"  {ids[source]} --> {ids[target]}")
    if data.failed:
        lines.append("  classDef failed stroke:#d00,stroke-width:2px")
        lines.append("  class " + ",".join(ids[n] for n in data.program.names if n in data.failed) + " failed")
    return "\n".join(lines) + "\n"


def render_graph(data: GraphData, fmt: str = "dot") -> str:
    """`data` in `fmt` ("dot" or "mermaid"); ValueError names the formats for anything else."""
    if fmt == "dot":
        return to_dot(data)
    if fmt == "mermaid":
        return to_mermaid(data)
    raise ValueError(f"unknown graph format {fmt!r}; use one of {', '.join(FORMATS)}")
