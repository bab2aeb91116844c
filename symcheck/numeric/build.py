"""Build the ag graph that a Program describes (the graph that gets run).

Nodes are created in program order, so ag's creation counter — and with it
ag's backward order — follows the program. Each Scalar's label is its node's
name. Each op is ag's own op of the same name (`ag.OPS`), called the way the
op table's row says (unary, binary, n-ary, dot's two halves, softmax's
components). Constants are plain floats handed to ag's operators; an ``id``
node is a Scalar with one parent and partial 1 (ag has no identity op); the
softmax components over one input tuple share a single `ag.softmax` call.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence, Union

from symcheck.errors import InputError
from symcheck.ir import Node, Program
from symcheck.ops import op_spec
from symcheck.own import ag
from symcheck.parse.point import resolve_inputs
from symcheck.symbolic.constants import constant_error

Value = Union[ag.Scalar, float]


def build_graph(program: Program, at: Optional[Mapping[str, float]] = None) -> dict[str, ag.Scalar]:
    """The ag graph of `program` at the inputs `at` (program values / defaults fill gaps), by name.

    A node outside its op's domain (ag's `DomainError`) or an op ag does not
    have raises `InputError` naming the node and the op; when no input reaches
    the failing node, the error names the constant expression instead
    (`symcheck.constant_expr`), since no other point would help.
    """
    point = resolve_inputs(program, at)
    scalars: dict[str, ag.Scalar] = {}
    softmaxes: dict[tuple, list[ag.Scalar]] = {}
    for node in program.nodes:
        if node.is_input:
            scalars[node.name] = ag.Scalar(point[node.name], node.name)
            continue
        operands = [scalars[o] if isinstance(o, str) else float(o) for o in node.inputs]
        try:
            scalar = _apply(node, operands, softmaxes)
        except ag.DomainError as exc:
            raise _domain_error(program, node, exc.reason) from None
        scalar.label = node.name
        scalars[node.name] = scalar
    return scalars


def _apply(node: Node, operands: list[Value], softmaxes: dict[tuple, list[ag.Scalar]]) -> ag.Scalar:
    """The node built with ag's own op of the same name (`ag.OPS`), called as the op table's row says."""
    op = node.op
    if op == "id":
        x = ag.as_scalar(operands[0])
        return ag.Scalar(x.data, node.name, op="id", parents=(x,), partials=(1.0,))
    build = ag.OPS.get(op)
    if build is None:
        raise _input_error(node, f"op {op!r} of node {node.name!r} has no counterpart in ag",
                           "check it with a foreign engine's grads (engine_grads=...) or use ag's ops")
    spec = op_spec(op)
    if spec.indexed:
        return _softmax(node, operands, softmaxes)
    if spec.even:
        half = len(operands) // 2
        return build(operands[:half], operands[half:])
    if spec.arity is None:
        return build(operands)
    if spec.arity == 2:  # one operand at least is a Scalar, so ag's operator runs (never 2.0 + 3.0)
        first = operands[0] if isinstance(operands[1], ag.Scalar) else ag.as_scalar(operands[0])
        return build(first, operands[1])
    return build(ag.as_scalar(operands[0]))


def _softmax(node: Node, operands: Sequence[Value], softmaxes: dict[tuple, list[ag.Scalar]]) -> ag.Scalar:
    key = tuple(id(o) if isinstance(o, ag.Scalar) else ("c", o) for o in operands)
    outputs = softmaxes.get(key)
    if outputs is None:
        outputs = softmaxes[key] = ag.OPS["softmax"](list(operands))
    return outputs[node.index or 0]


def _domain_error(program: Program, node: Node, reason: str) -> Exception:
    return constant_error(program, node.name) or _input_error(
        node, f"{node.op} is outside its domain at node {node.name!r}: {reason}", "choose another point with --at")


def _input_error(node: Node, message: str, hint: str) -> Exception:
    return InputError(message, location=node.location, node=node.name, hint=hint)
