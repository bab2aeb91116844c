"""The public entry points: turn any target into a Program and check, trace or judge it.

A *target* is one of:

- an ``ag.Scalar`` (the output of a live graph; captured with its values),
- a `Program`,
- a string: a built-in problem's name, a program file's path, or an expression,
- a Python callable taking Scalars (one per parameter, named after the
  parameters, valued from `at` or the default point),
- the output of a foreign micrograd-style engine (checked by
  `symcheck.engines.check_engine`; trace and claims need ag or text).

`at` gives input values, as a mapping or as ``"x=1.5,y=0.5"``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Collection, Mapping, Optional

import ag
from symcheck.claims import judge_claim, with_claims
from symcheck.compare import check_program
from symcheck.engines import check_engine
from symcheck.errors import InputError
from symcheck.ir import Program, default_value
from symcheck.numeric.build import build_graph
from symcheck.numeric.capture import capture
from symcheck.parse import load_target
from symcheck.parse.point import PointLike, apply_point, as_point, check_point
from symcheck.parse.tolerance import tolerance
from symcheck.render.graph import GraphData
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
    point = check_point(at, names, what="parameter")
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
    return capture(output)


def _is_ag_scalar(target: Any) -> bool:
    return isinstance(target, ag.Scalar)


def _is_foreign_value(target: Any) -> bool:
    return hasattr(target, "data") and hasattr(target, "grad") and hasattr(target, "_backward")


def to_program(target: Any, *, at: Point = None) -> Program:
    """The Program a target stands for, with `at` applied to its inputs."""
    point = as_point(at)
    if isinstance(target, Program):
        return apply_point(target, point)
    if isinstance(target, str):
        return load_target(target, at=point)
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


def check(target: Any, *, at: Point = None, rtol: float = 1e-6, atol: float = 1e-9) -> Report:
    """Check every node's adjoint ∂f/∂node three ways: engine, sympy, finite differences."""
    rtol, atol = tolerance(rtol, "rtol"), tolerance(atol, "atol")
    if not isinstance(target, (str, Program)) and not _is_ag_scalar(target) and _is_foreign_value(target):
        return check_engine(target, at=as_point(at), rtol=rtol, atol=atol)

    return with_claims(check_program(to_program(target, at=at), rtol=rtol, atol=atol, target=_describe(target)))


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


def graph_data(program: Program) -> Any:
    """The program's graph with each node's value and ag's grad (one forward and one backward pass)."""

    scalars = build_graph(program)
    scalars[program.output].backward()
    return GraphData(
        program,
        {name: s.data for name, s in scalars.items()},
        {name: s.grad for name, s in scalars.items()},
    )
