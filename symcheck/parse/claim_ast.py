"""The typed syntax tree of a claim, e.g. ``D(f, z4) == D(f, z5) * D(z5, z4)``.

Names are already resolved against the program (``f`` is the output's name),
so whoever evaluates a claim never parses text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from symcheck.ir import SourceLocation


@dataclass(frozen=True)
class Num:
    """A number; `written` is its literal as typed (``"4.17004"``), which says how many digits were meant."""

    value: float
    written: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Ref:
    """A node's value, by the node's name."""

    name: str


@dataclass(frozen=True)
class BinOp:
    """``left op right`` with op one of ``+ - * / **``."""

    op: str
    left: "ClaimExpr"
    right: "ClaimExpr"


@dataclass(frozen=True)
class Neg:
    """``-operand``."""

    operand: "ClaimExpr"


@dataclass(frozen=True)
class Call:
    """An op-table function applied to claim expressions (softmax: ``index`` is its component)."""

    func: str
    args: tuple["ClaimExpr", ...]
    index: Optional[int] = None


@dataclass(frozen=True)
class Derivative:
    """``D(of, wrt)``: ∂of/∂wrt along every path from wrt to of, wrt's ancestors held fixed."""

    of: str
    wrt: str


@dataclass(frozen=True)
class LocalPartial:
    """``local(of, wrt)``: the local partial of of's op in its operand wrt, of's other operands held fixed."""

    of: str
    wrt: str


@dataclass(frozen=True)
class GradBefore:
    """``grad(node, before=step)``: the value in ``node.grad`` right before ``step._backward()``."""

    node: str
    before: str


ClaimExpr = Union[Num, Ref, BinOp, Neg, Call, Derivative, LocalPartial, GradBefore]

ADJOINT, LOCAL, EVERY_PATH = "adjoint", "local", "every path"
"""How a partial was read: f's derivative (the adjoint), the local partial of an op, or along every path."""


@dataclass(frozen=True)
class Reading:
    """How one written partial was read: `written` as typed (``∂z8/∂z3``), `kind` one of
    `ADJOINT`, `LOCAL`, `EVERY_PATH`, and the two node names (``f`` kept as written)."""

    written: str
    kind: str
    of: str
    wrt: str


@dataclass(frozen=True)
class ClaimEquation:
    """``lhs == rhs`` (or ``lhs ≈ rhs``, a value relation at the point), with the claim's text as typed,
    where it stands, and how each partial in it was read."""

    lhs: ClaimExpr
    rhs: ClaimExpr
    text: str
    location: Optional[SourceLocation] = None
    relation: str = "=="
    readings: tuple[Reading, ...] = ()
