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
    from symcheck.report import Report, Trace, Verdict

__version__ = "0.1.0"
__all__ = ["check", "trace", "claim", "graph", "register_op", "__version__"]

pytest_plugins = ["symcheck.pytest_plugin"]  # so that ``pytest -p symcheck`` loads the plugin from a source checkout


def check(target: Any, *, at: Any = None, rtol: float = 1e-6, atol: float = 1e-9) -> "Report":
    """Every node's adjoint ∂f/∂node from the engine, from sympy and by finite differences.

    The Report is ok when, for every node, |engine − symbolic| ≤ atol + rtol·|symbolic|
    and the finite difference agrees within its own error estimate.
    """
    from symcheck.api import check as _check

    return _check(target, at=at, rtol=rtol, atol=atol)


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
    """Whether a claim about the graph holds: ``D(a, b)`` is ∂a/∂b along every path,
    ``grad(b, before=c)`` is b.grad right before ``c._backward()``, ``f`` the output."""
    from symcheck.api import claim as _claim

    return _claim(target, text, at=at)


def graph(target: Any, *, at: Any = None, format: str = "dot") -> str:
    """The computation graph as Graphviz DOT (``format="dot"``) or Mermaid text, with values and grads."""
    from symcheck.api import graph_data, to_program
    from symcheck.render.graph import render_graph

    return render_graph(graph_data(to_program(target, at=at)), format)


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
