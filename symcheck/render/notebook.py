"""Jupyter display: one MIME bundle per result, shown once, with typeset maths everywhere.

Front ends pick one entry of a bundle. JupyterLab, the classic Notebook and
VS Code pick ``text/html``; its formulas are MathML, which their browsers
(VS Code's included) typeset natively, so no MathJax pass is needed and no
math is left as ``$…$`` source. ``text/markdown`` (``$$`` blocks) and
``text/latex`` serve exporters (nbconvert to Markdown or PDF); ``text/plain``
is the console's text without colour codes.

- a **check** (`report_bundle`) shows its witnesses table, findings,
  derivations and claims;
- a **trace** (`trace_bundle`) shows the interactive page of
  `symcheck.render.html` inline, in a sandboxed ``iframe`` (no extension to
  install). Where scripts may not run (GitHub's notebook viewer, an untrusted
  notebook) the sanitizer drops the script and the iframe and what remains
  is a static picture of the graph and the step list, with the console's
  step numbers. Its exporters' maths are the steps' grads;
- a **verdict** (`verdict_bundle`) shows the claim, both sides and why;
- a **graph** (`GraphPicture`, what `symcheck.graph` returns)
  shows its SVG picture, scrolling sideways when it is wider than the
  notebook, with its DOT text as plain text.

Nothing here prints: no rich console is asked to render into the notebook
(rich would display a second, raw copy of the result there).
"""

from __future__ import annotations

import html
import io
import re
import uuid
from typing import TYPE_CHECKING, Any, Union

from symcheck.render import format_number
from symcheck.render.graph import GraphData, render_graph, to_dot, to_mermaid
from symcheck.render.html import trace_page
from symcheck.render.html_parts import esc, report_fragment, steps_list, trace_heading, verdict_fragment
from symcheck.render.latex import derivation, trace_to_latex
from symcheck.render.svg import graph_svg

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Report, Trace, Verdict

    Displayable = Union[Report, Trace, Verdict]

_WIDTH = 110

NOTEBOOK_STEPS = 40
"""Steps listed in the static picture of a trace (the interactive view has them all)."""

STATIC_PICTURE_UP_TO = 150
"""Graphs up to this many nodes get a static SVG picture in a trace's display."""

STYLE = """<style>
.symcheck-nb { font-size: 14px; line-height: 1.45; }
.symcheck-nb table { border-collapse: collapse; margin: 0.3em 0; }
.symcheck-nb.symcheck-nb table th, .symcheck-nb.symcheck-nb table td { padding: 0.15em 0.55em; text-align: left; }
.symcheck-nb.symcheck-nb table td.num, .symcheck-nb .num { font-family: monospace; text-align: right; white-space: nowrap; }
.symcheck-nb.symcheck-nb table.derivation td.lhs { text-align: right; }
.symcheck-nb .ok, .symcheck-nb .good { color: #17803d; }
.symcheck-nb .bad, .symcheck-nb .bad-summary, .symcheck-nb tr.bad-row { color: #c62828; }
.symcheck-nb .warn { color: #a15c00; }
.symcheck-nb .heading { font-family: monospace; }
.symcheck-nb caption { text-align: left; opacity: 0.75; }
.symcheck-nb math { font-size: 1.1em; }
.symcheck-nb .steps-list ul { margin: 0.1em 0; }
.symcheck-nb .picture { overflow-x: auto; }
.symcheck-nb .picture svg { max-width: none; }
</style>"""


def _plain_text(obj: "Displayable") -> str:
    """The console's rendering as plain text (no colour codes), rendered off-screen: ``force_jupyter``
    is off, so rich does not also display it in the notebook."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=_WIDTH, color_system=None, force_jupyter=False,
                      force_terminal=False, highlight=False)
    console.print(obj)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


def _math_blocks(report: "Report") -> list[str]:
    """Each derivation's align* body, for Markdown ``$$`` blocks."""
    blocks = []
    for result in report.nodes:
        if result.name == report.output:
            continue
        block = derivation(result)
        if block is not None:
            body = block.removeprefix("\\begin{align*}\n").removesuffix("\n\\end{align*}")
            blocks.append("\\begin{aligned}\n" + body + "\n\\end{aligned}")
    return blocks


def _code(text: str) -> str:
    """`text` as a Markdown code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def _verdict_markdown(verdict: "Verdict") -> str:
    """A claim's verdict and both sides (symbolic form = value) as Markdown."""
    mark, word = ("✓", "holds") if verdict.holds else ("✗", "fails")
    lines = [f"**{mark} claim {word}** ({verdict.method}): {_code(verdict.claim)}", ""]
    for side, symbolic, value in (("lhs", verdict.lhs_symbolic, verdict.lhs_value),
                                  ("rhs", verdict.rhs_symbolic, verdict.rhs_value)):
        lines.append(f"- {side} = {_code(symbolic)} = {format_number(value)}")
    return "\n".join(lines)


def _html(body: str, kind: str) -> str:
    return f'{STYLE}<div class="symcheck-nb symcheck-{kind}">{body}</div>'


