"""The computation graph as an SVG picture, drawn by symcheck itself (no graphviz).

The picture reads like a circuit diagram from a backprop lecture: data flows
left to right (`symcheck.render.layout` places the boxes), each box shows a
node's name, op, formula, value and grad, and each wire carries, near the box
it enters, the value flowing forward *above* it and the gradient flowing back
*below* it (∂f/∂consumer · ∂consumer/∂operand), with the local partial
∂consumer/∂operand under that. A node whose check failed is red with its
finding; a node whose grad is wrong only because of another node's fault has
its grad in red; kinks and domain edges carry a "!" badge. Each box's tooltip
gives the three witnesses (engine, symbolic, finite difference), each wire's
the local partial in symbols.

The markup follows a small contract that the HTML page and its tests rely on:
every node is a ``g`` with ``data-node`` (its name), ``data-value`` and
``data-grad`` (numbers as JavaScript reads them); every wire a ``g`` with
``data-source`` and ``data-target``. All user text is escaped.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Sequence

from symcheck.render import format_number as num
from symcheck.render.layout import PORT_MARGIN, PORT_PITCH, Layout, Route, layered_layout

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.ir import Node
    from symcheck.render.graph import GraphData
    from symcheck.report import Report

CHAR_WIDTH = 7.23
"""Advance of one character of the boxes' 12px monospace font (DejaVu Sans Mono, Menlo, Consolas agree)."""

LABEL_CHAR_WIDTH = 6.63
"""…and of the wires' 11px labels."""

LINE_HEIGHT = 15.0
PADDING = 8.0
MIN_WIDTH = 112.0
MAX_CHARS = 30
"""Characters a box line shows before it is cut with …"""

BOX_SUM_CHARS = 18
"""…and characters of a trace's symbolic sum in a box (the page's panel shows it whole)."""

END_RUN = 80.0
"""Length of the straight end of each wire, where its labels sit."""

_BINARY = {"add": "+", "sub": "−", "mul": "·", "div": "/", "pow": "^"}

STYLE = """
.symcheck-graph { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.symcheck-graph .backdrop { fill: #ffffff; }
.symcheck-graph .box { fill: #f7f9fc; stroke: #5b6b80; stroke-width: 1.2; }
.symcheck-graph .output .box { stroke-width: 2.6; }
.symcheck-graph .node-name { font-weight: bold; fill: #14202e; }
.symcheck-graph .node-op, .symcheck-graph .node-formula { fill: #4d5b6b; }
.symcheck-graph .node-value { fill: #17803d; }
.symcheck-graph .node-grad { fill: #b3261e; }
.symcheck-graph .wire-line { fill: none; stroke: #8795a8; stroke-width: 1.3; }
.symcheck-graph .wire-head { fill: #8795a8; }
.symcheck-graph .wire-value { fill: #17803d; font-size: 11px; }
.symcheck-graph .wire-grad { fill: #b3261e; font-size: 11px; }
.symcheck-graph .wire-local { fill: #5b6b80; font-size: 10px; }
.symcheck-graph .failed .box { fill: #fde8e7; stroke: #c62828; stroke-width: 2.4; }
.symcheck-graph .wrong .node-grad { font-weight: bold; }
.symcheck-graph .wrong:not(.failed) .box { stroke: #c62828; stroke-dasharray: 4 2; }
.symcheck-graph .badge { font-size: 11px; font-weight: bold; }
.symcheck-graph .badge-failed { fill: #c62828; }
.symcheck-graph .badge-flag { fill: #a15c00; }
.symcheck-graph .flagged .box { stroke: #c77800; stroke-dasharray: 5 3; }
.symcheck-graph .wire.suspect .wire-line { stroke: #c62828; stroke-dasharray: 6 3; stroke-width: 2; }
.symcheck-graph .wire.suspect .wire-head { fill: #c62828; }
.symcheck-graph .node-sum { fill: #14202e; }
.symcheck-graph .node-status { fill: #5b6b80; font-style: italic; }
"""


@dataclass
class NodeMark:
    """What one box shows: the node, its numbers, and what the check found there."""

    name: str
    op: str
    formula: str
    value: Optional[float]
    grad: Optional[float]
    output: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(kind, message) of each failure found at this node: it is drawn red."""
    wrong: bool = False
    """The node's grad disagrees with the other witnesses (maybe only because of a fault elsewhere)."""
    flags: list[tuple[str, str]] = field(default_factory=list)
    witnesses: Optional[tuple[Optional[float], Optional[float], Optional[float]]] = None
    """∂f/∂node from the engine, from sympy and by finite differences, where a check ran."""
    steps: Optional[tuple[str, str]] = None
    """In a trace: the grad's symbolic sum (``= z7``) and its state (``pending: z4``), two more lines
    that the page rewrites as it steps."""
    reserve: int = 0
    """Characters the box keeps room for (the longest line any step will write)."""


