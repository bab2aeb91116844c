"""Jupyter display: ``_repr_mimebundle_`` for reports, traces and verdicts.

The bundle holds the rich rendering as HTML (``text/html``) and as plain text,
plus the derivations as Markdown math (``text/markdown``, ``$$…$$`` blocks
that Jupyter typesets) and raw LaTeX (``text/latex``). The HTML carries the
same math under the table, so front ends that pick HTML still show it.
"""

from __future__ import annotations

import html
import io
import re
from typing import TYPE_CHECKING, Any, Union

from symcheck.render import format_number
from symcheck.render.latex import derivation

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Report, Trace, Verdict

    Displayable = Union[Report, Trace, Verdict]

_WIDTH = 110


def _console_text(obj: "Displayable") -> tuple[str, str]:
    """(plain text, inline-styled HTML) of the rich rendering."""
    from rich.console import Console

    console = Console(file=io.StringIO(), record=True, width=_WIDTH, color_system="truecolor", force_terminal=True)
    console.print(obj)
    text = console.export_text(clear=False)
    page = console.export_html(inline_styles=True, code_format="<pre style=\"font-family:monospace\">{code}</pre>")
    return text, page


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


def report_bundle(report: "Report") -> dict[str, Any]:
    """The MIME bundle Jupyter shows for a check's report: the table and the derivations' math."""
    return _with_math(_console_bundle(report), _math_blocks(report))


def trace_bundle(trace: "Trace") -> dict[str, Any]:
    """The MIME bundle Jupyter shows for a trace."""
    return _with_math(_console_bundle(trace), _math_blocks(trace.report))


def verdict_bundle(verdict: "Verdict") -> dict[str, Any]:
    """The MIME bundle Jupyter shows for a claim's verdict."""
    bundle = _console_bundle(verdict)
    bundle["text/markdown"] = _verdict_markdown(verdict)
    return bundle


def _console_bundle(obj: "Displayable") -> dict[str, Any]:
    text, page = _console_text(obj)
    return {"text/plain": text, "text/html": page}


def _with_math(bundle: dict[str, Any], blocks: list[str]) -> dict[str, Any]:
    """The bundle with the derivations as Markdown math, LaTeX, and under the HTML table."""
    if blocks:
        markdown = "\n\n".join(f"$$\n{block}\n$$" for block in blocks)
        bundle["text/markdown"] = markdown
        bundle["text/latex"] = "\n".join(f"$${block}$$" for block in blocks)
        bundle["text/html"] += "\n<div>" + "".join(f"<p>$${html.escape(block)}$$</p>" for block in blocks) + "</div>"
    return bundle
