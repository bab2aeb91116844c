r"""Grading a homework's LaTeX answers against a graph, relation by relation and answer by answer.

Each relation that `symcheck.parse.latex.read_answers` reads becomes a claim
and is judged like any claim (`symcheck.claims.judge_equation`, within the
claim's time budget): ``holds``, ``fails`` (with the slip in the student's
terms), ``undecided``; one it could not read is ``unreadable``, with the
.tex line and column. A block whose program declares ``# question N:
QUANTITY`` has its final expression (the last member of its last formula)
judged against that quantity: ``correct``, ``wrong``, ``unreadable`` or
``missing``. With `hide_solutions` every message names the verdict and the
kind of slip, never a correct expression or value.
"""

from __future__ import annotations

from typing import Mapping, Optional

from symcheck.claims import judge_equation
from symcheck.errors import InputError
from symcheck.grading.results import AnswerGrade, BlockGrade, GradeReport, NoteGrade, RelationGrade
from symcheck.ir import Program, Question, SourceLocation
from symcheck.parse.claim import parse_side
from symcheck.parse.claim_ast import ClaimEquation
from symcheck.parse.latex import AnswerBlock, FinalMember, LatexRelation, read_answers
from symcheck.parse.point import resolve_inputs
from symcheck.parse.writeback import equation_text


def grade_answers(program: Program, text: str, *, path: str = "<answers>", graph: str = "",
                  at: Optional[Mapping[str, float]] = None, hide_solutions: bool = False) -> GradeReport:
    r"""Grade the .tex `text` (read from `path`) against `program` at the point `at`.

    A file whose answer markers do not pair up, or that has none, raises
    `InputError`; everything else (an unreadable formula, a block left
    empty) is a verdict in the report.

    >>> from problems import PROGRAMS
    >>> from symcheck.parse import parse_program
    >>> program = parse_program(PROGRAMS["backprop"].read_text())
    >>> tex = "%%% BEGIN ANSWER\n$\\frac{\\partial f}{\\partial z_4} = z_3 \\cos z_4$\n%%% END ANSWER\n"
    >>> report = grade_answers(program, tex)
    >>> [(r.verdict, r.claim) for r in report.blocks[0].relations], report.blocks[0].answer.verdict
    ([('holds', 'D(f, z4) == z3*cos(z4)')], 'correct')
    """
    point = resolve_inputs(program, at)
    answers = read_answers(text, program, path=path)
    questions = {question.number: question for question in program.questions}
    blocks = [_block(program, block, questions.get(block.number), point, hide_solutions) for block in answers.blocks]
    for number in sorted(set(questions) - {block.number for block in answers.blocks}):
        blocks.append(BlockGrade(number, None, questions[number].text, AnswerGrade(
            "", "missing", f"the file has no answer block {number} (it has {len(answers.blocks)})")))
    return GradeReport(path, graph, point, blocks, hide_solutions, text)


def _block(program: Program, block: AnswerBlock, question: Optional[Question], point: dict[str, float],
           hide: bool) -> BlockGrade:
    notes = list(block.notes)
    if block.error is not None:
        location = block.error.location
        line, column = (location.line, location.column) if location else (block.line, 1)
        unreadable = RelationGrade(line, column, "", "", "unreadable", "", f"unreadable: {block.error}")
        answer = None if question is None else AnswerGrade("", "unreadable", "the block cannot be read (see above)")
        return BlockGrade(block.number, block.line, question.text if question else None, answer, [unreadable], notes)
    relations = [_relation(program, relation, point, hide) for relation in block.relations]
    if not block.relations and block.final is None:
        notes.append(NoteGrade(block.line, 1, "the block holds no formula"))
    answer = None if question is None else _answer(program, question, block.final, point, hide)
    return BlockGrade(block.number, block.line, question.text if question else None, answer, relations, notes)


def _relation(program: Program, relation: LatexRelation, point: dict[str, float], hide: bool) -> RelationGrade:
    if relation.error is not None or relation.equation is None:
        return RelationGrade(relation.line, relation.column, relation.latex, "", "unreadable", "",
                             f"unreadable: {relation.error}")
    try:
        judgement = judge_equation(program, relation.equation, at=point)
    except InputError as error:  # the relation reads, but cannot be judged at this point
        return RelationGrade(relation.line, relation.column, relation.latex, equation_text(relation.equation),
                             "unreadable", "", f"cannot be judged: {error}")
    verdict = judgement.verdict
    word = "undecided" if verdict.undecided else "holds" if verdict.holds else "fails"
    message = judgement.hidden if hide else verdict.message
    return RelationGrade(relation.line, relation.column, relation.latex, equation_text(relation.equation), word,
                         verdict.method, message, judgement.slip)


def _answer(program: Program, question: Question, final: Optional[FinalMember], point: dict[str, float],
            hide: bool) -> AnswerGrade:
    if final is None:
        return AnswerGrade("", "missing", "the block holds no formula to take as its answer")
    if final.error is not None or final.expr is None:
        return AnswerGrade(final.latex, "unreadable", f"unreadable: {final.error}", final.line)
    location = SourceLocation(question.location.file if question.location else "<question>", final.line,
                              final.column, "")
    quantity = parse_side(question.text, program, location=question.location)
    equation = ClaimEquation(quantity, final.expr, f"{question.text} == {final.latex}", location,
                             readings=final.readings)
    try:
        judgement = judge_equation(program, equation, at=point)
    except InputError as error:
        return AnswerGrade(final.latex, "unreadable", f"cannot be judged: {error}", final.line)
    verdict = judgement.verdict
    if verdict.undecided:
        return AnswerGrade(final.latex, "undecided", judgement.hidden if hide else verdict.message, final.line)
    if verdict.holds:
        message = "correct" if hide else f"correct: it equals {question.text} = {verdict.lhs_symbolic}" + (
            f" = {verdict.lhs_value:.6g}" if verdict.lhs_value is not None else "")
        return AnswerGrade(final.latex, "correct", message, final.line)
    message = _wrong(question, judgement.hidden if hide else verdict.message, hide)
    return AnswerGrade(final.latex, "wrong", message, final.line, judgement.slip)


def _wrong(question: Question, message: str, hide: bool) -> str:
    """The verdict's message said of the answer: the left side is the question's quantity."""
    said = message.replace("the left side", "the question").replace("the right side", "your answer")
    return f"wrong: {said.removeprefix('fails: ').removeprefix('fails')}".rstrip(": ")
