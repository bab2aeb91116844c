"""Programs and claims written back as text that `symcheck.parse` reads again.

`expression_text` writes a node (the output, by default) as one expression
of the inputs: infix ``+ - * / **``, the op table's functions,
``sum(...)``, ``dot(w1, w2, x1, x2)``, ``softmax(i, a, b, c)``. Shared
intermediates are written out at every use, so a graph with much reuse can
grow too long for one line: then there is no expression (None). It serves the
one-line reproducer (`reproducer`) and the errors that quote a constant
expression. `claim_text` writes a claim's syntax tree back.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from symcheck.ir import Program, upstream

MAX_CHARS = 600
"""Longest reproducer expression written (characters)."""

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_LEVELS = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}
_NEGATION, _ATOM = 3, 9
Written = tuple[str, int]
"""An expression's text and the binding level of its outermost operator."""


def expression_text(program: Program, name: Optional[str] = None, *, spaced: bool = True,
                    short_numbers: bool = False, max_chars: Optional[int] = None) -> Optional[str]:
    """Node `name` (default: the output) as one expression, or None past `max_chars` characters.

    `spaced` puts blanks around every operator (``x * y``), else only around
    ``+`` and ``-`` (``x*y + 1``); `short_numbers` writes whole numbers without
    a decimal point (``2`` rather than ``2.0``). Nodes are written in program
    order, each once, so a deep chain costs no recursion.
    """
    target = program.output if name is None else name
    needed = upstream(program, target)
    texts: dict[str, Written] = {}
    for node in program.nodes:
        if node.name not in needed:
            continue
        if node.is_input:
            texts[node.name] = (node.name, _ATOM)
            continue
        args = [_operand(o, texts, short_numbers) for o in node.inputs]
        texts[node.name] = _apply(node.op, args, node.index, spaced)
        if max_chars is not None and len(texts[node.name][0]) > max_chars:
            return None
    return texts[target][0]


def program_expression(program: Program) -> Optional[str]:
    """The program's output as one expression in its inputs, or None when that would be too long."""
    if not all(node.name.isidentifier() for node in program.inputs):
        return None
    return expression_text(program, max_chars=MAX_CHARS)


def program_point(program: Program) -> str:
    """The inputs' values in ``--at`` syntax: ``x=1.5,y=0.5``."""
    return ",".join(f"{node.name}={float(node.value)!r}" for node in program.inputs if node.value is not None)


def reproducer(program: Program) -> Optional[str]:
    """``symcheck check 'EXPRESSION' --at x=…``, or None when the expression is too long."""
    expression = program_expression(program)
    if expression is None:
        return None
    point = program_point(program)
    return f"symcheck check '{expression}'" + (f" --at {point}" if point else "")


def _operand(operand: Union[str, float], texts: dict[str, Written], short: bool) -> Written:
    if isinstance(operand, str):
        return texts[operand]
    number = float(operand)
    text = str(int(number)) if short and number.is_integer() and abs(number) < 1e15 else repr(number)
    return (text, _NEGATION) if text.startswith("-") else (text, _ATOM)  # -2 binds like a negation


def _apply(op: str, args: list[Written], index: Optional[int], spaced: bool) -> Written:
    if op in _INFIX and len(args) == 2:
        symbol = _INFIX[op]
        level = _LEVELS[symbol]
        left, right = args
        # left-associative except **, which binds right and tighter than unary minus
        left_text = left[0] if left[1] > level or (left[1] == level and op != "pow") else f"({left[0]})"
        right_text = right[0] if right[1] > level else f"({right[0]})"
        gap = " " if spaced or level == 1 else ""
        return f"{left_text}{gap}{symbol}{gap}{right_text}", level
    if op == "neg":
        inner = args[0][0] if args[0][1] > _NEGATION else f"({args[0][0]})"
        return f"-{inner}", _NEGATION
    if op == "id":
        return args[0]
    texts = [a[0] for a in args]
    if op == "softmax":
        texts = [str(index or 0), *texts]
    return f"{op}({', '.join(texts)})", _ATOM


# -- a claim's syntax tree -------------------------------------------------------------

def equation_text(equation: Any) -> str:
    """A whole claim as the claim language writes it: ``D(f, z3) == local(z8, z3)*z7``."""
    return f"{claim_text(equation.lhs)} {equation.relation} {claim_text(equation.rhs)}"


def claim_text(node: Any, parent_precedence: int = 0) -> str:
    """A claim side as the claim language writes it (``z7 + z3*D(z7, z3)``), names as written (``f`` stays f)."""
    kind = type(node).__name__
    if kind == "Num":
        value = float(node.value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if kind == "Ref":
        return node.name
    if kind == "Derivative":
        return f"D({_ref_text(node.of)}, {_ref_text(node.wrt)})"
    if kind == "LocalPartial":
        return f"local({_ref_text(node.of)}, {_ref_text(node.wrt)})"
    if kind == "GradBefore":
        return f"grad({_ref_text(node.node)}, before={_ref_text(node.before)})"
    if kind == "Call":
        index = [str(node.index)] if node.index is not None else []  # softmax's component comes first
        return f"{node.func}({', '.join(index + [claim_text(a) for a in node.args])})"
    if kind == "Neg":  # brackets inside a product or after a minus: a*(-b), a - (-b)
        return _wrap(f"-{claim_text(node.operand, 3)}", 1, parent_precedence)
    if kind == "BinOp":
        precedence = _LEVELS[node.op]
        right_precedence = precedence + (0 if node.op == "**" else 1)
        left_precedence = precedence + (1 if node.op == "**" else 0)
        text = f"{claim_text(node.left, left_precedence)}{_spaced(node.op)}{claim_text(node.right, right_precedence)}"
        return _wrap(text, precedence, parent_precedence)
    if isinstance(node, (list, tuple)):
        return "[" + ", ".join(claim_text(a) for a in node) + "]"
    return str(node)


def _spaced(op: str) -> str:
    return f" {op} " if op in "+-" else op


def _wrap(text: str, precedence: int, parent_precedence: int) -> str:
    return f"({text})" if precedence < parent_precedence else text


def _ref_text(ref: Any) -> str:
    return ref if isinstance(ref, str) else ref.name
