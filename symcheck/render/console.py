"""Rich renderables for reports, traces and verdicts.

Every piece of user text (node names, ops, claims, messages) goes into a
`rich.text.Text`, which never interprets markup, so a node named ``[bold]``
prints as itself. The functions yield renderables and print nothing.

Table order: program order (inputs first, output last), the same order as the
JSON's ``nodes``; a graph with more than `max_rows` nodes shows only its worst
`max_rows` nodes, largest error first, under a one-line summary.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Collection, Iterator, Optional

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType
from rich.table import Table
from rich.text import Text

from symcheck.render import format_number as num, summary_sentence

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Contribution, Finding, NodeResult, Report, Step, Trace, Verdict

MAX_ROWS = 40
"""Nodes shown in a report's table before it switches to the worst-first summary."""

MAX_DERIVATIONS = 12
"""Graphs up to this many nodes also print each adjoint's derivation."""

MAX_STEPS = 40
"""Trace steps shown without a --node/--steps filter."""

MAX_IN_FLIGHT = 8
"""Partially accumulated grads listed per trace step."""

MAX_PENDING = 6
"""Pending consumers named per grad before the rest are counted."""

MAX_FORM = 160
"""Characters of a symbolic form shown in a trace line (longer ones are cut with …)."""

MAX_SIDE = 300
"""Characters of a claim side's symbolic form shown (the JSON keeps the whole form)."""

MIN_BODY = 30
"""Columns a hanging indent always leaves for the text (a deeper indent moves left to keep them)."""

GLUE = "\u00a0"
"""Joins words that must wrap together (``= 4.17004``); printed as a blank."""

OK_MARK, FAIL_MARK, FLAG_MARK, UNDECIDED_MARK = "✓", "✗", "!", "?"
_MARK_STYLE = {OK_MARK: "bold green", FAIL_MARK: "bold red", FLAG_MARK: "bold yellow", UNDECIDED_MARK: "bold yellow"}


class Indented:
    """Plain text wrapped to the console's width with a hanging indent (no trailing blanks).

    The first line starts with `mark` (coloured) when given, else with the indent.
    """

    def __init__(self, text: str, indent: int, mark: str = "") -> None:
        self.text, self.indent, self.mark = text, indent, mark

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = max(20, options.max_width - self.indent)
        lines = textwrap.wrap(self.text, width, break_long_words=False, break_on_hyphens=False) or [""]
        first = _marked(self.mark, lines[0]) if self.mark else Text(" " * self.indent + lines[0])
        yield first
        for line in lines[1:]:
            yield Text(" " * self.indent + line)


class Hanging:
    """A line that starts at the margin and wraps under a hanging indent (a derivation's ``= form``).

    Words joined by `GLUE` wrap together. The indent is capped so `MIN_BODY`
    columns remain, and a word longer than those is folded at the indent:
    nothing ever wraps back to column 0.
    """

    def __init__(self, text: str, indent: int) -> None:
        self.text, self.indent = text, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = max(MIN_BODY + 2, options.max_width)
        indent = min(self.indent, width - MIN_BODY)
        lines = textwrap.wrap(self.text, width, subsequent_indent=" " * indent,
                              break_long_words=True, break_on_hyphens=False) or [""]
        for line in lines:
            yield Text(line.replace(GLUE, " "))


def _marked(mark: str, text: str) -> Text:
    """`text` after a coloured mark (the text itself is never parsed as markup)."""
    return Text.assemble((mark, _MARK_STYLE[mark]), " " + text)


def describe_node(report: Report, name: str) -> str:
    """``z4 = add(z3, z1)`` for a node, ``x = input`` for an input."""
    node = report.program.node(name)
    if node.is_input:
        return f"{name} = input"
    operands = ", ".join(o if isinstance(o, str) else num(o) for o in node.inputs)
    index = f"[{node.index}]" if node.index is not None else ""
    return f"{name} = {node.op}{index}({operands})"


