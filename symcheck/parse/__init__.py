"""User text → `Program`, safely: expressions, staged programs, claims, ``--at`` points, targets.

Two text forms become a `Program`:

- a bare expression, ``x*y*(exp(y) + sin(x*y + x))``: free names are inputs
  (in order of first appearance), each operation a node z1, z2, ... in
  evaluation order, the last one the output (`parse_expression`);
- a staged program (DESIGN.md): ``name = expression`` per line; a name bound
  to a bare number is an input with that default; the last assignment is the
  output; ``# claim: ...`` lines hold claims (`parse_program`).

Text is parsed with `ast` and a whitelist (`symcheck.parse.syntax`), never
evaluated. Every mistake is an `InputError` with file:line:col and a fix.
The modules, in the order text flows through them: `locate` (positions),
`prescan` (mistakes `ast` reports badly, with `lookalike`: letters of other
scripts that print like Latin ones), `syntax` (the whitelist), `literals`
(numbers as written, and how errors echo text), `lowering` (expressions →
nodes), `expression`, `program`, `claim` (the claim language, into
`claim_ast`), `latex` (LaTeX answers and claims), `point` (``--at`` /
``at=``), `tolerance` (rtol and atol), `target` (what a TARGET names: files
read safely), and `writeback` (a Program or a claim written back as text).

>>> parse_expression("x * sin(y)").names
('x', 'y', 'z1', 'z2')
"""

from symcheck.parse.claim import parse_claim
from symcheck.parse.claim_ast import (
    BinOp,
    Call,
    ClaimEquation,
    Derivative,
    GradBefore,
    LocalPartial,
    Neg,
    Num,
    Reading,
    Ref,
)
from symcheck.parse.expression import parse_expression
from symcheck.parse.point import parse_point
from symcheck.parse.program import parse_program
from symcheck.parse.target import load_target

__all__ = [
    "parse_expression", "parse_program", "parse_claim", "parse_point", "load_target",
    "ClaimEquation", "Num", "Ref", "BinOp", "Neg", "Call", "Derivative", "LocalPartial", "GradBefore", "Reading",
]
