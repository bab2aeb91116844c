"""Python's `ast`, fenced in: size caps, a whitelist, and readable errors.

User text is parsed with ``ast.parse`` and nothing else (never eval, never
sympify). This module turns Python's SyntaxError into a located InputError,
names every construct outside the whitelist, checks numbers and function
calls against the op table (read at call time, so `register_op` counts).
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Callable, Optional

from symcheck import ops
from symcheck.errors import InputError
from symcheck.parse.locate import Locator
from symcheck.parse.literals import too_large, too_small, underflows
from symcheck.parse.suggest import advertised_functions, did_you_mean, function_names, join_hints

MAX_TEXT_CHARS = 1_000_000
"""Longest text accepted (characters)."""

MAX_SYNTAX_NODES = 200_000
"""Most `ast` expression and statement nodes accepted in one text."""

MAX_NAME_CHARS = 200
"""Longest name accepted (characters): symbolic work and printing grow with names' length."""

CONSTANTS: dict[str, float] = {"e": math.e, "pi": math.pi}
"""Names that are mathematical constants in expressions: ``e**x``, ``pi*x``. A staged program may
still assign either name (``e = 0.5`` makes it an input), and then the name means that node."""

MAX_EXPONENT = 1000.0
"""Largest |exponent| accepted in ``a ** number`` (bigger ones only overflow or stall sympy)."""

BINARY_OPS: dict[type, str] = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
BINARY_SYMBOLS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

_BAD_OPERATORS: dict[type, tuple[str, str]] = {
    ast.FloorDiv: ("//", "use '/'"),
    ast.Mod: ("%", "remainders are not differentiable; there is no replacement"),
    ast.MatMult: ("@", "use dot([w1, w2], [x1, x2])"),
    ast.BitXor: ("^", "write '**' for powers, e.g. x**2"),
    ast.BitAnd: ("&", "use + - * / **"),
    ast.BitOr: ("|", "use + - * / **"),
    ast.LShift: ("<<", "use + - * / **"),
    ast.RShift: (">>", "use + - * / **"),
    ast.Not: ("not", "use 1 - x"),
    ast.Invert: ("~", "use -x"),
}

_UNSUPPORTED: dict[type, tuple[str, str]] = {
    ast.Attribute: ("attribute access", "call functions by name, e.g. exp(x) rather than math.exp(x)"),
    ast.Subscript: ("subscripts", "give each element its own name, e.g. x1, x2"),
    ast.Lambda: ("lambda", "write the expression itself"),
    ast.ListComp: ("comprehensions", "write the terms out, e.g. sum(a, b, c)"),
    ast.SetComp: ("comprehensions", "write the terms out, e.g. sum(a, b, c)"),
    ast.DictComp: ("comprehensions", "write the terms out, e.g. sum(a, b, c)"),
    ast.GeneratorExp: ("comprehensions", "write the terms out, e.g. sum(a, b, c)"),
    ast.Compare: ("comparisons", "comparisons with '==' belong in claims"),
    ast.BoolOp: ("'and'/'or'", "use arithmetic, e.g. relu or abs for piecewise functions"),
    ast.IfExp: ("conditional expressions", "use relu(x) or abs(x) for piecewise functions"),
    ast.Dict: ("dicts", "write numbers and names only"),
    ast.Set: ("sets", "write numbers and names only"),
    ast.Tuple: ("tuples", "pass arguments to a function directly, e.g. sum(a, b)"),
    ast.List: ("lists", "lists are only for dot([w1, w2], [x1, x2])"),
    ast.Starred: ("'*' unpacking", "pass arguments one by one"),
    ast.JoinedStr: ("strings", "write numbers and names only"),
    ast.NamedExpr: ("':='", "assign on a line of its own: name = expression"),
    ast.Await: ("await", "write an arithmetic expression"),
    ast.Yield: ("yield", "write an arithmetic expression"),
    ast.YieldFrom: ("yield", "write an arithmetic expression"),
    ast.Slice: ("subscripts", "give each element its own name, e.g. x1, x2"),
}


def check_size(text: str, locator: Locator, *, limit: int = MAX_TEXT_CHARS) -> None:
    """Reject text longer than `limit` characters before any parsing work."""
    if len(text) > limit:
        raise locator.error(f"input is {len(text)} characters long; the limit is {limit}", 1, 0,
                            hint="split it into smaller programs, or check a live graph instead")


