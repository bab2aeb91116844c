"""The backward pass as a page: one self-contained HTML file, for a trace or a check.

`trace_page` shows the graph (`symcheck.render.svg`) beside the state of the
pass before each local step, stepped with buttons, a slider or the keys ← and
→: every node's ``.grad`` as a number and as the chain rule's partial sum
(MathML), the consumers still pending, and what the step adds to each operand
(``upstream × local = contribution``, the wire lit). Step numbers are the
console trace's. `report_page` shows a check's graph beside its witnesses
table and derivations, failing nodes red.

Everything is inline (CSS, the script, SVG, MathML, the data as a JSON
island), and a Content-Security-Policy forbids every request, so the page
opens offline and fetches nothing. Graphs above `BIG_ABOVE` nodes show the
neighbourhood of the current step and a minimap instead of every box.

The DOM contract that tests (symcheck's and a course's) drive the page by:
the stepper element carries ``data-current-step`` (the console's step
number); each drawn node is an SVG ``g`` with ``data-node`` (its name),
``data-value`` and ``data-grad`` (its ``.grad`` right before the current
step), as numbers JavaScript's ``Number`` reads; ← and → move one step.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Optional

from symcheck.render import format_number as num
from symcheck.render.graph import GraphData
from symcheck.render.html_parts import (
    derivations,
    esc,
    findings,
    node_table,
    output_text,
    point_text,
    steps_list,
    summary,
    verdict_fragment,
)
from symcheck.render.page_data import check_payload, trace_payload
from symcheck.render.svg import BOX_SUM_CHARS, Scene, draw, layout_scene, scene_from_graph

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Report, Trace

BIG_ABOVE = 150
"""Graphs with more nodes than this show the current step's neighbourhood and a minimap."""

HEADER_INPUTS = 8
"""Inputs named in the page's heading before the rest are counted."""

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""The page may run its own inline script and styles and load nothing at all."""


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """The text of one of the page's files (``page.css``, ``page.js``), shipped with symcheck."""
    return resources.files("symcheck.render").joinpath("assets", name).read_text(encoding="utf-8")


