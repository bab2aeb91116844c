"""The pytest plugin (registered through the ``pytest11`` entry point: nothing to configure).

Provides the ``gradcheck`` fixture, `symcheck.testing.assert_gradients` with
the session's defaults:

    def test_my_engine(gradcheck):
        x = Value(0.5)
        gradcheck((x * x).tanh())

The fixture is session-scoped and holds no state between calls, so it works
in hypothesis's ``@given`` tests (a function-scoped fixture fails
hypothesis's health check); a failure names the test that is running.

Options (command line, or ``[tool.pytest.ini_options]`` / pytest.ini):

    --symcheck-rtol / symcheck_rtol      relative tolerance (default 1e-6)
    --symcheck-atol / symcheck_atol      absolute tolerance (default 1e-9)
    --symcheck-trace / symcheck_trace    append the backward steps to a failure

``-p symcheck`` loads the plugin from a source checkout that is not
installed (the package names this module in ``pytest_plugins``); with
symcheck installed, ``-p symcheck`` and ``-p symcheck.pytest_plugin`` are
both accepted and the plugin is registered once.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any, Callable, Optional

import pytest

from symcheck.parse.tolerance import tolerance_problem
from symcheck.testing import DEFAULT_ATOL, DEFAULT_RTOL, GradientCheckError, assert_gradients

ENTRY_POINT = "symcheck"
"""The name the ``pytest11`` entry point registers this plugin under."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symcheck", "gradient checks with symcheck")
    group.addoption("--symcheck-rtol", default=None, metavar="R", help=f"relative tolerance (default {DEFAULT_RTOL:g})")
    group.addoption("--symcheck-atol", default=None, metavar="A", help=f"absolute tolerance (default {DEFAULT_ATOL:g})")
    group.addoption("--symcheck-trace", action="store_true", default=None, help="show the backward steps on failure")
    parser.addini("symcheck_rtol", "symcheck's relative tolerance", default=str(DEFAULT_RTOL))
    parser.addini("symcheck_atol", "symcheck's absolute tolerance", default=str(DEFAULT_ATOL))
    parser.addini("symcheck_trace", "show the backward steps on failure", type="bool", default=False)


def pytest_plugin_registered(plugin: object, manager: pytest.PytestPluginManager) -> None:
    """Loaded by its module path (``-p symcheck.pytest_plugin``) while installed: let the entry point skip it.

    pytest loads ``-p`` plugins before entry points; the entry point would then
    register this same module a second time under its own name, which pytest
    refuses by dumping its plugin table.
    """
    if plugin is sys.modules[__name__] and manager.get_name(plugin) != ENTRY_POINT \
            and manager.get_plugin(ENTRY_POINT) is None:
        manager.set_blocked(ENTRY_POINT)


_RTOL = pytest.StashKey[float]()
_ATOL = pytest.StashKey[float]()
_RUNNING = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Read the tolerances once: a bad value stops the session with one line, before any test runs."""
    config.stash[_RTOL] = _tolerance(config, "rtol")
    config.stash[_ATOL] = _tolerance(config, "atol")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Remember the running test: a failure's ``rerun:`` line names it."""
    item.config.stash[_RUNNING] = item.nodeid


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"symcheck_{name}")
    return value if value is not None else config.getini(f"symcheck_{name}")


def _tolerance(config: pytest.Config, name: str) -> float:
    value = _setting(config, name)
    problem = tolerance_problem(value)
    if problem is not None:
        raise pytest.UsageError(f"--symcheck-{name} / symcheck_{name}: {problem}; give a finite number ≥ 0, "
                                f"e.g. {DEFAULT_RTOL if name == 'rtol' else DEFAULT_ATOL:g}")
    return float(value)


@pytest.fixture(scope="session")
def gradcheck(pytestconfig: pytest.Config) -> Callable[..., Any]:
    """`symcheck.testing.assert_gradients` with the session's tolerances; a failure shows the table
    and the command that re-runs the failing test with the trace. Session-scoped and stateless, so
    hypothesis's ``@given`` tests may use it."""
    config = pytestconfig
    rtol_default = config.stash[_RTOL]
    atol_default = config.stash[_ATOL]
    trace_default = bool(_setting(config, "trace"))

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
            raise GradientCheckError(f"{failure}\nrerun: {_rerun(config)}", failure.report) from None

    return check


def _rerun(config: pytest.Config) -> str:
    running = config.stash.get(_RUNNING, "")
    return f"python -m pytest {shlex.quote(running)} --symcheck-trace" if running else "python -m pytest --symcheck-trace"
