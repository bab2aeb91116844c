"""Hypothesis settings for the whole suite.

Locally every run draws new examples, so the property tests keep exploring.
Under CI (``CI`` set, as `.ci/run` does) the examples are derived from each
test's name instead: a landing never depends on the luck of one draw, and a
failure found there is found again by the same command. No deadline in either:
sympy's first call on a busy 2-core machine can take longer than Hypothesis's
200 ms default without anything being wrong.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("local", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")
