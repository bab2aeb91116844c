"""The public entry points: turn any target into a Program and check, trace or judge it.

A *target* is one of:

- an ``ag.Scalar`` (the output of a live graph; captured with its values),
- a `Program`,
- a string: a built-in problem's name, a program file's path, or an expression,
- a Python callable taking Scalars (one per parameter, named after the
  parameters, valued from `at` or the default point),
- the output of another engine (micrograd and its variants, one class per
  op, the method protocol, stored local gradients, minitorch; checked by
  `symcheck.engines.check_engine`, read by discovery or a declared
  `symcheck.engines.Reader`; trace and claims need ag or text).

`at` gives input values, as a mapping or as ``"x=1.5,y=0.5"``.
"""

from __future__ import annotations

import inspect
import numbers
import sys
from dataclasses import replace
from typing import Any, Callable, Collection, Mapping, Optional, Union

from symcheck.claims import judge_claim, with_claims
from symcheck.compare import check_program
from symcheck.engines import Reader, check_engine
from symcheck.engines.discovery import is_node
from symcheck.errors import InputError
from symcheck.grading import GradeReport, grade_file
from symcheck.ir import Program, default_value
from symcheck.numeric.build import build_graph
from symcheck.numeric.capture import capture
from symcheck.own import ag
from symcheck.parse import load_target
from symcheck.parse.point import PointLike, apply_point, as_point, check_point
from symcheck.parse.tolerance import tolerance
from symcheck.render.graph import FORMATS, GraphData
from symcheck.render.notebook import GraphPicture
from symcheck.render.progress import Progress, TerminalProgress
from symcheck.report import Report, Trace, Verdict
from symcheck.tracing import trace_program

Point = PointLike


def _from_callable(function: Callable[..., Any], at: Optional[Mapping[str, float]]) -> Program:

    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        raise InputError("cannot read the function's parameters",
                         hint="pass a function with named parameters, e.g. lambda x, y: x * y") from None
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) != len(parameters) or not names:
        raise InputError("the function must take only named positional parameters (one per input)",
                         hint="e.g. lambda x, y: x * y")
    point = check_point(at, names, what="parameter", required=names)
    args = [ag.Scalar(point.get(name, default_value(i)), name) for i, name in enumerate(names)]
    try:
        output = function(*args)
    except ag.DomainError as error:
        # the function ran ag at this point and ag refused: the same user error as a bad --at
        point_text = ", ".join(f"{a.label} = {a.data:g}" for a in args)
        raise InputError(f"the function fails at {point_text}: {error}",
                         hint="choose another point with at=") from None
    if not isinstance(output, ag.Scalar):
        raise InputError(f"the function returned {type(output).__name__}, not an ag.Scalar",
                         hint="build the result from its Scalar arguments with ag's operators")
    program = capture(output)
    defaulted = tuple(name for name in names if name not in point and name in program)
    return replace(program, defaulted=defaulted) if defaulted else program


def _is_ag_scalar(target: Any) -> bool:
    return isinstance(target, ag.Scalar)


def _is_foreign_value(target: Any) -> bool:
    """A node of another engine: not text, a number, a Program or an ag.Scalar, and holding a value (or,
    not being a function either, an object whose reading error will say what it holds)."""
    if isinstance(target, (str, bytes, numbers.Number, Program)) or _is_ag_scalar(target) or target is None:
        return False
    return is_node(target) or not callable(target)


def to_program(target: Any, *, at: Point = None) -> Program:
    """The Program a target stands for, with `at` applied to its inputs."""
    point = as_point(at)
    if isinstance(target, Program):
        return apply_point(target, point).at_default_point()
    if isinstance(target, str):
        return load_target(target, at=point).at_default_point()
    if _is_ag_scalar(target):
        return apply_point(capture(target), point)
    if _is_foreign_value(target):
        raise InputError(f"{type(target).__name__} is a foreign engine's value",
                         hint="symcheck.check accepts it; trace and claims need an ag graph or text")
    if callable(target):
        return _from_callable(target, point)
    raise InputError(f"cannot check a {type(target).__name__}",
                     hint="give an ag.Scalar, a Program, an expression, a file, a problem name or a function")