@dataclass
class WireMark:
    """One wire, operand → consumer: the value it carries forward, the gradient it carries back."""

    source: str
    target: str
    value: Optional[float]
    local: Optional[float] = None
    """∂target/∂source at the point (summed over the operand's positions, as in ``a * a``)."""
    gradient: Optional[float] = None
    """∂f/∂target · ∂target/∂source: what the target's step adds to the source's grad."""
    uses: int = 1
    suspect: bool = False
    """The target's own step was found wrong (a ``local`` finding): this partial is the engine's fault."""


@dataclass
class Scene:
    """Everything a picture shows, in program order."""

    nodes: list[NodeMark]
    wires: list[WireMark]
    title: str = "computation graph"

    def wire_pairs(self) -> list[tuple[str, str]]:
        """The (source, target) pairs, as the layout takes them."""
        return [(w.source, w.target) for w in self.wires]


# -- from results -------------------------------------------------------------------------


def formula(node: "Node") -> str:
    """The node's forward formula in a few characters: ``z1 · z2``, ``sin(z4)``, ``input``."""
    if node.is_input:
        return "input"
    operands = [o if isinstance(o, str) else num(o) for o in node.inputs]
    if node.op in _BINARY and len(operands) == 2:
        return f"{operands[0]} {_BINARY[node.op]} {operands[1]}"
    index = f"[{node.index}]" if node.index is not None else ""
    return f"{node.op}{index}({', '.join(operands)})"


def scene_from_graph(data: "GraphData") -> Scene:
    """The scene of a `GraphData`: values and grads, and, when it carries a check report, the three
    witnesses, the findings and each wire's local partial and gradient."""
    program, report = data.program, data.report
    results = {r.name: r for r in report.nodes} if report is not None else {}
    marks = []
    for node in program.nodes:
        result = results.get(node.name)
        mark = NodeMark(node.name, node.engine_op or node.op, formula(node),
                        data.values.get(node.name, node.value), data.grads.get(node.name),
                        output=node.name == program.output, wrong=node.name in data.failed)
        if result is not None:
            mark.witnesses = (result.grad, result.grad_expected, result.grad_fd)
            mark.wrong = not result.ok
        marks.append(mark)
    _mark_findings(marks, report)
    wires = _wires(data, results)
    faulty = {m.name for m in marks if any(kind == "local" for kind, _ in m.failures)}
    for wire in wires:
        wire.suspect = wire.target in faulty
    return Scene(marks, wires, title=f"computation graph of f = {program.output}")


def _mark_findings(marks: list[NodeMark], report: Optional["Report"]) -> None:
    """Each failure makes its node red; each flag gives its node a badge."""
    if report is None:
        return
    by_name = {mark.name: mark for mark in marks}
    for finding in report.failures:
        if finding.node in by_name:
            by_name[finding.node].failures.append((finding.kind, finding.message))
    for finding in report.flags:
        if finding.node in by_name:
            by_name[finding.node].flags.append((finding.kind, finding.message))


def _wires(data: "GraphData", results: dict) -> list[WireMark]:
    wires: dict[tuple[str, str], WireMark] = {}
    for node in data.program.nodes:
        result = results.get(node.name)
        upstream = None
        if result is not None:
            upstream = result.grad_expected if result.grad_expected is not None else result.grad
        for operand in node.inputs:
            if not isinstance(operand, str):
                continue
            key = (operand, node.name)
            if key in wires:
                wires[key].uses += 1
                continue
            local = data.partials.get(key)
            gradient = upstream * local if upstream is not None and local is not None else None
            wires[key] = WireMark(operand, node.name, data.values.get(operand), local, gradient)
    return list(wires.values())


# -- sizes and layout ---------------------------------------------------------------------


