"""Staged programs (DESIGN.md's format): ``name = expression`` per line.

A name bound to a bare number (``x = 1.5``, ``y = -2``) is an input with that
default; ``z1 = x`` is an "id" node (a staged copy); any other right-hand side
becomes nodes, the line's last operation taking the assigned name and inner
operations names derived from it (``h1 = tanh(w*x + b)`` computes ``w*x`` as
``h1_1`` and ``w*x + b`` as ``h1_2``). The last assignment is the output. Full-line
comments ``# claim: ...`` are claims, checked against the program here.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import cast

from symcheck import ops
from symcheck.parse.claim import RESERVED_IN_CLAIMS, parse_claim, parse_side
from symcheck.ir import INPUT, Claim, Node, Operand, Program, Question
from symcheck.errors import InputError
from symcheck.parse.locate import BYTE_ORDER_MARK, Locator, text_lines
from symcheck.parse.lowering import FreshNames, Lowering
from symcheck.parse.prescan import prescan, tokens
from symcheck.parse.suggest import did_you_mean, listing
from symcheck.parse.syntax import CONSTANTS, check_size, names_in, parse_python

_CLAIM_LINE = re.compile(r"^\s*#\s*claim\s*:\s*(?P<text>.*?)\s*$", re.IGNORECASE)
_CLAIM_WITHOUT_COLON = re.compile(r"^\s*#\s*claim\b(?!\s*:)\s*(?P<text>.*==.*?)\s*$", re.IGNORECASE)
"""``# claim D(f, x) == ...``: meant as a claim, but without its colon it would be a silent comment."""
_QUESTION_LINE = re.compile(r"^\s*#\s*question\b\s*(?P<number>[^:]*?)\s*:\s*(?P<text>.*?)\s*$", re.IGNORECASE)
"""``# question 2: grad(z3, before=z4)``: answer block 2 of a homework must equal this quantity."""
_CLAIM_MARK = re.compile(r"#\s*claim\s*:", re.IGNORECASE)
"""``z2 = z1 * x  # claim: ...``: claims are whole lines, so this one would never be checked."""

_STATEMENT_WORDS: dict[type, str] = {
    ast.Import: "import", ast.ImportFrom: "import", ast.FunctionDef: "def", ast.AsyncFunctionDef: "def",
    ast.ClassDef: "class", ast.For: "for", ast.AsyncFor: "for", ast.While: "while", ast.If: "if",
    ast.With: "with", ast.AsyncWith: "with", ast.Try: "try", ast.Return: "return", ast.Delete: "del",
    ast.Pass: "pass", ast.Break: "break", ast.Continue: "continue", ast.Global: "global",
    ast.Nonlocal: "nonlocal", ast.Raise: "raise", ast.Assert: "assert", ast.Match: "match",
}


@dataclass(frozen=True)
class _Assignment:
    name: str
    value: ast.expr
    target: ast.Name
    line: int


def parse_program(text: str, *, source: str = "<program>") -> Program:
    """A staged program as a Program: inputs first (with their defaults), then nodes in line order.

    >>> p = parse_program("x = 1.5\\ny = 0.5\\nz1 = x * sin(y)")
    >>> [(n.name, n.op, n.inputs, n.value) for n in p.nodes]
    [('x', 'input', (), 1.5), ('y', 'input', (), 0.5), ('z1_1', 'sin', ('y',), None), ('z1', 'mul', ('x', 'z1_1'), None)]
    """
    text = text.removeprefix(BYTE_ORDER_MARK)
    locator = Locator(source, text_lines(text))
    check_size(text, locator)
    prescan(text, locator)
    module = cast(ast.Module, parse_python(text, locator, "exec"))
    assignments = _assignments(module, locator)
    if not assignments:
        raise locator.error("the program has no assignments", 1, 0,
                            hint="write one 'name = expression' per line; the last one is the output")
    claims = _claims(text, locator)
    taken = names_in(module) | {t.text for c in claims for t in tokens(c.text) if t.kind == "name"}
    nodes = _Builder(locator, assignments, FreshNames(taken)).build()
    output = assignments[-1]
    _check_output(output, nodes, locator)
    questions = _questions(text, locator)
    program = Program(nodes, output.name, claims, text, questions=questions)
    for claim in claims:
        parse_claim(claim.text, program, location=claim.location)
    for question in questions:
        parse_side(question.text, program, location=question.location)
    return program


def _assignments(module: ast.Module, locator: Locator) -> list[_Assignment]:
    """Each statement as ``name = expression`` (anything else is an error); names assigned once."""
    seen: dict[str, int] = {}
    result = []
    for statement in module.body:
        target, value = _assignment_parts(statement, locator)
        name = target.id
        if name in seen:
            raise locator.node_error(f"{name} is already defined on line {seen[name]}", target,
                                     hint="give each node its own name (every node is assigned once)")
        if name in ops.OPS or name in RESERVED_IN_CLAIMS - {"f"}:
            raise locator.node_error(f"'{name}' is a function name and cannot be assigned", target,
                                     hint=f"choose another name, e.g. {name}_1")
        seen[name] = statement.lineno
        result.append(_Assignment(name, value, target, statement.lineno))
    return result


def _assignment_parts(statement: ast.stmt, locator: Locator) -> tuple[ast.Name, ast.expr]:
    if not isinstance(statement, ast.Assign):
        raise statement_error(statement, locator)
    if len(statement.targets) != 1:
        raise locator.node_error("chained assignment is not supported", statement,
                                 hint="assign one name per line")
    target = statement.targets[0]
    if not isinstance(target, ast.Name):
        raise locator.node_error("only a plain name can be assigned", target,
                                 hint="write name = expression, one name per line")
    return target, statement.value


