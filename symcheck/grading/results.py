"""What grading an answer file produces: plain data that the renderers read (`symcheck.render.grading`).

Verdicts of a relation: ``holds``, ``fails``, ``unreadable``, ``undecided``;
of a block's final answer: ``correct``, ``wrong``, ``unreadable``,
``missing`` (and ``undecided`` when the claim's time budget ran out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from symcheck.parse.latex import Note

RELATION_VERDICTS = ("holds", "fails", "unreadable", "undecided")
ANSWER_VERDICTS = ("correct", "wrong", "unreadable", "missing", "undecided")


@dataclass(frozen=True)
class RelationGrade:
    """One relation of an answer: where its sign stands, its LaTeX, the claim it was read as (in the claim
    language), and its verdict with the method that decided it and why; `slip` names the kind of mistake."""

    line: int
    column: int
    latex: str
    claim: str
    verdict: str
    method: str
    message: str
    slip: str = ""


@dataclass(frozen=True)
class AnswerGrade:
    """A block's final expression judged against its question."""

    latex: str
    verdict: str
    message: str
    line: Optional[int] = None
    slip: str = ""


NoteGrade = Note
"""Something not judged, and why (a ``\\neq``, an empty side): the reader's `Note`, as graded."""


@dataclass(frozen=True)
class BlockGrade:
    """One answer block: its number, the line of its BEGIN marker (None for a question with no block),
    its question (a claim side, as typed in the program), the answer's grade, its relations and notes."""

    block: int
    line: Optional[int]
    question: Optional[str]
    answer: Optional[AnswerGrade]
    relations: list[RelationGrade] = field(default_factory=list)
    notes: list[NoteGrade] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every relation holds and the answer, if the block has a question, is correct."""
        return all(r.verdict == "holds" for r in self.relations) and (
            self.answer is None or self.answer.verdict == "correct")


@dataclass
class GradeReport:
    """The grades of a homework's answer file against a graph (`graph`: the TARGET as typed)."""

    file: str
    graph: str
    inputs: dict[str, float]
    blocks: list[BlockGrade]
    hide_solutions: bool = False
    text: str = ""

    @property
    def ok(self) -> bool:
        """Every relation holds and every declared question is answered correctly."""
        return all(block.ok for block in self.blocks)

    def to_json(self) -> dict[str, Any]:
        """The grades as JSON-ready data (what ``symcheck grade --json`` prints)."""
        from symcheck.render.grading import grade_to_json

        return grade_to_json(self)

    def annotated(self) -> str:
        """The answer file with a ``% symcheck: …`` comment after each judged line (``--annotate``)."""
        from symcheck.render.grading import annotate

        return annotate(self)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from symcheck.render.grading import render_grades

        yield from render_grades(self)
