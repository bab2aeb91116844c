"""`assert_gradients`: a gradient check for your own tests, with a readable failure.

>>> from symcheck.testing import assert_gradients
>>> assert_gradients("x * sin(y)", at={"x": 1.5, "y": 0.5})        # an expression, checked with ag
>>> assert_gradients(my_value)                                     # the output of your own engine
>>> assert_gradients(lambda x, y: (x * y).tanh(), at={"x": 0.5, "y": -1.0}, engine=Value)

On failure it raises `GradientCheckError` (an AssertionError) whose message is
a table of the failing nodes (node, op, engine / symbolic / finite-difference
∂f/∂node, error), each root cause in words, and a one-line reproducer. With
the pytest plugin installed the same function is the ``gradcheck`` fixture.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Mapping, Optional

from symcheck.parse.point import check_point
from symcheck.ir import default_value
from symcheck.report import Finding, NodeResult, Report

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-9
MAX_ROWS = 20
TRACE_MAX_NODES = 60


class GradientCheckError(AssertionError):
    """The gradients disagree; `report` holds every node's witnesses and the findings."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


def assert_gradients(
    target: Any,
    at: Optional[Mapping[str, float]] = None,
    rtol: Optional[float] = None,
    atol: Optional[float] = None,
    *,
    engine: Optional[Callable[[float], Any]] = None,
    reproduce: Optional[str] = None,
    trace: bool = False,
) -> Report:
    """Check every node's ∂f/∂node (engine vs sympy vs finite differences); raise if any disagree.

    A node agrees when |engine − symbolic| ≤ atol + rtol·|symbolic| (defaults
    1e-6 and 1e-9). `target` is anything `symcheck.check` takes (an
    ``ag.Scalar``, an expression, a program file, a function of Scalars, the
    output of a micrograd-style engine); a function with ``engine=Value``
    builds its arguments with that engine at the point `at`. `reproduce`
    replaces the reproducer line; `trace` appends the backward steps.
    Returns the Report when everything agrees.
    """
    __tracebackhide__ = True
    rtol = DEFAULT_RTOL if rtol is None else float(rtol)
    atol = DEFAULT_ATOL if atol is None else float(atol)
    if engine is not None:
        target = _build_with_engine(target, at, engine)
        at = None
    from symcheck import check

    report = check(target, at=at, rtol=rtol, atol=atol)
    if not report.ok:
        message = failure_message(report, reproduce=reproduce)
        if trace:
            message += "\n\n" + _trace_text(target, at, rtol, atol)
        raise GradientCheckError(message, report)
    return report


def _build_with_engine(function: Callable[..., Any], at: Optional[Mapping[str, float]], engine: Callable) -> Any:
    names = list(inspect.signature(function).parameters)
    point = check_point(at, names, what="parameter")
    args = []
    for i, name in enumerate(names):
        value = engine(point.get(name, default_value(i)))
        try:
            value.label = name
        except AttributeError:  # an engine without labels: nodes get generated names
            pass
        args.append(value)
    return function(*args)


def failure_message(report: Report, *, reproduce: Optional[str] = None) -> str:
    """The table of failing nodes, the findings in words and the reproducer line."""
    count = len(report.failures) + sum(not v.holds for v in report.claims)
    where = f" in {report.target}" if report.target else ""
    lines = [f"symcheck: {count} gradient failure(s){where} (rtol={report.rtol:g}, atol={report.atol:g})", ""]
    lines += failure_table(report)
    lines.append("")
    lines += [f"{f.kind}: {_sentence(f)}" for f in report.failures]
    lines += [f"claim: {v.claim}: {v.message}" for v in report.claims if not v.holds]
    lines += [f"{f.kind} (not a failure): {_sentence(f)}" for f in report.flags]
    line = reproduce or default_reproducer(report)
    if line:
        lines += ["", f"reproduce: {line}"]
    return "\n".join(lines)


