"""The sentence that says when pending terms arrive agrees in number with its terms and its steps."""

from __future__ import annotations

import pytest

import symcheck


@pytest.mark.parametrize("claim, sentence", [
    ("grad(z3, before=z4) == z7 + z3*D(z7, z3)", "the term z3*D(z7, z3) arrives only when z4._backward() runs"),
    ("grad(z2, before=z4) == D(f, z2)", "the terms z1*z7 + z1*z3*cos(z4) arrive only when z3._backward() runs"),
    ("grad(z3, before=z4) == z7 + z3*D(z7, z3) + 0*z1",
     "the terms z3*D(z7, z3) + 0*z1 arrive only when z4._backward() runs"),
    ("grad(z1, before=z5) == D(f, z1)",
     "the terms z2*z7 + z3*cos(z4) + z2*z3*cos(z4) arrive only when z4._backward() and z3._backward() run"),
])
def test_the_pending_sentence_agrees_in_number(claim: str, sentence: str) -> None:
    verdict = symcheck.claim("backprop", claim)
    assert not verdict.holds
    assert f"; {sentence};" in f"{verdict.message};"  # then how each partial was read
