"""Renderers: one Report / Trace / Verdict, shown everywhere.

Each module turns the plain result data of `symcheck.report` into one format
and prints nothing itself (only the CLI prints):

- `formulas` — every sympy expression printed: text, LaTeX, MathML;
- `console` — rich renderables for the terminal (user text escaped from markup);
- `json_render` — strict JSON (non-finite numbers as the strings "nan", "inf", "-inf");
- `latex` — each adjoint's derivation as an ``align*`` block;
- `graph` — the computation graph as Graphviz DOT or Mermaid text;
- `layout` and `svg` — the graph as an SVG picture over a layered layout;
- `html` (with `html_parts`, `page_data` and the files in ``assets/``) — the
  self-contained HTML page of a trace or a check;
- `notebook` — Jupyter's ``_repr_mimebundle_``: HTML with MathML, shown once.

Modules import rich lazily or not at all, so ``import symcheck`` stays fast.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Report


def format_number(value: Optional[float], digits: int = 6) -> str:
    """A number for people: `digits` significant digits, "nan"/"inf" spelled out, None as "-"."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def summary_sentence(report: "Report") -> str:
    """A check's closing sentence, the same in every format: which witnesses agree on how many nodes,
    or how many failures and failing claims there are and where the first divergence is."""
    if report.ok:
        count = len(report.nodes)
        unvalued = sum(r.grad_expected is None for r in report.nodes)
        if unvalued and any(f.kind == "domain" for f in report.flags):
            return (f"no disagreement on {count} nodes; {unvalued} without a symbolic value "
                    f"(see the domain flag{'s' if unvalued != 1 else ''})")
        taken = sum(r.grad_fd is not None for r in report.nodes)
        if taken == count:
            agreement = f"engine, symbolic and finite differences agree on all {count} nodes"
        elif not taken:
            agreement = f"engine and symbolic agree on all {count} nodes (no finite differences taken)"
        else:
            agreement = (f"engine and symbolic agree on all {count} nodes, finite differences on the {taken} "
                         "where they were taken")
        # another engine's graph: how many of its nodes were read (its constants are inlined as numbers)
        if report.target.startswith("<") and report.nodes_read != count:
            agreement += f" ({report.nodes_read} nodes read from the engine, its constants inlined)"
        return agreement
    parts = []
    if report.failures:
        parts.append(f"{len(report.failures)} failure{'s' if len(report.failures) != 1 else ''}")
    failing = sum(not v.holds for v in report.claims)
    if failing:
        parts.append(f"{failing} claim{'s' if failing != 1 else ''} failing")
    if report.first_divergence:
        parts.append(f"first divergence at {report.first_divergence}")
    return "; ".join(parts)