def failure_table(report: Report) -> list[str]:
    """One row per failing node (and per node a root cause names): the three witnesses and the error."""
    causes: dict[str, Finding] = {}
    for finding in report.failures:
        causes.setdefault(finding.node, finding)
    rows = [r for r in reversed(report.nodes) if not r.ok or r.name in causes]
    header = ["node", "op", "engine", "symbolic", "finite diff", "error", "finding"]
    body = [_row(report, r, causes.get(r.name)) for r in rows[:MAX_ROWS]]
    widths = [max(len(row[k]) for row in [header, *body]) for k in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *body]]
    if len(rows) > MAX_ROWS:
        lines.append(f"... and {len(rows) - MAX_ROWS} more node(s)")
    return lines


def _row(report: Report, result: NodeResult, cause: Optional[Finding]) -> list[str]:
    node = report.program.node(result.name) if result.name in report.program else None
    op = (node.engine_op or node.op) if node is not None else result.op
    if cause is not None:
        finding = cause.kind + (" (its step)" if result.ok else "")
    else:
        finding = "wrong grad" if not result.ok else ""
    return [result.name, op, _number(result.grad), _number(result.grad_expected), _number(result.grad_fd),
            _number(result.error, ".2e"), finding]


def _number(value: Optional[float], spec: str = ".8g") -> str:
    return "—" if value is None else format(value, spec)


def _sentence(finding: Finding) -> str:
    prefix = f"node {finding.node}"
    return finding.message if finding.message.startswith(prefix) else f"{prefix} ({finding.op}): {finding.message}"


def default_reproducer(report: Report) -> Optional[str]:
    """``symcheck check 'EXPRESSION' --at …`` for the report's program (None if it is too big)."""
    from symcheck.parse.writeback import reproducer

    line = reproducer(report.program)
    if line is None:
        return None
    if report.target.startswith("<"):
        return line + "   # the same math in ag; your engine's own steps are checked by symcheck.check(out)"
    return line


def _trace_text(target: Any, at: Optional[Mapping[str, float]], rtol: float, atol: float) -> str:
    from symcheck.engines import adapter_for

    try:
        foreign = not _is_ag_or_text(target) and adapter_for(target) is not None
    except TypeError:
        foreign = False
    if foreign:
        from symcheck.engines.graph import capture_engine
        from symcheck.engines.run import run_backward

        graph = capture_engine(target)
        small = len(graph) <= TRACE_MAX_NODES
        run = run_backward(graph, snapshots=small)
        if run.calls is None:
            return "trace: this engine's step order could not be observed"
        steps = [i for i in run.calls if not graph.is_leaf(i)]
        lines = ["trace: your backward ran the local steps in this order: " + ", ".join(graph.names[i] for i in steps)]
        if run.before_steps is not None:
            for i, grads in zip(run.calls, run.before_steps):
                if not graph.is_leaf(i):
                    held = ", ".join(f"{graph.names[p]}.grad={grads[p]:.6g}" for p in graph.parents(i))
                    lines.append(f"  before {graph.names[i]}._backward() [{graph.engine_ops[i]}]: {graph.names[i]}.grad={grads[i]:.6g}; {held}")
        return "\n".join(lines)
    from symcheck import trace

    steps = trace(target, at=at, rtol=rtol, atol=atol)
    try:
        from rich.console import Console

        console = Console(width=120, color_system=None, record=True, file=_Discard())
        console.print(steps)
        return console.export_text().rstrip()
    except Exception:  # a renderer problem must not hide the gradient failure itself
        return "trace:\n" + "\n".join(
            f"  before {s.node}._backward(): " + ", ".join(f"{n}.grad={g:.6g}" for n, g in s.grads_before.items())
            for s in steps.steps
        )


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _is_ag_or_text(target: Any) -> bool:
    import ag
    from symcheck.ir import Program

    return isinstance(target, (ag.Scalar, str, Program)) or callable(target) and not hasattr(target, "data")