def parse_python(text: str, locator: Locator, mode: str) -> ast.AST:
    """``ast.parse`` with Python's errors turned into located InputErrors and a node cap.

    The parsed tree carries ``symcheck_names``: every identifier it mentions
    (found during the same walk that counts nodes).
    """
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as error:
        raise syntax_error(error, locator) from None
    except RecursionError:
        raise _too_deep(locator) from None
    except MemoryError:
        if not _parser_stack_overflow(text, mode):
            raise  # the machine's memory ran out, not the parser's stack: the environment's error
        raise _too_deep(locator) from None
    count = 0
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.expr, ast.stmt)):  # operators and contexts are not counted
            count += 1
            if isinstance(node, ast.Name):
                names.add(node.id)
        if count > MAX_SYNTAX_NODES:
            raise locator.error(f"the text has more than {MAX_SYNTAX_NODES} syntax nodes", 1, 0,
                                hint="split it into smaller programs, or check a live graph instead")
    tree.symcheck_names = names  # type: ignore[attr-defined]
    return tree


def _too_deep(locator: Locator) -> InputError:
    return locator.error("the text is nested too deeply to parse", 1, 0,
                         hint="stage it as a program with one assignment per line")


def _parser_stack_overflow(text: str, mode: str) -> bool:
    """Whether a MemoryError from ``ast.parse`` was its parser's stack (deep nesting), not the machine's memory.

    Python's parser reports a chain of thousands of unary minus signs as a
    MemoryError. Nesting lives within one line here, so the longest line alone
    overflows the stack again, at a fraction of the text's memory; a text of
    many short lines that parse alone ran out of real memory.
    """
    longest = max(text.splitlines() or [text], key=len)
    if len(longest) * 2 > len(text):
        return True  # one line is most of the text: nothing smaller to try
    try:
        ast.parse(longest.strip(), mode=mode)
    except MemoryError:
        return True
    except (SyntaxError, RecursionError, ValueError):
        return False
    return False


def syntax_error(error: SyntaxError, locator: Locator) -> InputError:
    """Python's SyntaxError as an InputError at the same line and column."""
    line = error.lineno or 1
    text = locator.line_text(line)
    col0 = (error.offset - 1) if error.offset else len(text)
    message = (error.msg or "invalid syntax").replace("Perhaps", "perhaps").replace("Maybe", "maybe")
    if "cannot assign to function call" in message:
        return _function_definition(text, line, max(0, col0), locator)
    if "Exceeds the limit" in message:
        message = "a number has more than 4300 digits"
    return locator.error(f"syntax error: {message}", line, max(0, col0), hint=_syntax_hint(message))


def _function_definition(text: str, line: int, col0: int, locator: Locator) -> InputError:
    """``f(x, y) = x*y``: a handout's way of writing f, which a program writes as ``f = x*y``."""
    equals = text.find("=", col0)
    written = text[col0:equals].strip() if equals > col0 else text[col0:].strip()
    name = re.match(r"[^\W\d]\w*", written)
    called = name.group() if name else "f"
    return locator.error(f"'{written} = …' defines a function, but a program line assigns a name",
                         line, col0, width=max(1, len(written)),
                         hint=f"write `{called} = …`: the inputs are the names bound to numbers (x = 1.5), "
                              "and the last assignment is the output")


def _syntax_hint(message: str) -> str:
    if "never closed" in message:
        return "add the missing closing bracket"
    if "unmatched" in message:
        return "remove it or add the matching opening bracket"
    if "indent" in message:
        return "start every line at the first column"
    if "4300 digits" in message:
        return "write it as a float such as 1e300"
    return "check the operators and brackets near here"


def unsupported(node: ast.AST, locator: Locator) -> InputError:
    """The error for a syntax node outside the whitelist, naming the construct."""
    if isinstance(node, ast.Constant):
        return _bad_constant(node, locator)
    if isinstance(node, ast.Attribute):
        return _attribute_error(node, locator)
    what, hint = _UNSUPPORTED.get(type(node), (f"{type(node).__name__} syntax", "use + - * / ** and functions"))
    return locator.node_error(f"{what} not supported", node, hint=hint)


def _attribute_error(node: ast.Attribute, locator: Locator) -> InputError:
    """``z3.grad``, ``z3.data``, ``math.exp``: say what to write instead."""
    owner = node.value.id if isinstance(node.value, ast.Name) else "NODE"
    written = f"{owner}.{node.attr}"
    if node.attr == "grad":
        return locator.node_error(f"'{written}' is not something a claim can read", node,
                                  hint=f"write grad({owner}, before=NODE) for the value before a step, "
                                       f"or D(f, {owner}) for the final gradient")
    if node.attr == "data":
        return locator.node_error(f"'{written}' is not supported", node, hint=f"write {owner} for its value")
    if node.attr in ("backward", "_backward"):
        return locator.node_error(f"'{written}' is not supported", node,
                                  hint=f"a claim speaks of the moment before a step: grad(NODE, before={owner})")
    if node.attr in ops.OPS:
        return locator.node_error(f"attribute access '{written}' is not supported", node,
                                  hint=f"call the function by its name alone, e.g. {node.attr}(x)")
    what, hint = _UNSUPPORTED[ast.Attribute]
    return locator.node_error(f"{what} not supported", node, hint=hint)


