"""The pytest plugin (registered through the ``pytest11`` entry point: nothing to configure).

Provides the ``gradcheck`` fixture, `symcheck.testing.assert_gradients` with
the session's defaults:

    def test_my_engine(gradcheck):
        x = Value(0.5)
        gradcheck((x * x).tanh())

Options (command line, or ``[tool.pytest.ini_options]`` / pytest.ini):

    --symcheck-rtol / symcheck_rtol      relative tolerance (default 1e-6)
    --symcheck-atol / symcheck_atol      absolute tolerance (default 1e-9)
    --symcheck-trace / symcheck_trace    append the backward steps to a failure
"""

from __future__ import annotations

import math
import shlex
from typing import Any, Callable, Optional

import pytest

from symcheck.testing import DEFAULT_ATOL, DEFAULT_RTOL, GradientCheckError, assert_gradients


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symcheck", "gradient checks with symcheck")
    group.addoption("--symcheck-rtol", type=float, default=None, help=f"relative tolerance (default {DEFAULT_RTOL:g})")
    group.addoption("--symcheck-atol", type=float, default=None, help=f"absolute tolerance (default {DEFAULT_ATOL:g})")
    group.addoption("--symcheck-trace", action="store_true", default=None, help="show the backward steps on failure")
    parser.addini("symcheck_rtol", "symcheck's relative tolerance", default=str(DEFAULT_RTOL))
    parser.addini("symcheck_atol", "symcheck's absolute tolerance", default=str(DEFAULT_ATOL))
    parser.addini("symcheck_trace", "show the backward steps on failure", type="bool", default=False)


_RTOL = pytest.StashKey[float]()
_ATOL = pytest.StashKey[float]()


def pytest_configure(config: pytest.Config) -> None:
    """Read the tolerances once: a bad value stops the session with one line, before any test runs."""
    config.stash[_RTOL] = _tolerance(config, "rtol")
    config.stash[_ATOL] = _tolerance(config, "atol")


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"symcheck_{name}")
    return value if value is not None else config.getini(f"symcheck_{name}")


def _tolerance(config: pytest.Config, name: str) -> float:
    value = _setting(config, name)
    try:
        tolerance = float(value)
    except ValueError:
        tolerance = math.nan
    if not tolerance >= 0.0 or math.isinf(tolerance):  # NaN fails every comparison
        raise pytest.UsageError(f"--symcheck-{name} / symcheck_{name} must be a finite number ≥ 0, got {value!r}")
    return tolerance


@pytest.fixture
def gradcheck(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """`symcheck.testing.assert_gradients` with the session's tolerances; a failure shows the table
    and the command that re-runs this test with the trace."""
    config = request.config
    rtol_default = config.stash[_RTOL]
    atol_default = config.stash[_ATOL]
    trace_default = bool(_setting(config, "trace"))
    rerun = f"python -m pytest {shlex.quote(request.node.nodeid)} --symcheck-trace"

    def check(
        target: Any,
        at: Optional[dict] = None,
        rtol: Optional[float] = None,
        atol: Optional[float] = None,
        **options: Any,
    ) -> Any:
        __tracebackhide__ = True
        options.setdefault("trace", trace_default)
        try:
            return assert_gradients(
                target, at=at, rtol=rtol_default if rtol is None else rtol,
                atol=atol_default if atol is None else atol, **options,
            )
        except GradientCheckError as failure:
            raise GradientCheckError(f"{failure}\nrerun: {rerun}", failure.report) from None

    return check