def _point(report: Report) -> str:
    """``x = 1.5, y = 0.5``; ``the default point x = 0.7, y = 1.3`` when no one chose the values."""
    values = ", ".join(f"{name} = {num(value)}" for name, value in report.inputs.items())
    defaulted = report.program.default_inputs()
    if not defaulted:
        return values
    if len(defaulted) == len(report.inputs):
        return f"the default point {values}"
    return f"{values} ({', '.join(defaulted)} at the default point)"


# -- reports ---------------------------------------------------------------------


def render_report(report: Report, *, max_rows: int = MAX_ROWS) -> Iterator[RenderableType]:
    """Header, the witnesses table, failures (worst first) and flags, derivations (small graphs), claims, summary."""
    yield Text(
        f"check f = {report.output} at {_point(report)}  (rtol {report.rtol:g}, atol {report.atol:g})"
    )
    yield _node_table(report, max_rows)
    yield from render_findings(report.failures, FAIL_MARK)  # worst disagreement first, beside the table
    yield from render_findings(report.flags, FLAG_MARK)
    if len(report.nodes) <= MAX_DERIVATIONS:
        derivations = list(_derivations(report))
        if derivations:
            yield Text("derivations:")
            yield from derivations
    for verdict in report.claims:
        yield from render_verdict(verdict)
    yield _summary(report)


def _worst_first(results: list[NodeResult]) -> list[NodeResult]:
    def badness(result: NodeResult) -> tuple[int, float]:
        error = result.error if result.error is not None else 0.0
        return (0 if result.ok else 1, math.inf if math.isnan(error) else error)

    return sorted(results, key=badness, reverse=True)