def _describe(target: Any) -> str:
    return target if isinstance(target, str) else ""


def check(
    target: Any,
    *,
    at: Point = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    reader: Optional[Reader] = None,
    fd: str = "auto",
    progress: Union[bool, Progress] = True,
) -> Report:
    """Check every node's adjoint ∂f/∂node three ways: engine, sympy, finite differences.

    `reader` declares where another engine's nodes keep what discovery cannot
    find (the target is then read as that engine's output); `fd` is
    ``"auto"`` (finite differences within a budget of evaluations and time,
    where engine and sympy disagree first), ``"all"`` or ``"none"``;
    `progress` True draws progress on stderr when the check runs longer than
    2 s and stderr is a terminal, False draws nothing, or give your own
    `symcheck.render.progress.Progress`.
    """
    rtol, atol = tolerance(rtol, "rtol"), tolerance(atol, "atol")
    with _progress(progress) as shown:
        if reader is not None or _is_foreign_value(target):
            return check_engine(target, at=as_point(at), rtol=rtol, atol=atol, reader=reader, fd=fd, progress=shown)
        return with_claims(check_program(to_program(target, at=at), rtol=rtol, atol=atol, fd=fd, progress=shown,
                                         target=_describe(target)))


class _progress:
    """The progress a check reports to, closed (its line wiped) when the check ends."""

    def __init__(self, progress: Union[bool, Progress]) -> None:
        self.owned = progress is True
        self.progress: Optional[Any] = TerminalProgress(sys.stderr) if progress is True else (progress or None)

    def __enter__(self) -> Optional[Progress]:
        return self.progress

    def __exit__(self, *exc: Any) -> None:
        if self.owned:
            self.progress.close()  # type: ignore[union-attr]


def trace(
    target: Any,
    *,
    at: Point = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    nodes: Optional[Collection[str]] = None,
    steps: Optional[Collection[str]] = None,
) -> Trace:
    """The backward pass step by step: every node's grad right before each ``_backward()``.

    `nodes` limits whose grads are recorded, `steps` (node names) which steps are kept.
    """
    rtol, atol = tolerance(rtol, "rtol"), tolerance(atol, "atol")

    return trace_program(to_program(target, at=at), rtol=rtol, atol=atol, nodes=nodes, steps=steps,
                         target=_describe(target))


def claim(target: Any, text: str, *, at: Point = None) -> Verdict:
    """Judge a claim such as ``grad(z3, before=z4) == z7`` or ``D(f, z4) == D(f, z5) * D(z5, z4)``."""

    return judge_claim(to_program(target, at=at), text, target=_describe(target))


def graph(target: Any, *, at: Point = None, format: str = "dot") -> GraphPicture:
    """The graph's picture: DOT or Mermaid text that Jupyter displays as SVG.

    A `Report` or `Trace` is drawn as checked; any other target is checked
    first (a foreign engine's output too), so the picture's tooltips hold the
    three witnesses and a failing node is drawn red with its finding.
    """
    if isinstance(target, Trace):
        target = target.report
    report = target if isinstance(target, Report) else check(target, at=at)
    if format not in FORMATS:
        raise InputError(f"unknown graph format {format!r}", hint=f"use one of {', '.join(FORMATS)}")
    return GraphPicture(GraphData.from_report(report), format)


def grade(answers: str, target: Any, *, at: Point = None, hide_solutions: bool = False) -> GradeReport:
    """Grade the LaTeX answer file `answers` against `target` (a graph whose ``# question N:`` lines say what
    each answer block must equal): every relation as a claim, each block's final answer against its question."""
    return grade_file(answers, to_program(target, at=at), graph=_describe(target), hide_solutions=hide_solutions)


def graph_data(program: Program) -> Any:
    """The program's graph with each node's value and ag's grad (one forward and one backward pass)."""

    scalars = build_graph(program)
    scalars[program.output].backward()
    return GraphData(
        program,
        {name: s.data for name, s in scalars.items()},
        {name: s.grad for name, s in scalars.items()},
    )