def json_island(payload: Any) -> str:
    """The data as a ``<script type="application/json">`` whose text cannot end the element early."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="symcheck-data">{text}</script>'


def _document(title: str, body: str, payload: Any, mode: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="generator" content="symcheck"><title>{esc(title)}</title>'
        f"<style>{asset('page.css')}</style></head>"
        f'<body class="symcheck-page mode-{mode}">{body}{json_island(payload)}'
        f"<script>{asset('page.js')}</script></body></html>\n"
    )


def _legend(trace: bool) -> str:
    gradient = ("below it the gradient it carries back once its consumer's step has run "
                "(lit while that step runs)" if trace else "below it the gradient it carries back")
    return (f'<p class="legend">Each wire shows, near the box it enters, <span class="v">the value it carries '
            f'forward</span> above it, <span class="g">{gradient}</span>, and ∂ the local partial. '
            "Click a box (or Tab to it and press Enter) to "
            f"{'go to its step' if trace else 'see its row and derivation'}.</p>")


def _graph_pane(scene: Scene, layout: Any, *, big: bool, trace: bool) -> str:
    if big:
        names = "".join(f'<option value="{esc(m.name)}">' for m in scene.nodes)
        picture = ('<svg xmlns="http://www.w3.org/2000/svg" class="symcheck-graph" role="group" '
                   f'aria-label="{esc(scene.title)}: the nodes around the current one" width="10" height="10"></svg>')
        extra = ('<div class="minimap-box"><canvas id="minimap" role="img" aria-label="the whole graph: '
                 f'{len(scene.nodes)} nodes, the current one framed; click to jump"></canvas>'
                 '<label class="finder">go to node <input id="finder" list="node-names" autocomplete="off">'
                 f'<datalist id="node-names">{names}</datalist></label></div>')
    else:
        picture, extra = draw(scene, layout, focusable=True, standalone=False), ""
    return (f'<section id="graph" class="graph-pane" aria-label="The computation graph">'
            f'<div class="graph-scroll">{picture}</div>{extra}{_legend(trace)}</section>')


# -- the trace page -------------------------------------------------------------------------


def trace_scene(trace: "Trace") -> Scene:
    """The trace's graph after the whole pass, each box with room for the sums and states that
    the page writes into it step by step."""
    scene = scene_from_graph(GraphData.from_report(trace.report))
    widest: dict[str, int] = {}
    for step in trace.steps:
        for name, form in step.symbolic_before.items():
            users = step.pending.get(name, ())
            longest = max(len(form) + 2, len("pending: " + ", ".join(users)), len("▶ runs now"))
            widest[name] = max(widest.get(name, 0), min(longest, BOX_SUM_CHARS))
    results = {r.name: r for r in trace.report.nodes}
    for mark in scene.nodes:
        final = results[mark.name].grad_symbolic if mark.name in results else None
        mark.steps = (f"= {final}" if final else "", "complete")
        mark.reserve = widest.get(mark.name, 0)
    return scene


def _stepper(trace: "Trace") -> str:
    first = trace.steps[0] if trace.steps else None
    number = first.number if first else 0
    label = f"step {number} of {trace.step_count}: before {first.node}._backward()" if first else "no steps"
    return (
        f'<nav id="stepper" class="stepper" aria-label="Backward steps" data-current-step="{number}">'
        '<button type="button" data-go="first" aria-label="First step" aria-keyshortcuts="Home">« first</button>'
        '<button type="button" data-go="prev" aria-label="Previous step" aria-keyshortcuts="ArrowLeft">◀ previous</button>'
        f'<input id="slider" type="range" min="0" max="{max(0, len(trace.steps) - 1)}" value="0" step="1" '
        f'aria-label="Step" aria-valuetext="{esc(label)}">'
        '<button type="button" data-go="next" aria-label="Next step" aria-keyshortcuts="ArrowRight">next ▶</button>'
        '<button type="button" data-go="last" aria-label="Last step" aria-keyshortcuts="End">last »</button>'
        f'<output id="step-label" aria-live="polite">{esc(label)}</output>'
        '<span class="keys"><kbd>←</kbd> <kbd>→</kbd> step, <kbd>Home</kbd> <kbd>End</kbd></span></nav>'
    )


def trace_page(trace: "Trace", *, start: Optional[int] = None) -> str:
    """The trace as a self-contained interactive HTML page (see the module docstring), opening at
    step number `start` (a ``#step=N`` at the end of the page's address opens step N too)."""
    report = trace.report
    scene = trace_scene(trace)
    layout = layout_scene(scene)
    big = len(scene.nodes) > BIG_ABOVE
    claims = "".join(verdict_fragment(v) for v in report.claims)
    body = (
        '<a class="skip" href="#panel">Skip to the step</a>'
        f"<header><h1>Backward pass of {esc(output_text(report.output))} "
        f'<span class="sub">at {esc(point_text(report.inputs, limit=HEADER_INPUTS))}</span></h1>'
        f"<p>{trace.step_count} local steps, latest-created node first; before each one, every "
        "<code>.grad</code> as the engine holds it and as the chain rule explains it.</p></header>"
        f"{_stepper(trace)}<main>{_graph_pane(scene, layout, big=big, trace=True)}"
        '<section id="panel" class="panel" aria-live="polite" aria-label="The current step" tabindex="-1">'
        "<p>Loading the steps… (the page needs JavaScript to step; every step is also listed below)</p></section>"
        f'</main><section class="outcome">{findings(report)}{claims}{summary(report)}</section>'
        '<section class="all-steps"><details><summary>Every step as text</summary>'
        f"{steps_list(trace)}</details></section>"
    )
    payload = trace_payload(trace, scene, layout, big=big)
    payload["start"] = start
    return _document(f"symcheck trace of f = {report.output}", body, payload, "trace")


# -- the check page -------------------------------------------------------------------------


def report_page(report: "Report") -> str:
    """The check as a self-contained HTML page: the graph beside the witnesses table and the
    derivations, failing nodes red with their findings."""
    scene = scene_from_graph(GraphData.from_report(report))
    layout = layout_scene(scene)
    big = len(scene.nodes) > BIG_ABOVE
    what = f" of {report.target}" if report.target else ""
    claims = "".join(verdict_fragment(v) for v in report.claims)
    body = (
        '<a class="skip" href="#panel">Skip to the results</a>'
        f"<header><h1>Check{esc(what)}: {esc(output_text(report.output))} "
        f'<span class="sub">at {esc(point_text(report.inputs, limit=HEADER_INPUTS))}</span></h1>'
        f"<p>Every node's ∂f/∂node three ways: the engine's backward pass, sympy, finite differences "
        f"(rtol {num(report.rtol)}, atol {num(report.atol)}).</p>{summary(report)}</header>"
        f"<main>{_graph_pane(scene, layout, big=big, trace=False)}"
        f'<section id="panel" class="panel" aria-label="The results" tabindex="-1">'
        f'<p id="chosen" class="note" aria-live="polite"></p>{findings(report)}'
        f'<div class="table-box">{node_table(report, links=True)}</div>'
        f"{derivations(report)}{claims}</section></main>"
    )
    return _document(f"symcheck check of f = {report.output}", body, check_payload(report, scene, layout, big=big),
                     "check")
