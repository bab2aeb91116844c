"""symcheck: check derivatives three ways (engine, sympy, finite differences) and explain backprop.

>>> import symcheck
>>> report = symcheck.check("x * sin(y)", at={"x": 1.5, "y": 0.5})
>>> report.ok
True
>>> symcheck.claim("backprop", "grad(z3, before=z4) == z7").holds
True

`check`, `trace` and `claim` accept an ``ag.Scalar``, a `Program`, an
expression / program file / built-in problem name, or a Python function taking
Scalars (with ``at=``). Heavy modules (sympy, rich) load on first use, so
``import symcheck`` is instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Collection, Optional

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.grading import GradeReport
    from symcheck.report import Report, Trace, Verdict

__all__ = ["check", "trace", "claim", "grade", "graph", "register_op", "__version__"]

pytest_plugins = ["symcheck.pytest_plugin"]  # so that ``pytest -p symcheck`` loads the plugin from a source checkout


def __getattr__(name: str) -> Any:
    """``symcheck.__version__``: the installed distribution's version (its one source is pyproject.toml)."""
    if name == "__version__":
        from symcheck.own import version

        return version()
    raise AttributeError(f"module 'symcheck' has no attribute {name!r}")


def check(target: Any, *, at: Any = None, rtol: float = 1e-6, atol: float = 1e-9, reader: Any = None,
          fd: str = "auto", progress: Any = True) -> "Report":
    """Every node's adjoint ∂f/∂node from the engine, from sympy and by finite differences.

    The Report is ok when, for every node, |engine − symbolic| ≤ atol + rtol·|symbolic|
    and the finite difference agrees within its own error estimate. For another
    engine's output, every node from the output down to the leaves is read and
    judged (`Report.nodes_read`), each local step is run alone and the root cause
    of a wrong gradient is named. `reader` (a `symcheck.engines.Reader`) declares
    what discovery cannot find; `fd` is ``"auto"``, ``"all"`` or ``"none"``;
    `progress` (default True) draws progress on stderr when the check takes
    longer than 2 s and stderr is a terminal.
    """
    from symcheck.api import check as _check

    return _check(target, at=at, rtol=rtol, atol=atol, reader=reader, fd=fd, progress=progress)


def trace(
    target: Any,
    *,
    at: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    nodes: Optional[Collection[str]] = None,
    steps: Optional[Collection[str]] = None,
) -> "Trace":
    """The backward pass step by step: before each ``node._backward()``, every ``.grad`` as the engine
    holds it and as the chain rule says it should (the sum of the contributions arrived so far)."""
    from symcheck.api import trace as _trace

    return _trace(target, at=at, rtol=rtol, atol=atol, nodes=nodes, steps=steps)


def claim(target: Any, text: str, *, at: Any = None) -> "Verdict":
    """Whether a claim about the graph holds: ``D(a, b)`` is ∂a/∂b along every path, ``local(a, b)`` the
    local partial of a's op, ``∂a/∂b`` as a textbook means it, ``grad(b, before=c)`` is b.grad right before
    ``c._backward()``, ``f`` the output; a claim with a backslash is LaTeX."""
    from symcheck.api import claim as _claim

    return _claim(target, text, at=at)


def grade(answers: str, target: Any, *, at: Any = None, hide_solutions: bool = False) -> "GradeReport":
    """Grade a homework's LaTeX answer file against a graph: every relation of every ``%%% BEGIN ANSWER``
    block as a claim, and each block's final answer against the program's ``# question N:`` line."""
    from symcheck.api import grade as _grade

    return _grade(answers, target, at=at, hide_solutions=hide_solutions)


def graph(target: Any, *, at: Any = None, format: str = "dot") -> str:
    """The computation graph as Graphviz DOT (``format="dot"``) or Mermaid text, with values and grads.

    The text is a `symcheck.render.notebook.GraphPicture`: a ``str`` that Jupyter
    displays as symcheck's SVG picture of the graph (`.svg`; `.dot` and
    `.mermaid` give each text). The target is checked, so a failing node (a
    foreign engine's wrong step) is drawn red; a `Report` or `Trace` is drawn
    as it is.
    """
    from symcheck.api import graph as _graph

    return _graph(target, at=at, format=format)


def register_op(name: str, forward: Any, *, arity: Optional[int] = 1, doc: str = "") -> Any:
    """Teach symcheck a new op from its forward meaning (a function of sympy expressions).

    >>> import sympy, symcheck
    >>> symcheck.register_op("smooth_relu", lambda x: sympy.log(1 + sympy.exp(x))).name
    'smooth_relu'
    >>> symcheck.claim("smooth_relu(x)", "D(f, x) == sigmoid(x)").holds
    True
    """
    from symcheck.ops import register_op as _register_op

    return _register_op(name, forward, arity=arity, doc=doc)