def _with_math(bundle: dict[str, Any], report: "Report") -> dict[str, Any]:
    """The derivations as Markdown math and LaTeX, for exporters."""
    blocks = _math_blocks(report)
    if blocks:
        bundle["text/markdown"] = "\n\n".join(f"$$\n{block}\n$$" for block in blocks)
        bundle["text/latex"] = "\n".join(f"$${block}$$" for block in blocks)
    return bundle


def report_bundle(report: "Report") -> dict[str, Any]:
    """The MIME bundle of a check: witnesses, findings, derivations (MathML) and claims."""
    bundle = {"text/plain": _plain_text(report), "text/html": _html(report_fragment(report), "report")}
    return _with_math(bundle, report)


def verdict_bundle(verdict: "Verdict") -> dict[str, Any]:
    """The MIME bundle of a claim's verdict."""
    return {"text/plain": _plain_text(verdict), "text/html": _html(verdict_fragment(verdict), "verdict"),
            "text/markdown": _verdict_markdown(verdict)}


def _static_trace(trace: "Trace") -> str:
    """What a trace shows where scripts are not allowed: the graph's picture and the step list."""
    picture = ""
    if len(trace.report.nodes) <= STATIC_PICTURE_UP_TO:
        picture = f'<div class="picture">{graph_svg(GraphData.from_report(trace.report))}</div>'
    listing = steps_list(trace, limit=NOTEBOOK_STEPS, more="Trace.to_html() or symcheck trace --html lists them all")
    return (f'<p class="heading">{esc(trace_heading(trace))}</p>{picture}'
            f"<p>The interactive view needs scripts, which this viewer does not run; here are the steps.</p>{listing}")


def trace_bundle(trace: "Trace") -> dict[str, Any]:
    """The MIME bundle of a trace: the interactive page in a sandboxed iframe, a static picture and
    step list in its place where scripts cannot run, and the check's maths for exporters."""
    first = trace.steps[0].number if trace.steps else None
    page = trace_page(trace, start=first)
    token = f"symcheck-{uuid.uuid4().hex}"
    interactive = (
        f'<iframe id="{token}-frame" name="{token}" hidden sandbox="allow-scripts" '
        f'title="{esc(trace_heading(trace))}: the backward pass step by step" '
        'style="width: 100%; height: 760px; border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 8px;" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
        "<script>(function () {"
        f'var frame = document.getElementById("{token}-frame"), still = document.getElementById("{token}-static");'
        "if (!frame) { return; }"
        "frame.hidden = false; if (still) { still.parentNode.removeChild(still); }"
        "window.addEventListener(\"message\", function (event) {"
        f'if (event.data && event.data.symcheckFrame === "{token}") {{'
        "frame.style.height = Math.min(1400, Math.max(320, event.data.height + 4)) + \"px\"; } });"
        "})();</script>"
    )
    body = f'<div id="{token}-static">{_static_trace(trace)}</div>{interactive}'
    bundle = {"text/plain": _plain_text(trace), "text/html": _html(body, "trace")}
    return _with_step_math(bundle, trace)


def _with_step_math(bundle: dict[str, Any], trace: "Trace") -> dict[str, Any]:
    """Each step's grads as LaTeX and Markdown math, for exporters: the steps, not the check's
    derivations. A filtered trace has none (its sums cannot be rebuilt without every step)."""
    if len(trace.steps) != trace.step_count:
        return bundle
    latex = trace_to_latex(trace)
    bundle["text/latex"] = latex
    steps = re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", latex, re.S)  # one block per step
    bundle["text/markdown"] = "\n\n".join(f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$" for body in steps)
    return bundle


def graph_bundle(svg: str, text: str) -> dict[str, Any]:
    """The MIME bundle of a graph's picture: the SVG in a box that scrolls sideways when the graph is
    wider than the notebook (HTML, what notebook front ends pick), the SVG alone (for exporters and
    viewers without HTML), and the graph's DOT or Mermaid text."""
    return {"text/html": _html(f'<div class="picture">{svg}</div>', "graph"), "image/svg+xml": svg,
            "text/plain": text}


class GraphPicture(str):
    """The graph's text (DOT, or Mermaid when asked for), which Jupyter displays as its SVG picture.

    It is the text itself (``str``), so it prints and compares as before;
    `dot`, `mermaid` and `svg` give each form, and `data` what they draw.
    """

    data: GraphData

    def __new__(cls, data: GraphData, fmt: str = "dot") -> "GraphPicture":
        picture = super().__new__(cls, render_graph(data, fmt))
        picture.data = data
        return picture

    @property
    def dot(self) -> str:
        """Graphviz DOT text."""
        return to_dot(self.data)

    @property
    def mermaid(self) -> str:
        """Mermaid text."""
        return to_mermaid(self.data)

    @property
    def svg(self) -> str:
        """The picture symcheck draws (`symcheck.render.svg`): values, grads, failing nodes red."""
        return graph_svg(self.data)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return graph_bundle(self.svg, str(self))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's plain-text form of a str is its repr; this one's is the text itself
        printer.text(str(self))