def _node_table(report: Report, max_rows: int) -> Table:
    rows = report.nodes
    title = None
    if len(rows) > max_rows:
        rows = _worst_first(rows)[:max_rows]
        title = f"worst {max_rows} of {len(report.nodes)} nodes, largest error first"
    # numbers never wrap or get cut (compact exponents keep six digits within 80 columns); names fold
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for header in ("node", "op"):
        table.add_column(header, overflow="fold")
    for header in ("value", "engine grad", "symbolic grad", "FD grad", "error"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("ok", justify="center", no_wrap=True)
    for r in rows:
        table.add_row(
            Text(r.name), Text(r.op), _cell(r.value), _cell(r.grad), _cell(r.grad_expected),
            _cell(r.grad_fd), _cell(r.error, 2), Text(OK_MARK, _MARK_STYLE[OK_MARK]) if r.ok else Text(FAIL_MARK, _MARK_STYLE[FAIL_MARK]),
        )
    return table


def _cell(value: Optional[float], digits: int = 6) -> str:
    """A table number: `format_number` with a compact exponent (``5.28491e+08`` → ``5.28491e8``)."""
    mantissa, e, exponent = num(value, digits).partition("e")
    if not e:
        return mantissa
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"


def _derivations(report: Report) -> Iterator[Hanging]:
    """∂f/∂node = chain rule = node-symbol form = in the inputs = value, one form per line."""
    for r in report.nodes:
        if r.name == report.output or r.grad_symbolic is None:
            continue
        head = f"  ∂f/∂{r.name} = "
        forms = list(dict.fromkeys(f for f in (r.chain_rule, r.grad_symbolic, r.grad_expanded) if f is not None))
        forms.append(num(r.grad_expected))
        yield Hanging(head + forms[0], len(head))
        for form in forms[1:]:
            yield Hanging(" " * (len(head) - 2) + "= " + form, len(head))


MAX_NAMED = 8
"""Nodes named in a finding that covers many before the rest are counted."""


def render_findings(findings: list[Finding], mark: str) -> Iterator[RenderableType]:
    """One entry per failure (✗) or flag (!): ``✗ z4 (add) local: message``; a finding that covers
    several nodes (one bug over many nodes) names the others on a line of its own."""
    for f in findings:
        yield Indented(f"{f.node} ({f.op}) {f.kind}: {f.message}", 2, mark)
        if len(f.all_nodes) > 1:
            yield Indented(also_at(f), 4)


def also_at(finding: Finding) -> str:
    """``the same at 41 more + nodes: z7, z12, … 33 more``."""
    others = finding.all_nodes[1:]
    named = ", ".join(others[:MAX_NAMED]) + (f", … {len(others) - MAX_NAMED} more" if len(others) > MAX_NAMED else "")
    return f"the same at {len(others)} more node{'s' if len(others) != 1 else ''}: {named}"


def _summary(report: Report) -> Text:
    return _marked(OK_MARK if report.ok else FAIL_MARK, summary_sentence(report))


def _with_value(symbolic: str, value: Optional[float], *, glue: str = " ") -> str:
    """``z7 = 2.42679``, or just ``0`` when the symbolic form is the number itself.

    `glue` joins ``= value`` so a wrapped line carries the value with its ``=``.
    """
    shown = num(value)
    return symbolic if symbolic == shown else f"{symbolic} ={glue}{shown}"


# -- verdicts --------------------------------------------------------------------


def render_verdict(verdict: Verdict) -> Iterator[RenderableType]:
    """``✓ holds: CLAIM  [method]`` then both sides, symbolic and numeric (``? undecided`` past its budget)."""
    if verdict.undecided:
        yield _marked(UNDECIDED_MARK, f"claim undecided: {verdict.claim}")
        yield Indented(verdict.message, 4)
        return
    mark, word = (OK_MARK, "holds") if verdict.holds else (FAIL_MARK, "fails")
    yield _marked(mark, f"claim {word}: {verdict.claim}  [{verdict.method}]")
    sides = (("lhs", verdict.lhs_symbolic, verdict.lhs_value), ("rhs", verdict.rhs_symbolic, verdict.rhs_value))
    for label, symbolic, value in sides:
        head = f"    {label} = "
        yield Hanging(head + _with_value(_cut_side(symbolic), value, glue=GLUE), len(head))
    if any(len(symbolic) > MAX_SIDE for _, symbolic, _ in sides):
        yield Indented(f"(sides cut at {MAX_SIDE} characters; --json prints them in full)", 4)
    if verdict.message:
        yield Indented(verdict.message, 4)


def _cut_side(form: str) -> str:
    """`form` up to `MAX_SIDE` characters, cut at a blank (between terms) where there is one."""
    if len(form) <= MAX_SIDE:
        return form
    cut = form.rfind(" ", 0, MAX_SIDE - 1)
    return form[: cut if cut > 0 else MAX_SIDE - 1].rstrip(" +-") + " …"


# -- traces ----------------------------------------------------------------------


def render_trace(
    trace: Trace,
    *,
    node: Optional[str] = None,
    steps: Optional[Collection[str]] = None,
    max_steps: int = MAX_STEPS,
) -> Iterator[RenderableType]:
    """The backward pass step by step: each step's grads right before it, then what it adds.

    `node` shows only that node's grad through the steps; `steps` keeps only the
    steps of the named nodes. Steps keep their numbers in the whole backward
    pass (`Step.number`). Without a filter, a pass longer than `max_steps`
    shows its first `max_steps` steps and a summary.
    """
    report = trace.report
    yield Text(f"trace f = {report.output} at {_point(report)}: {trace.step_count} backward steps")
    shown = [s for s in trace.steps if steps is None or s.node in steps]
    truncated = node is None and steps is None and len(shown) > max_steps
    for step in shown[:max_steps] if truncated else shown:
        yield from _render_step(report, step, step.number, node)
    if truncated:
        yield Text(f"… {len(shown) - max_steps} more steps (filter with --node NAME or --steps A-B)")
    bad = [s for s in trace.steps if not s.ok]
    if bad:
        first = bad[0]
        yield _marked(FAIL_MARK, f"engine grads disagree with the chain rule before {len(bad)} step(s), "
                                 f"first before step {first.number} ({first.node}._backward())")
    yield from render_findings(report.failures, FAIL_MARK)
    yield from render_findings(report.flags, FLAG_MARK)
    for verdict in report.claims:  # one line each: the trace is about steps, `check` explains claims
        yield next(iter(render_verdict(verdict)))
    yield _summary(report)


def _close(a: Optional[float], b: Optional[float], report: Report) -> bool:
    if a is None or b is None:
        return True
    return math.isclose(a, b, rel_tol=report.rtol, abs_tol=report.atol) or (math.isnan(a) and math.isnan(b))


def _short(form: str) -> str:
    return form if len(form) <= MAX_FORM else form[: MAX_FORM - 1] + "…"


def _pending(users: tuple[str, ...]) -> str:
    if not users:
        return "complete"
    more = f", … {len(users) - MAX_PENDING} more" if len(users) > MAX_PENDING else ""
    return "pending: " + ", ".join(users[:MAX_PENDING]) + more


def _grad_line(step: Step, name: str, report: Report, state: str) -> Hanging:
    symbolic = _short(step.symbolic_before.get(name, "0"))
    engine = step.grads_before.get(name)
    expected = step.expected_before.get(name, engine)
    head = f"  {name}.grad = "
    line = f"{head}{_with_value(symbolic, expected, glue=GLUE)}  ({state})"
    if name in step.kink_excused and not math.isfinite(expected):  # no symbolic value: the domain flag says why
        line += f"  {FLAG_MARK} engine holds {num(engine)} (sympy has no value here, accepted: see the domain flag)"
    elif name in step.kink_excused:  # as check's table: accepted, with the kink flag below saying why
        line += f"  {FLAG_MARK} engine holds {num(engine)} (subgradient at a kink, accepted)"
    elif not _close(engine, expected, report):
        line += f"  {FAIL_MARK} engine holds {num(engine)}"
    return Hanging(line, len(head))


def _in_flight(step: Step) -> list[str]:
    return [
        name for name, users in step.pending.items()
        if users and name != step.node and step.symbolic_before.get(name, "0") not in ("0", "")
    ]


def _render_step(report: Report, step: Step, number: int, only: Optional[str]) -> Iterator[RenderableType]:
    mark = "" if step.ok else f"  {FAIL_MARK}"
    yield Text(f"step {number}: before {step.node}._backward()   [{describe_node(report, step.node)}]{mark}")
    if only is None:
        yield _grad_line(step, step.node, report, "complete")
        names = _in_flight(step)
        for name in names[:MAX_IN_FLIGHT]:
            yield _grad_line(step, name, report, _pending(step.pending[name]))
        if len(names) > MAX_IN_FLIGHT:
            yield Text(f"  … {len(names) - MAX_IN_FLIGHT} more partially accumulated grads")
    else:
        yield _grad_line(step, only, report, _pending(tuple(step.pending.get(only, ()))))
    adds = [c for c in step.adds if only is None or c.target == only]
    prefix = f"  {step.node}._backward(): "
    for i, c in enumerate(adds):
        head = f"{prefix if i == 0 else ' ' * len(prefix)}{c.target}.grad += ∂f/∂{step.node}·∂{step.node}/∂{c.target} = "
        yield Hanging(head + _step_product(c), len(head))
    if not step.adds and only is None and report.program.node(step.node).is_input:
        yield Text(f"{prefix}adds nothing (an input has no operands)")


def _step_product(c: Contribution) -> str:
    """``z3*cos(z4) = (-0.47113)·(1) = -0.47113``: the term, then upstream times local, then the product,
    in CS231n's style; each ``= …`` wraps as a whole."""
    numbers = f"({num(c.upstream)})·({num(c.local)})"
    if not (math.isfinite(c.upstream) and math.isfinite(c.local)):
        return _with_value(_short(c.term), c.value, glue=GLUE)
    parts = [_short(c.term), numbers.replace(" ", GLUE), num(c.value)]
    shown = parts[:1] + [p for p in parts[1:] if p != parts[0]]
    return (" =" + GLUE).join(shown[:1]) + "".join(f" ={GLUE}{p}" for p in shown[1:])