def statement_error(statement: ast.stmt, locator: Locator) -> InputError:
    """The error for a statement that is not ``name = expression``, naming what it is."""
    if isinstance(statement, ast.AugAssign):
        return locator.node_error("augmented assignment is not supported", statement,
                                  hint="every node is assigned once: write a new name, e.g. z2 = z1 + 1")
    if isinstance(statement, ast.AnnAssign):
        return locator.node_error("annotations are not supported", statement, hint="write name = expression")
    if isinstance(statement, ast.Expr):
        return locator.node_error("a program line must be an assignment", statement,
                                  hint="write name = expression (the last assignment is the output)")
    word = _STATEMENT_WORDS.get(type(statement), type(statement).__name__)
    line, col0, _ = locator.node_position(statement)
    return locator.error(f"'{word}' statements are not supported", line, col0, width=len(word),
                         hint="a program is one 'name = expression' per line")


def _claims(text: str, locator: Locator) -> tuple[Claim, ...]:
    """``# claim: ...`` lines, each located at its claim text's first character."""
    claims = []
    for number, line in enumerate(text_lines(text), start=1):
        match = _CLAIM_LINE.match(line)
        missing_colon = None if match else _CLAIM_WITHOUT_COLON.match(line)
        comment = line.find("#")  # a claim mark after code (found without a regex that backtracks on long lines)
        if comment > 0 and line[:comment].strip() and _CLAIM_MARK.match(line, comment):
            raise locator.error("a claim must be on a line of its own", number, comment,
                                hint="move '# claim: ...' to its own line (after code it is only a comment)")
        if missing_colon:
            raise locator.error("a claim line needs a colon after 'claim'", number, missing_colon.start("text"),
                                hint="write '# claim: ' before the claim (without the colon it is only a comment)")
        if match:
            claims.append(Claim(match.group("text"), locator.at(number, match.start("text"))))
    return tuple(claims)


def _questions(text: str, locator: Locator) -> tuple[Question, ...]:
    """``# question N: QUANTITY`` lines, numbered from 1 and each number once."""
    found: dict[int, Question] = {}
    for number, line in enumerate(text_lines(text), start=1):
        match = _QUESTION_LINE.match(line)
        if not match:
            continue
        written = match.group("number")
        if not written.isdigit() or int(written) < 1:
            raise locator.error(f"a question line needs the answer block's number, not {written!r}", number,
                                match.start("number"), width=max(1, len(written)),
                                hint="write '# question 1: D(f, z4)' (blocks are numbered from 1 in the .tex file)")
        index = int(written)
        if index in found:
            raise locator.error(f"question {index} is declared twice (first on line {found[index].location.line})",
                                number, match.start("number"), hint="give each answer block one question")
        if not match.group("text"):
            raise locator.error(f"question {index} has no quantity", number, match.end("number"),
                                hint="write what the answer must equal, e.g. '# question 1: D(f, z4)'")
        found[index] = Question(index, match.group("text"), locator.at(number, match.start("text")))
    return tuple(found[k] for k in sorted(found))


def _check_output(output: _Assignment, nodes: tuple[Node, ...], locator: Locator) -> None:
    last = next(node for node in nodes if node.name == output.name)
    if last.is_input:
        raise locator.node_error(f"the output '{output.name}' is an input (a bare number)", output.target,
                                 hint="the last assignment is the output: end with the expression to check")
    for node in nodes:
        if node.name == "f" and node.name != output.name:
            raise locator.error("'f' names the output in claims, but f is not the last assignment",
                                node.location.line if node.location else 1, 0,
                                hint="rename this node or make it the last assignment")


class _Builder:
    """Lowers assignments in order, checking each name is assigned before it is used."""

    def __init__(self, locator: Locator, assignments: list[_Assignment], fresh: FreshNames) -> None:
        self.locator = locator
        self.assigned = {a.name: a.line for a in assignments}
        self.assignments = assignments
        self.defined: set[str] = set()
        self.current = assignments[0]
        self.inputs: list[Node] = []
        self.lowering = Lowering(locator, fresh, self._resolve, self.assigned.__contains__)

    def build(self) -> tuple[Node, ...]:
        for assignment in self.assignments:
            self.current = assignment
            self.lowering.fresh.stem = assignment.name
            result = self.lowering.lower(assignment.value, assignment.name)
            if isinstance(result, float):  # a bare number: an input with that default
                location = self.locator.node_location(assignment.target)
                self.inputs.append(Node(assignment.name, INPUT, (), result, location=location))
            elif result != assignment.name:
                self.lowering.add(assignment.name, "id", (result,), assignment.target)
            self.defined.add(assignment.name)
        return tuple(self.inputs) + tuple(self.lowering.nodes)

    def _resolve(self, name: ast.Name) -> Operand:
        used = name.id
        if used in self.defined:
            return used
        if used in CONSTANTS and used not in self.assigned:  # e, pi: constants unless the program assigns them
            return CONSTANTS[used]
        line = self.current.line
        if used == self.current.name:
            raise self.locator.node_error(f"{used} is used in its own definition on line {line}", name,
                                          hint=f"use a new name for the result, e.g. {used}_next")
        if used in self.assigned:
            raise self.locator.node_error(
                f"{used} is used on line {line} but assigned on line {self.assigned[used]}", name,
                hint=f"move the assignment of {used} above line {line}")
        known = sorted(self.defined, key=lambda n: self.assigned[n])
        suggestion = did_you_mean(used, known)
        define = f"define it first, e.g. {used} = 1.0"
        so_far = f" (defined so far: {listing(known)})" if known else ""
        hint = f"{suggestion} or {define}" if suggestion else f"{define}{so_far}"
        raise self.locator.node_error(f"undefined name '{used}'", name, hint=hint)
