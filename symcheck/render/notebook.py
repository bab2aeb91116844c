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
from typing import Any, Union

from symcheck.report import Report, Trace, Verdict

Displayable = Union[Report, Trace, Verdict]

_WIDTH = 110


def _console_text(obj: Displayable) -> tuple[str, str]:
    """(plain text, inline-styled HTML) of the rich rendering."""
    from rich.console import Console

    console = Console(file=io.StringIO(), record=True, width=_WIDTH, color_system="truecolor", force_terminal=True)
    console.print(obj)
    text = console.export_text(clear=False)
    page = console.export_html(inline_styles=True, code_format="<pre style=\"font-family:monospace\">{code}</pre>")
    return text, page


def _math_blocks(obj: Displayable) -> list[str]:
    """Each derivation's align* body, for Markdown ``$$`` blocks."""
    from symcheck.render.latex import derivation

    report = obj.report if isinstance(obj, Trace) else obj
    if not isinstance(report, Report):
        return []
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


def _verdict_markdown(verdict: Verdict) -> str:
    """A claim's verdict and both sides (symbolic form = value) as Markdown."""
    from symcheck.render import format_number

    mark, word = ("✓", "holds") if verdict.holds else ("✗", "fails")
    lines = [f"**{mark} claim {word}** ({verdict.method}): {_code(verdict.claim)}", ""]
    for side, symbolic, value in (("lhs", verdict.lhs_symbolic, verdict.lhs_value),
                                  ("rhs", verdict.rhs_symbolic, verdict.rhs_value)):
        lines.append(f"- {side} = {_code(symbolic)} = {format_number(value)}")
    return "\n".join(lines)


def mimebundle(obj: Displayable) -> dict[str, Any]:
    """The MIME bundle Jupyter shows for `obj`."""
    text, page = _console_text(obj)
    bundle: dict[str, Any] = {"text/plain": text, "text/html": page}
    if isinstance(obj, Verdict):
        bundle["text/markdown"] = _verdict_markdown(obj)
    blocks = _math_blocks(obj)
    if blocks:
        markdown = "\n\n".join(f"$$\n{block}\n$$" for block in blocks)
        bundle["text/markdown"] = markdown
        bundle["text/latex"] = "\n".join(f"$${block}$$" for block in blocks)
        bundle["text/html"] = page + "\n<div>" + "".join(
            f"<p>$${html.escape(block)}$$</p>" for block in blocks
        ) + "</div>"
    return bundle
