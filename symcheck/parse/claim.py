"""A claim as typed: the claim language (`symcheck.parse.claim_language`), or LaTeX when it holds a backslash
or a ``$``.

>>> from symcheck.parse import parse_program
>>> program = parse_program("x = 1.0\\nz1 = sin(x)\\nz2 = z1 * x")
>>> parse_claim("df/dz1 == x", program).lhs
Derivative(of='f', wrt='z1')
>>> parse_claim(r"\\frac{\\partial z_2}{\\partial z_1} = x", program).lhs
LocalPartial(of='z2', wrt='z1')
"""

from __future__ import annotations

from typing import Optional

from symcheck.ir import Program, SourceLocation
from symcheck.parse.claim_ast import ClaimEquation
from symcheck.parse.claim_language import (
    APPROX,
    MAX_CLAIM_CHARS,
    RESERVED_IN_CLAIMS,
    desugar,
    parse_claim_language,
    parse_side,
    textbook_reading,
)
from symcheck.parse.latex import parse_latex_claim

__all__ = ["APPROX", "MAX_CLAIM_CHARS", "RESERVED_IN_CLAIMS", "desugar", "parse_claim", "parse_side",
           "textbook_reading"]


def parse_claim(text: str, program: Program, *, location: Optional[SourceLocation] = None) -> ClaimEquation:
    """Parse `text` as a claim about `program`: LaTeX when it holds a backslash or a ``$`` (``=`` read
    as ``==``), else the claim language. `location` is where the claim's first character stands (a ``# claim:``
    line); errors point into it. Without it the claim is "<claim>"."""
    if "\\" in text or "$" in text:
        return parse_latex_claim(text, program, location=location)
    return parse_claim_language(text, program, location=location)