def _cut(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def box_lines(mark: NodeMark) -> list[tuple[str, str]]:
    """The box's (class, text) lines after its header: formula, value, grad, a trace's sum and
    state, and the badge of a finding."""
    wrong = " ✗" if mark.wrong else ""
    lines = [("node-formula", _cut(mark.formula)), ("node-value", f"value {num(mark.value)}"),
             ("node-grad", f"grad  {num(mark.grad)}{wrong}")]
    if mark.steps is not None:
        lines += [("node-sum", _cut(mark.steps[0], BOX_SUM_CHARS)), ("node-status", _cut(mark.steps[1], BOX_SUM_CHARS))]
    badge = _badge(mark)
    if badge is not None:
        lines.append(badge)
    return lines


def box_size(mark: NodeMark, ports: int = 1) -> tuple[float, float]:
    """(width, height) of the node's box: its longest line, and room for `ports` wires on a side."""
    header = len(_cut(mark.name, 18)) + 2 + len(mark.op)
    lines = box_lines(mark)
    longest = max([header, mark.reserve, *(len(text) for _, text in lines)])
    width = max(MIN_WIDTH, longest * CHAR_WIDTH + 2 * PADDING)
    height = max((len(lines) + 1) * LINE_HEIGHT + PADDING, (ports - 1) * PORT_PITCH + 2 * PORT_MARGIN)
    return round(width, 1), round(height, 1)


def layout_scene(scene: Scene) -> Layout:
    """The layered layout of the scene's boxes and wires."""
    ins: dict[str, int] = {}
    outs: dict[str, int] = {}
    for wire in scene.wires:
        outs[wire.source] = outs.get(wire.source, 0) + 1
        ins[wire.target] = ins.get(wire.target, 0) + 1
    sizes = {m.name: box_size(m, max(ins.get(m.name, 0), outs.get(m.name, 0), 1)) for m in scene.nodes}
    inputs = [m.name for m in scene.nodes if m.formula == "input"]
    return layered_layout([m.name for m in scene.nodes], scene.wire_pairs(), sizes, inputs=inputs)


# -- markup -------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def data_number(value: Optional[float]) -> str:
    """A number as JavaScript's ``Number()`` reads it back exactly: ``2.4267937``, ``NaN``, ``-Infinity``."""
    if value is None or math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def _badge(mark: NodeMark) -> Optional[tuple[str, str]]:
    if mark.failures:
        kinds = ", ".join(dict.fromkeys(kind for kind, _ in mark.failures))
        return "badge badge-failed", _cut(f"✗ {kinds}")
    if mark.flags:
        kinds = ", ".join(dict.fromkeys(kind for kind, _ in mark.flags))
        return "badge badge-flag", _cut(f"! {kinds}")
    return None


def node_classes(mark: NodeMark) -> str:
    """The box's CSS classes: node, plus output / failed / wrong / flagged as they apply."""
    classes = ["node"]
    for flag, name in ((mark.output, "output"), (bool(mark.failures), "failed"), (mark.wrong, "wrong"),
                       (bool(mark.flags), "flagged")):
        if flag:
            classes.append(name)
    return " ".join(classes)


def node_tooltip(mark: NodeMark) -> str:
    """The tooltip: the node, its value, the three witnesses of ∂f/∂node, and the findings."""
    lines = [f"{mark.name} = {mark.formula}" if mark.formula != "input" else f"{mark.name} (input)",
             f"value {num(mark.value)}"]
    if mark.witnesses is not None:
        engine, symbolic, fd = mark.witnesses
        lines.append(f"∂f/∂{mark.name}: engine {num(engine)} · symbolic {num(symbolic)} · "
                     f"finite difference {num(fd)}")
    else:
        lines.append(f"grad {num(mark.grad)}")
    lines += [f"✗ {kind}: {message}" for kind, message in mark.failures]
    lines += [f"! {kind}: {message}" for kind, message in mark.flags]
    return "\n".join(lines)


def node_label(mark: NodeMark) -> str:
    """What a screen reader says for the box."""
    state = ""
    if mark.failures:
        state = "; check failed: " + "; ".join(message for _, message in mark.failures)
    elif mark.wrong:
        state = "; its grad disagrees with the other witnesses"
    kind = "input" if mark.formula == "input" else f"{mark.formula}"
    return f"{mark.name} = {kind}, value {num(mark.value)}, grad {num(mark.grad)}{state}"


def node_inner(mark: NodeMark, width: float, height: float) -> str:
    """The box's content, drawn at the origin (the page moves it with a transform)."""
    y = PADDING + 10
    parts = [
        f"<title>{_esc(node_tooltip(mark))}</title>",
        f'<rect class="box" width="{width}" height="{height}" rx="6"/>',
        f'<text class="node-name" x="{PADDING}" y="{y}">{_esc(_cut(mark.name, 18))}</text>',
        f'<text class="node-op" x="{width - PADDING}" y="{y}" text-anchor="end">{_esc(mark.op)}</text>',
    ]
    for cls, line in box_lines(mark):
        y += LINE_HEIGHT
        parts.append(f'<text class="{cls}" x="{PADDING}" y="{y}">{_esc(line)}</text>')
    return "".join(parts)


def node_group(mark: NodeMark, x: float, y: float, width: float, height: float, *, focusable: bool = False) -> str:
    """The node's ``g[data-node]``, placed at (x, y)."""
    focus = ' tabindex="0" role="button"' if focusable else ' role="img"'
    return (f'<g class="{node_classes(mark)}" data-node="{_esc(mark.name)}" data-value="{data_number(mark.value)}" '
            f'data-grad="{data_number(mark.grad)}" transform="translate({x:.1f},{y:.1f})"{focus} '
            f'aria-label="{_esc(node_label(mark))}">{node_inner(mark, width, height)}</g>')


def wire_path(points: Sequence[tuple[float, float]]) -> str:
    """The wire's SVG path: curves between the points (horizontal at each end), straight across
    each column a long wire crosses, and a straight `END_RUN` into the box where the labels sit."""
    (x0, y0), rest = points[0], list(points[1:])
    end = rest.pop()
    rest.append((end[0] - END_RUN, end[1]))
    d = [f"M{x0:.1f},{y0:.1f}"]
    at = (x0, y0)
    for k, (x, y) in enumerate(rest):
        if k % 2 == 1 and k < len(rest) - 1:  # across a column: straight
            d.append(f"L{x:.1f},{y:.1f}")
        else:
            mid = (at[0] + x) / 2
            d.append(f"C{mid:.1f},{at[1]:.1f} {mid:.1f},{y:.1f} {x:.1f},{y:.1f}")
        at = (x, y)
    d.append(f"L{end[0] - 5:.1f},{end[1]:.1f}")
    return " ".join(d)


def wire_tooltip(wire: WireMark) -> str:
    """The wire's tooltip: what flows forward and back, and the local partial."""
    uses = f" (used {wire.uses} times)" if wire.uses > 1 else ""
    lines = [f"{wire.source} → {wire.target}{uses}", f"forward: {wire.source} = {num(wire.value)}"]
    if wire.local is not None:
        lines.append(f"local partial ∂{wire.target}/∂{wire.source} = {num(wire.local)}")
    if wire.gradient is not None:
        lines.append(f"back: ∂f/∂{wire.target} · ∂{wire.target}/∂{wire.source} = {num(wire.gradient)}")
    if wire.suspect:
        lines.append(f"✗ {wire.target}'s _backward computes this partial wrongly (see its finding)")
    return "\n".join(lines)


def wire_group(wire: WireMark, route: Route) -> str:
    """The wire's ``g[data-source][data-target]``: its path, arrow head, and labels."""
    x, y = route.points[-1]
    label_x = x - 8
    local = "" if wire.local is None else f"∂ {num(wire.local)}"
    gradient = "" if wire.gradient is None else num(wire.gradient)
    classes = "wire suspect" if wire.suspect else "wire"
    return (
        f'<g class="{classes}" data-source="{_esc(wire.source)}" data-target="{_esc(wire.target)}">'
        f"<title>{_esc(wire_tooltip(wire))}</title>"
        f'<path class="wire-line" d="{wire_path(route.points)}"/>'
        f'<path class="wire-head" d="M{x:.1f},{y:.1f} l-7,-3.5 v7 z"/>'
        f'<text class="wire-value" x="{label_x:.1f}" y="{y - 4:.1f}" text-anchor="end">{_esc(num(wire.value))}</text>'
        f'<text class="wire-grad" x="{label_x:.1f}" y="{y + 12:.1f}" text-anchor="end">{_esc(gradient)}</text>'
        f'<text class="wire-local" x="{label_x:.1f}" y="{y + 23:.1f}" text-anchor="end">{_esc(local)}</text>'
        "</g>"
    )


def draw(scene: Scene, layout: Optional[Layout] = None, *, focusable: bool = False, standalone: bool = True) -> str:
    """The scene as one ``<svg>`` element. `standalone` adds the stylesheet and a white backdrop
    (a picture shown on its own); the HTML page styles it instead, light or dark."""
    layout = layout or layout_scene(scene)
    width, height = math.ceil(layout.width), math.ceil(layout.height)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="symcheck-graph" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="group" aria-label="{_esc(scene.title)}">']
    if standalone:
        parts.append(f"<style>{STYLE}</style>")
        parts.append(f'<rect class="backdrop" width="{width}" height="{height}"/>')
    routes = {(r.source, r.target): r for r in layout.routes}
    parts.append('<g class="wires">')
    parts.extend(wire_group(wire, routes[(wire.source, wire.target)]) for wire in scene.wires)
    parts.append('</g><g class="nodes">')
    for mark in scene.nodes:
        box = layout.boxes[mark.name]
        parts.append(node_group(mark, box.x, box.y, box.width, box.height, focusable=focusable))
    parts.append("</g></svg>")
    return "".join(parts)


def graph_svg(data: "GraphData") -> str:
    """The picture of a `GraphData` as a standalone SVG document's root element."""
    return draw(scene_from_graph(data))
