"""Claims about a graph's derivatives, decided by sympy (or, failing a proof, by sampling).

The claim language (DESIGN.md): node names, ``f`` for the output, numbers,
``+ - * / **``, the op table's functions, ``D(a, b)`` (along every path),
``local(a, b)`` (the local partial of a's op), ``grad(b, before=c)`` and one
``==`` (or ``≈``, a value at the point); the textbook's ``∂a/∂b`` is read as
the handouts mean it (`symcheck.parse.claim.textbook_reading`), and a claim
with a backslash is LaTeX. A claim is parsed by `symcheck.parse.claim`, then,
in this package: `translate` (its sides as sympy), `decide` (proof, or
sampling), `diagnose` (the slip behind a failure), `explain` (the verdict's
words) and `judge` (all of it, within the claim's time budget, into a `Verdict`).
"""

from symcheck.claims.judge import Judgement, check_claims, judge_claim, judge_equation, with_claims
from symcheck.parse.writeback import claim_text

__all__ = ["Judgement", "check_claims", "claim_text", "judge_claim", "judge_equation", "with_claims"]
