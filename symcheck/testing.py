"""`assert_gradients`: a gradient check for your own tests, with a readable failure.

>>> from micrograd.engine import Value
>>> from symcheck.testing import assert_gradients
>>> assert_gradients("x * sin(y)", at={"x": 1.5, "y": 0.5}).ok      # an expression, checked with ag
True
>>> x = Value(0.5)
>>> len(assert_gradients((x * x + x).relu()).nodes)                # the output of your own engine
4
>>> assert_gradients(lambda x, y: (x * y).relu(), at={"x": 0.5, "y": 1.5}, engine=Value).ok
True

On failure it raises `GradientCheckError` (an AssertionError) whose message is
a table of the failing nodes (node, op, engine / symbolic / finite-difference
∂f/∂node, error), each root cause in words, and a one-line reproducer. With
the pytest plugin installed the same function is the ``gradcheck`` fixture.
"""

from __future__ import annotations

import inspect
import itertools
import keyword
from dataclasses import replace
from typing import Any, Callable, Mapping, Optional

from symcheck.ir import Program, default_value
from symcheck.parse.point import check_point
from symcheck.parse.tolerance import tolerance
from symcheck.render.failure_table import failure_message
from symcheck.report import Report

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-9
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
    Returns the Report when everything agrees. A tolerance that is not a
    finite number ≥ 0 (``rtol="loose"``, ``atol=-1``) is an `InputError`
    worded as the command line's ``--rtol`` is.
    """
    __tracebackhide__ = True
    rtol = DEFAULT_RTOL if rtol is None else tolerance(rtol, "rtol")
    atol = DEFAULT_ATOL if atol is None else tolerance(atol, "atol")
    if engine is not None:
        target = _build_with_engine(target, at, engine)
        at = None
    from symcheck import check

    report = check(target, at=at, rtol=rtol, atol=atol)
    if not report.ok:
        message = failure_message(report, reproduce=reproduce or default_reproducer(report))
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


def default_reproducer(report: Report) -> Optional[str]:
    """``symcheck check 'EXPRESSION' --at …`` for the report's program (None if it is too big).

    Inputs whose names the expression language cannot take (``f``, ``D`` and ``grad``
    mean something in claims; op names, keywords, labels such as ``w[0]``) are
    renamed ``x1``, ``x2``, … in the reproducer, so the line always runs.
    """
    from symcheck.parse.writeback import reproducer

    line = reproducer(reproducible(report.program))
    if line is None:
        return None
    if report.target.startswith("<"):
        return line + "   # the same math in ag; your engine's own steps are checked by symcheck.check(out)"
    return line


def reproducible(program: Program) -> Program:
    """`program` with every input the expression language cannot name renamed to a fresh ``x1``, ``x2``, …"""
    from symcheck.ops import OPS
    from symcheck.parse.claim import RESERVED_IN_CLAIMS

    def unusable(name: str) -> bool:
        return (not name.isidentifier() or not name.isascii() or keyword.iskeyword(name) or name in OPS
                or name in RESERVED_IN_CLAIMS)

    taken = set(program.names)
    fresh = (f"x{k}" for k in itertools.count(1) if f"x{k}" not in taken)
    renamed = {node.name: next(fresh) for node in program.inputs if unusable(node.name)}
    if not renamed:
        return program

    def name(operand: Any) -> Any:
        return renamed.get(operand, operand) if isinstance(operand, str) else operand

    nodes = tuple(replace(node, name=name(node.name), inputs=tuple(name(o) for o in node.inputs))
                  for node in program.nodes)
    return Program(nodes, name(program.output), program.claims, program.source)


def _trace_text(target: Any, at: Optional[Mapping[str, float]], rtol: float, atol: float) -> str:
    from symcheck.engines import adapter_for

    from symcheck.errors import SymcheckError

    try:
        foreign = not _is_ag_or_text(target) and adapter_for(target) is not None
    except (TypeError, SymcheckError):
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
                    held = ", ".join(f"{graph.names[p]}.grad={_grad(grads[p])}" for p in graph.parents(i))
                    lines.append(f"  before {graph.names[i]}._backward() [{graph.op_name(i)}]: "
                                 f"{graph.names[i]}.grad={_grad(grads[i])}; {held}")
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


def _grad(value: Optional[float]) -> str:
    return "none" if value is None else f"{value:.6g}"


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _is_ag_or_text(target: Any) -> bool:
    from symcheck.own import ag
    from symcheck.ir import Program

    return isinstance(target, (ag.Scalar, str, Program)) or callable(target) and not hasattr(target, "data")
