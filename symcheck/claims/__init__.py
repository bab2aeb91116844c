"""Claims about a graph's derivatives, decided by sympy (or, failing a proof, by sampling).

The claim language (DESIGN.md): node names, ``f`` for the output, numbers,
``+ - * / **``, the op table's functions, ``D(a, b)``, ``grad(b, before=c)``
and one ``==``; ``∂f/∂z4`` and ``df/dz4`` mean ``D(f, z4)``. A claim is parsed
by `symcheck.parse.claim`, then, in this package: `translate` (its sides as
sympy), `decide` (proof, or sampling), `explain` (the verdict's sentence) and
`judge` (all of it, into a `Verdict`).
"""

from symcheck.claims.judge import check_claims, judge_claim, with_claims
from symcheck.parse.writeback import claim_text

__all__ = ["check_claims", "claim_text", "judge_claim", "with_claims"]
