"""What the HTML page's script steps through: each node's state before every step, compactly.

A trace records, before each local step, the ``.grad`` of every node (of the
step's own node and its operands only, on graphs above
`symcheck.tracing.RECORD_ALL_UP_TO` nodes). The page needs each node's state
before *any* step, so each node gets a **timeline**: a list of entries
``[up_to, grad, expected, sum_text, sum_mathml, pending, ok]``, each holding
for the steps after the previous entry's ``up_to`` and up to its own.
Entries that repeat the next one are dropped, so a node costs one entry per
change, not one per step.

Where a trace recorded every node the timeline is exact. Where it recorded
only each step's neighbourhood, a node's state between two records is the
later record's: exact for any engine whose steps only add into their own
operands' grads, because a node's grad then changes only in its consumers'
steps, and the node is recorded at each of them.

The symbolic sums are composed as MathML from the contributions each step
adds (`sum_mathml` is None when a filtered trace lacks some of them; the
page then shows `sum_text`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional

from symcheck.render.formulas import mathml_inner, name_mathml
from symcheck.render.html_parts import SumBook, describe
from symcheck.render.layout import LAYER_GAP, MARGIN, NODE_GAP, PORT_MARGIN, PORT_PITCH
from symcheck.render.svg import END_RUN, node_classes, node_inner

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.render.layout import Layout
    from symcheck.render.svg import Scene
    from symcheck.report import Report, Step, Trace

def _number(value: Optional[float]) -> Any:
    """A number for JSON: None, or a float (NaN and infinities as strings JavaScript's Number reads)."""
    if value is None:
        return None
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float(value)


def _close(engine: Optional[float], expected: Optional[float], report: "Report") -> bool:
    if engine is None or expected is None:
        return True
    if math.isnan(engine) and math.isnan(expected):
        return True
    return math.isclose(engine, expected, rel_tol=report.rtol, abs_tol=report.atol)


def timelines(trace: "Trace", book: SumBook) -> dict[str, list[list[Any]]]:
    """Each recorded node's timeline (see the module docstring)."""
    report = trace.report
    entries: dict[str, list[list[Any]]] = {}
    for step in trace.steps:
        for name, grad in step.grads_before.items():
            expected = step.expected_before.get(name)
            ok = _close(grad, expected, report) or name in step.kink_excused
            entry = [step.number, _number(grad), _number(expected), step.symbolic_before.get(name, "0"),
                     None, list(step.pending.get(name, ())), ok]
            entries.setdefault(name, []).append(entry)
    for name, timeline in entries.items():
        kept = [e for e, after in zip(timeline, timeline[1:]) if e[1:] != after[1:]] + timeline[-1:]
        for entry in kept:
            entry[4] = book.before(name, entry[0])
        entries[name] = kept
    return entries


def _step_entry(step: "Step", report: "Report") -> dict[str, Any]:
    upstream = step.expected_before.get(step.node)
    adds = []
    for c in step.adds:
        adds.append({
            "target": c.target, "value": _number(c.value), "local": _number(c.local), "upstream": _number(upstream),
            "term": c.term, "termMathml": mathml_inner(c.expr) if c.expr is not None else None,
            "localMathml": mathml_inner(c.local_expr) if c.local_expr is not None else None,
        })
    return {"n": step.number, "node": step.node, "ok": step.ok, "describe": describe(report, step.node),
            "adds": adds, "excused": list(step.kink_excused)}


def node_entries(scene: "Scene", layout: "Layout", report: "Report", *, boxes: bool) -> list[dict[str, Any]]:
    """Each node's static facts: op, formula, value, final grad, where the layout put it, its
    operands and consumers, its findings; with `boxes` also its box's SVG markup (drawn at the
    origin), for the big-graph view that draws only a neighbourhood."""
    consumers = report.program.consumers()
    results = {r.name: r for r in report.nodes}
    entries = []
    for mark in scene.nodes:
        box = layout.boxes[mark.name]
        node = report.program.node(mark.name)
        result = results.get(mark.name)
        entry = {
            "name": mark.name, "op": mark.op, "formula": mark.formula, "value": _number(mark.value),
            "grad": _number(mark.grad), "layer": box.layer, "x": round(box.x, 1), "y": round(box.y, 1),
            "w": box.width, "h": box.height, "operands": list(dict.fromkeys(o for o in node.inputs if isinstance(o, str))),
            "consumers": list(consumers.get(mark.name, ())), "classes": node_classes(mark),
            "ok": result.ok if result is not None else True,
            "symbolic": result.grad_symbolic if result is not None else None, "nameMathml": name_mathml(mark.name),
        }
        if boxes:
            entry["box"] = node_inner(mark, box.width, box.height)
        entries.append(entry)
    return entries


def wire_entries(scene: "Scene") -> list[dict[str, Any]]:
    """Each wire: its ends, the value it carries and its local partial."""
    return [{"source": w.source, "target": w.target, "value": _number(w.value), "local": _number(w.local),
             "gradient": _number(w.gradient), "uses": w.uses, "suspect": w.suspect} for w in scene.wires]


def geometry() -> dict[str, float]:
    """The layout's spacings, so the page draws a neighbourhood as symcheck draws a whole graph."""
    return {"layerGap": LAYER_GAP, "nodeGap": NODE_GAP, "endRun": END_RUN, "portPitch": PORT_PITCH,
            "portMargin": PORT_MARGIN, "margin": MARGIN}


def trace_payload(trace: "Trace", scene: "Scene", layout: "Layout", *, big: bool) -> dict[str, Any]:
    """Everything the trace page's script needs."""
    report = trace.report
    book = SumBook(trace)
    schedule = {step.node: step.number for step in trace.steps}
    nodes = node_entries(scene, layout, report, boxes=big)
    lines = timelines(trace, book)
    for entry in nodes:
        entry["step"] = schedule.get(entry["name"])
        entry["timeline"] = lines.get(entry["name"], [])
    return {
        "mode": "trace", "output": report.output, "stepCount": trace.step_count, "big": big,
        "width": layout.width, "height": layout.height, "nodes": nodes, "wires": wire_entries(scene),
        "steps": [_step_entry(step, report) for step in trace.steps], "rtol": report.rtol, "atol": report.atol,
        "sumsComposed": book.complete, "geometry": geometry(),
    }


def check_payload(report: "Report", scene: "Scene", layout: "Layout", *, big: bool) -> dict[str, Any]:
    """Everything the check page's script needs."""
    focus = next((f.node for f in report.failures if f.node in report.program), report.output)
    return {
        "mode": "check", "output": report.output, "big": big, "width": layout.width, "height": layout.height,
        "nodes": node_entries(scene, layout, report, boxes=big), "wires": wire_entries(scene), "focus": focus,
        "ok": report.ok, "geometry": geometry(),
    }

