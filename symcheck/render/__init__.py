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
from typing import Optional


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