def bad_operator(op: ast.AST, node: ast.AST, locator: Locator) -> InputError:
    """The error for an operator outside ``+ - * / **`` (pointing at the operator itself)."""
    symbol, hint = _BAD_OPERATORS.get(type(op), (type(op).__name__, "use + - * / **"))
    line, col0 = operator_position(node, symbol, locator)
    return locator.error(f"operator '{symbol}' is not supported", line, col0, hint=hint, width=len(symbol))


def operator_position(node: ast.AST, symbol: str, locator: Locator) -> tuple[int, int]:
    """(line, col0) of `symbol` in a BinOp/UnaryOp, searched between its operands."""
    line, col0, width = locator.node_position(node)
    text = locator.line_text(line)
    start = col0
    if isinstance(node, ast.BinOp) and getattr(node.left, "end_lineno", None) == line:
        left_line, left_col0, left_width = locator.node_position(node.left)
        start = left_col0 + left_width if left_line == line else col0
    found = text.find(symbol, start, col0 + width)
    return line, found if found >= 0 else col0


def number(node: ast.Constant, locator: Locator) -> float:
    """A numeric literal as a finite float (bools, strings, complex, overflow and underflow are errors)."""
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad_constant(node, locator)
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    line, col0, width = locator.node_position(node)
    written = locator.line_text(line)[col0:col0 + width]
    problem = too_large(written) if not math.isfinite(result) else \
        too_small(written) if underflows(written, result) else None
    if problem is not None:
        raise locator.node_error(problem[0], node, hint=problem[1])
    return result


def _bad_constant(node: ast.Constant, locator: Locator) -> InputError:
    value = node.value
    if isinstance(value, bool):
        return locator.node_error(f"boolean {value} is not a number", node, hint="write 1.0 or 0.0")
    if isinstance(value, complex):
        return locator.node_error("complex numbers are not supported", node, hint="use real numbers only")
    if isinstance(value, (str, bytes)):
        return locator.node_error("strings are not supported", node, hint="write numbers and names only")
    return locator.node_error(f"{value!r} is not a number", node, hint="write numbers and names only")


def check_exponent(exponent: float, node: ast.AST, locator: Locator) -> None:
    """Reject ``a ** e`` with |e| above `MAX_EXPONENT`."""
    if abs(exponent) > MAX_EXPONENT:
        raise locator.node_error(f"exponent {exponent:g} is too large (the limit is ±{MAX_EXPONENT:g})",
                                 node, hint="use exp and log, or a smaller power")


def check_divisor(divisor: float, node: ast.AST, locator: Locator) -> None:
    """Reject ``a / 0`` with a literal zero: it is undefined at every point, not at one."""
    if divisor == 0.0:
        raise locator.node_error("division by the number 0", node,
                                 hint="divide by a nonzero number or by an expression")


@dataclass(frozen=True)
class CallShape:
    """A checked call of an op-table function: op name, softmax index, argument expressions in order."""

    op: str
    index: Optional[int]
    args: tuple[ast.expr, ...]


def call_shape(
    call: ast.Call,
    locator: Locator,
    *,
    is_variable: Callable[[str], bool],
    extra_functions: tuple[str, ...] = (),
) -> CallShape:
    """Check a call of an op-table function: the name, keywords, arity, dot's lists, softmax's index.

    `is_variable(name)` tells a user name apart from a misspelt function, so
    ``x(y + 1)`` is reported as an implicit product and ``sine(x)`` as an
    unknown function; `extra_functions` (claims' ``D``, ``grad``) are listed
    in the suggestions.
    """
    name = function_name(call, locator, is_variable=is_variable, extra_functions=extra_functions)
    if call.keywords:
        keyword = call.keywords[0]
        raise locator.node_error(f"{name}() takes no keyword arguments", keyword,
                                 hint=f"pass the arguments by position, e.g. {name}(x)")
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            raise unsupported(arg, locator)
    spec = ops.OPS[name]
    if spec.indexed:
        return _softmax_shape(call, name, locator)
    if spec.even:
        return CallShape(name, None, _dot_arguments(call, name, locator))
    _no_lists(call.args, name, locator)
    count = len(call.args)
    if spec.arity is not None and count != spec.arity:
        plural = "argument" if spec.arity == 1 else "arguments"
        raise locator.node_error(f"{name}() takes {spec.arity} {plural}, got {count}", call,
                                 hint=f"e.g. {name}({', '.join('abcd'[: spec.arity])})")
    if spec.arity is None and count == 0:
        raise locator.node_error(f"{name}() needs at least one argument", call, hint=f"e.g. {name}(a, b, c)")
    return CallShape(name, None, tuple(call.args))


