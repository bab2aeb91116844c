r"""A homework's grades shown three ways: on the console, as JSON, and written back into the .tex file.

Console: block by block, each relation on a line with its .tex line and
column and a mark (✓ holds, ✗ fails, ? unreadable or undecided), the
sentence under it, then the answer against the block's question, and a
summary. JSON (`grade_to_json`): the contract in DESIGN.md. `annotate`: the
file as it was, with a ``% symcheck: …`` comment line after every judged
line, which TeX ignores, so the file still compiles.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterator

from rich.console import RenderableType
from rich.text import Text

from symcheck.render import format_number as num
from symcheck.render.console import FAIL_MARK, FLAG_MARK, OK_MARK, UNDECIDED_MARK, Indented, _marked

if TYPE_CHECKING:  # renderers read result data; the results import them, never the reverse
    from symcheck.grading.results import AnswerGrade, BlockGrade, GradeReport, RelationGrade

SCHEMA_VERSION = 1
MARKS = {"holds": OK_MARK, "correct": OK_MARK, "fails": FAIL_MARK, "wrong": FAIL_MARK,
         "unreadable": UNDECIDED_MARK, "undecided": UNDECIDED_MARK, "missing": UNDECIDED_MARK}
MAX_LATEX = 110
"""Characters of a relation's LaTeX shown on the console (the JSON keeps it whole)."""


# -- console --------------------------------------------------------------------------


def render_grades(report: GradeReport) -> Iterator[RenderableType]:
    """The grades, block by block, then a one-line summary."""
    point = ", ".join(f"{name} = {num(value)}" for name, value in report.inputs.items())
    hidden = "  (solutions hidden)" if report.hide_solutions else ""
    yield Text(f"grade {report.file} against {report.graph or 'the graph'} at {point}{hidden}")
    for block in report.blocks:
        yield from _block(block)
    yield _summary(report)


def _block(block: BlockGrade) -> Iterator[RenderableType]:
    where = f"line {block.line}" if block.line is not None else "not in the file"
    question = f", question {block.block}: {block.question}" if block.question else ""
    yield Text(f"block {block.block} ({where}){question}")
    for relation in block.relations:
        yield _Marked(MARKS[relation.verdict], f"{relation.line}:{relation.column}  "
                                               f"{_short(relation.latex) or '(the block)'}")
        yield Indented(_relation_sentence(relation), 6)
    for note in block.notes:
        yield _Marked(FLAG_MARK, f"{note.line}:{note.column}  not judged: {note.message}")
    if block.answer is not None:
        yield from _answer(block.answer)


class _Marked:
    """``  ✓ text`` under a block, wrapped under the text."""

    def __init__(self, mark: str, text: str) -> None:
        self.mark, self.text = mark, text

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Text]:
        for number, line in enumerate(Indented(self.text, 6, self.mark).__rich_console__(console, options)):
            yield Text("  ") + line if number == 0 else line


def _relation_sentence(relation: RelationGrade) -> str:
    if relation.verdict == "unreadable":
        return relation.message
    method = f" [{relation.method}]" if relation.method and relation.verdict != "undecided" else ""
    read = f"as a claim: {relation.claim}{method}; " if relation.claim else ""
    return f"{read}{relation.message}"


def _answer(answer: AnswerGrade) -> Iterator[RenderableType]:
    where = f" (line {answer.line})" if answer.line is not None else ""
    shown = f": {_short(answer.latex)}" if answer.latex else ""
    yield _Marked(MARKS[answer.verdict], f"answer{where}{shown}")
    yield Indented(answer.message, 6)


def _summary(report: GradeReport) -> Text:
    relations = [r for block in report.blocks for r in block.relations]
    answers = [block.answer for block in report.blocks if block.answer is not None]
    counts = {verdict: sum(r.verdict == verdict for r in relations) for verdict in ("holds", "fails", "unreadable",
                                                                                   "undecided")}
    parts = [f"{counts['holds']} of {len(relations)} relations hold"]
    parts += [f"{counts[v]} {'fail' if v == 'fails' else v}" for v in ("fails", "unreadable", "undecided") if counts[v]]
    if answers:
        correct = sum(a.verdict == "correct" for a in answers)
        parts.append(f"{correct} of {len(answers)} answers correct")
    return _marked(OK_MARK if report.ok else FAIL_MARK, "; ".join(parts))


def _short(latex: str) -> str:
    return latex if len(latex) <= MAX_LATEX else latex[: MAX_LATEX - 1] + "…"


# -- JSON -----------------------------------------------------------------------------


def grade_to_json(report: GradeReport) -> dict[str, Any]:
    """``{file, graph, ok, blocks: [{block, line, question, answer, relations, notes}]}`` (DESIGN.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "file": report.file,
        "graph": report.graph,
        "ok": report.ok,
        "inputs": dict(report.inputs),
        "hide_solutions": report.hide_solutions,
        "blocks": [_block_json(block) for block in report.blocks],
    }


def _block_json(block: BlockGrade) -> dict[str, Any]:
    answer = block.answer
    return {
        "block": block.block,
        "line": block.line,
        "question": block.question,
        "answer": None if answer is None else {"latex": answer.latex, "verdict": answer.verdict,
                                               "message": answer.message, "line": answer.line, "slip": answer.slip},
        "relations": [{"line": r.line, "column": r.column, "latex": r.latex, "claim": r.claim, "verdict": r.verdict,
                       "method": r.method, "message": r.message, "slip": r.slip} for r in block.relations],
        "notes": [{"line": n.line, "column": n.column, "message": n.message} for n in block.notes],
    }


# -- the file, annotated --------------------------------------------------------------


def annotate(report: GradeReport) -> str:
    """The graded file with ``% symcheck: …`` lines after each judged line (relations, answers, notes)."""
    comments: dict[int, list[str]] = {}
    for block in report.blocks:
        for relation in block.relations:
            comments.setdefault(relation.line, []).append(
                f"{MARKS[relation.verdict]} {relation.verdict} ({relation.line}:{relation.column}): "
                f"{_relation_sentence(relation)}")
        for note in block.notes:
            comments.setdefault(note.line, []).append(f"{FLAG_MARK} not judged ({note.line}:{note.column}): "
                                                      f"{note.message}")
        answer = block.answer
        if answer is not None:
            line = answer.line or block.line
            if line is not None:
                comments.setdefault(line, []).append(
                    f"{MARKS[answer.verdict]} answer {block.block} ({block.question}): {answer.message}")
    lines = re.split(r"(?<=\n)", report.text)
    out = []
    for number, line in enumerate(lines, start=1):
        out.append(line)
        for comment in comments.get(number, ()):
            if not out[-1].endswith("\n"):
                out[-1] += "\n"
            out.append(f"% symcheck: {_one_line(comment)}\n")
    return "".join(out)


def _one_line(text: str) -> str:
    return " ".join(text.split())