def function_name(
    call: ast.Call,
    locator: Locator,
    *,
    is_variable: Callable[[str], bool],
    extra_functions: tuple[str, ...] = (),
) -> str:
    """The called name if it is in the op table; otherwise the right error."""
    func = call.func
    if not isinstance(func, ast.Name):
        if isinstance(func, ast.Attribute):
            raise unsupported(func, locator)
        raise locator.node_error("only functions can be called", func,
                                 hint="for a product write '*' between the factors")
    name = func.id
    if name in ops.OPS or name in extra_functions:
        return name
    line, col0, _ = locator.node_position(func)
    if name in ("D", "grad"):
        raise locator.error(f"{name}() is only allowed in claims", line, col0, width=len(name),
                            hint="write it in a claim, e.g. # claim: D(f, z4) == D(f, z5) * D(z5, z4)")
    if is_variable(name) or len(name) == 1:
        raise locator.error(f"implicit multiplication '{name}(' is not supported", line, col0,
                            hint=f"write '{name}*(' ('{name}' is not a function)", width=len(name) + 1)
    known = function_names() + list(extra_functions)
    supported = "supported: " + ", ".join(advertised_functions() + list(extra_functions))
    instead = _instead_of(name, call.args) or did_you_mean(name, known)
    hint = join_hints(instead, supported)
    raise locator.error(f"unknown function '{name}'", line, col0, hint=hint, width=len(name))


_OTHER_NAMES = {"ln": "log", "sigma": "sigmoid", "σ": "sigmoid", "fabs": "abs"}
"""Other spellings of the op table's functions (``ln`` is the natural logarithm, ``log`` here)."""


def _instead_of(name: str, args: list[ast.expr]) -> str:
    """What to write for a function the op table lacks but the ops can express (ln, tan, log10, …)."""
    if name.lower() in ops.OPS and name.lower() != name:
        return f"did you mean '{name.lower()}'?"
    if _OTHER_NAMES.get(name):
        return f"did you mean '{_OTHER_NAMES[name]}'? (log is the natural logarithm)" if name == "ln" \
            else f"did you mean '{_OTHER_NAMES[name]}'?"
    if name == "log10" or name == "log2":
        return f"write log(x)/log({name[3:]})"
    if name == "tan":
        return "write sin(x)/cos(x)"
    return ""


def _no_lists(args: list[ast.expr], name: str, locator: Locator) -> None:
    for arg in args:
        if isinstance(arg, ast.List):
            raise locator.node_error(f"{name}() takes its arguments without a list", arg,
                                     hint=f"write {name}(a, b, c); lists are only for dot([w...], [x...])")


def _dot_arguments(call: ast.Call, name: str, locator: Locator) -> tuple[ast.expr, ...]:
    args = call.args
    if len(args) == 2 and all(isinstance(arg, ast.List) for arg in args):
        left, right = args[0].elts, args[1].elts  # type: ignore[attr-defined]
        if len(left) != len(right) or not left:
            raise locator.node_error(f"{name}() needs two lists of the same non-zero length, got "
                                     f"{len(left)} and {len(right)}", call, hint="e.g. dot([w1, w2], [x1, x2])")
        _no_lists(left + right, name, locator)
        return tuple(left + right)
    _no_lists(args, name, locator)
    if not args or len(args) % 2:
        raise locator.node_error(f"{name}() needs an even number of arguments (w1, ..., wn, x1, ..., xn), "
                                 f"got {len(args)}", call, hint="e.g. dot(w1, w2, x1, x2) or dot([w1, w2], [x1, x2])")
    return tuple(args)


def _softmax_shape(call: ast.Call, name: str, locator: Locator) -> CallShape:
    args = call.args
    _no_lists(args, name, locator)
    example = f"e.g. {name}(0, a, b, c) is component 0 of {name} over a, b, c"
    if len(args) < 2:
        raise locator.node_error(f"{name}() needs an index and at least one input", call, hint=example)
    first = args[0]
    index = first.value if isinstance(first, ast.Constant) else None
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(args) - 1:
        raise locator.node_error(f"{name}()'s first argument must be a component index from 0 to "
                                 f"{len(args) - 2}", first, hint=example)
    return CallShape(name, index, tuple(args[1:]))


def names_in(tree: ast.AST) -> set[str]:
    """Every identifier the tree mentions (variables, targets and called names)."""
    known = getattr(tree, "symcheck_names", None)
    if known is not None:
        return set(known)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
