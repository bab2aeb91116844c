"""Plain data that checking, tracing and claims produce, and every renderer reads.

These objects hold results only; rendering lives in `symcheck.render`, which
the display methods below delegate to (rich's protocol, ``__rich_console__``,
and Jupyter's, ``_repr_mimebundle_``). The renderers are imported lazily, so
building a report never pulls in rich, and they import these types only for
type checking: imports run one way, from the report to its renderers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Optional, Sequence

from symcheck.ir import Operand, Program

FAILURE_KINDS = ("local", "missing", "accumulation", "order", "stale", "mismatch", "crashed", "repeated",
                 "no_step", "forward")
FLAG_KINDS = ("nondifferentiable", "domain", "no_fd", "ambiguous")


@dataclass(frozen=True)
class Finding:
    """A failure (something is wrong) or a flag (a kink or domain edge, not wrong).

    `node` is the node's name, `op` the op at fault (the engine's own op name
    when the engine names it differently), `kind` one of `FAILURE_KINDS` or
    `FLAG_KINDS`. One bug repeated over many nodes is one finding: `nodes`
    then lists every node it covers (`node` first) and `message` describes
    the first of them; a finding about one node leaves `nodes` empty.
    """

    node: str
    op: str
    kind: str
    message: str
    nodes: tuple[str, ...] = ()

    @property
    def all_nodes(self) -> tuple[str, ...]:
        """Every node this finding covers, `node` first."""
        return self.nodes or (self.node,)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (``nodes`` lists every node the finding covers)."""
        return {"node": self.node, "op": self.op, "kind": self.kind, "message": self.message,
                "nodes": list(self.all_nodes)}


@dataclass
class NodeResult:
    """The three witnesses for one node's adjoint ∂f/∂node, and the forms of its derivation.

    `grad` is the engine's, `grad_expected` the symbolic one evaluated at the
    point, `grad_fd` the finite difference (None where it was not taken) and
    `grad_fd_error` that difference's own error estimate (set only where the
    fixed finite-difference tolerance was not enough, see `symcheck.compare`).
    `chain_rule`, `grad_symbolic` (node-symbol form) and `grad_expanded` (in the
    inputs) are sympy strings; the `*_latex` fields their LaTeX. A form is None
    when the graph is too large for it to be worth printing.
    """

    name: str
    op: str
    inputs: tuple[Operand, ...]
    value: float
    grad: Optional[float]
    grad_expected: Optional[float]
    grad_fd: Optional[float] = None
    grad_symbolic: Optional[str] = None
    grad_expanded: Optional[str] = None
    chain_rule: Optional[str] = None
    chain_rule_latex: Optional[str] = None
    grad_symbolic_latex: Optional[str] = None
    grad_expanded_latex: Optional[str] = None
    error: Optional[float] = None
    ok: bool = True
    grad_fd_error: Optional[float] = None
    local_partials: dict[str, float] = field(default_factory=dict)
    """∂node/∂operand at the point for each distinct node operand, from sympy: each edge's local partial."""
    expressions: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The derivation's forms as sympy expressions, keyed ``chain_rule``, ``grad_symbolic`` and
    ``grad_expanded`` where those forms are printed, for renderers of other formats (MathML)."""


@dataclass
class Verdict:
    """Whether a claim holds, and which method decided it.

    `method` is ``symbolic`` (a sympy proof), ``numeric`` (sampling, or a value
    at the point) or ``undecided`` (the claim's time budget ran out: `holds`
    is then False and `message` says why). `relation` is ``==`` or ``≈``.
    The ``*_latex`` fields hold each side as written and in node symbols, in
    LaTeX (``claim --latex``).
    """

    claim: str
    holds: bool
    method: str
    lhs_symbolic: str
    lhs_value: Optional[float]
    rhs_symbolic: str
    rhs_value: Optional[float]
    message: str = ""
    target: str = ""
    relation: str = "=="
    lhs_latex: str = ""
    rhs_latex: str = ""
    lhs_symbolic_latex: str = ""
    rhs_symbolic_latex: str = ""
    lhs_expr: Any = field(default=None, compare=False, repr=False)
    """The left side as a sympy expression, for renderers of other formats (MathML); a number
    written in the claim is shown as written (`lhs_symbolic`), not as this exact rational."""
    rhs_expr: Any = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        """The same as `holds`, so a Verdict is tested like a Report."""
        return self.holds

    @property
    def undecided(self) -> bool:
        """True when the claim's time budget ran out before it was decided."""
        return self.method == "undecided"

    def to_latex(self) -> str:
        """The verdict as an ``align*`` block ready to paste into an answer (`symcheck.render.latex`)."""
        from symcheck.render.latex import verdict_to_latex

        return verdict_to_latex(self)

    def to_json(self) -> dict[str, Any]:
        """The verdict as JSON-ready data (`symcheck.render.json_render`)."""
        from symcheck.render.json_render import verdict_to_json

        return verdict_to_json(self)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from symcheck.render.console import render_verdict

        yield from render_verdict(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from symcheck.render.notebook import verdict_bundle

        return verdict_bundle(self)


@dataclass
class Report:
    """The result of `symcheck.check`: every node's witnesses, failures, flags and claim verdicts."""

    program: Program
    inputs: dict[str, float]
    nodes: list[NodeResult]
    failures: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)
    claims: list[Verdict] = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-9
    first_divergence: Optional[str] = None
    fd_strategy: str = ""
    target: str = ""
    nodes_read: int = 0
    """How many nodes were read and judged: every node from the output down to the leaves (a foreign
    engine's constants included, which the program inlines as numbers); 0 means the report's own nodes."""

    def __post_init__(self) -> None:
        if not self.nodes_read:
            self.nodes_read = len(self.nodes)

    @property
    def output(self) -> str:
        """The name of the program's output node f."""
        return self.program.output

    @property
    def ok(self) -> bool:
        """True when there is no failure and every claim holds (flags do not count)."""
        return not self.failures and all(v.holds for v in self.claims)

    def node(self, name: str) -> NodeResult:
        """The result for the node called `name` (KeyError if there is none)."""
        for result in self.nodes:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``symcheck check --json`` prints)."""
        from symcheck.render.json_render import report_to_json

        return report_to_json(self)

    def to_latex(self) -> str:
        """Every node's adjoint derivation as LaTeX blocks (`symcheck.render.latex`)."""
        from symcheck.render.latex import report_to_latex

        return report_to_latex(self)

    def to_html(self) -> str:
        """The check as one self-contained HTML page: the graph beside the witnesses and derivations,
        failing nodes red (`symcheck.render.html`; what ``symcheck check --html FILE`` writes)."""
        from symcheck.render.html import report_page

        return report_page(self)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from symcheck.render.console import render_report

        yield from render_report(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from symcheck.render.notebook import report_bundle

        return report_bundle(self)


@dataclass(frozen=True)
class Contribution:
    """What one local step adds: ``target.grad += ∂f/∂source·∂source/∂target`` (term symbolic and numeric).

    `upstream` is ∂f/∂source at the point (the source's own grad) and `local`
    the local partial ∂source/∂target there, so `value` = upstream · local;
    `local_term` is that local partial in node symbols.
    `expr` and `local_expr` are the term and the local partial as sympy
    expressions, for renderers of other formats (MathML).
    """

    target: str
    term: str
    term_latex: str
    value: float
    upstream: float = float("nan")
    local: float = float("nan")
    local_term: str = ""
    expr: Any = field(default=None, compare=False, repr=False)
    local_expr: Any = field(default=None, compare=False, repr=False)


def join_terms(terms: Sequence[str]) -> str:
    """Printed terms as one sum, signs as sympy prints them (``a - 2*b``); no terms is ``0``.

    A leading negative number goes after the next term, as sympy's printer
    puts it (``cos(x) - 1``, not ``-1 + cos(x)``).
    """
    if not terms:
        return "0"
    if len(terms) > 1 and _NEGATIVE_NUMBER.fullmatch(terms[0]) and not terms[1].startswith("-"):
        terms = [terms[1], terms[0], *terms[2:]]
    parts = [terms[0]]
    for term in terms[1:]:
        parts.append(f" - {term[1:]}" if term.startswith("-") else f" + {term}")
    return "".join(parts)


_NEGATIVE_NUMBER = re.compile(r"-\d+(?:\.\d*)?(?:e[-+]?\d+)?(?:/\d+)?")
"""A term that is one negative number (sympy prints it first in a sum; the printer moves it after the next term)."""


class PartialSums(Mapping[str, str]):
    """Each recorded node's partial sum in node-symbol form, right before a step, joined when asked.

    A step holds only how many of a node's terms had arrived (`counts`); the
    terms themselves are printed once, in the trace's shared `terms` lists.
    A node that receives 10,000 contributions therefore costs 10,000 terms in
    all, not 10,000 growing sums.
    """

    __slots__ = ("terms", "counts")

    def __init__(self, terms: Mapping[str, Sequence[str]], counts: Mapping[str, int]) -> None:
        self.terms, self.counts = terms, counts

    def __getitem__(self, name: str) -> str:
        return join_terms(self.terms.get(name, ())[: self.counts[name]])

    def __iter__(self) -> Iterator[str]:
        return iter(self.counts)

    def __len__(self) -> int:
        return len(self.counts)

    def shortened(self, name: str, limit: int) -> str:
        """The sum, or for more than `limit` terms its first and last ones around `` + … + ``."""
        terms = self.terms.get(name, ())[: self.counts[name]]
        if len(terms) <= limit:
            return join_terms(terms)
        head, tail = join_terms(terms[: limit - 2]), join_terms(terms[-2:])
        return f"{head} + … + {tail}"


class PendingConsumers(Mapping[str, tuple]):
    """For each recorded node, the consumers whose contributions have not arrived yet, next to run first.

    They are always the last `counts[name]` of the node's consumers in backward
    order (the trace's shared `consumers`), so a step keeps only that count.
    """

    __slots__ = ("consumers", "counts")

    def __init__(self, consumers: Mapping[str, Sequence[str]], counts: Mapping[str, int]) -> None:
        self.consumers, self.counts = consumers, counts

    def __getitem__(self, name: str) -> tuple[str, ...]:
        count = self.counts[name]
        users = self.consumers.get(name, ())
        return tuple(users[len(users) - count:]) if count else ()

    def __iter__(self) -> Iterator[str]:
        return iter(self.counts)

    def __len__(self) -> int:
        return len(self.counts)


@dataclass
class Step:
    """The state right before one node's `_backward()` and what that step adds.

    `grads_before` holds every recorded node's `.grad` as the engine holds it,
    `symbolic_before` the same state symbolically (the sum of contributions
    arrived so far, node-symbol form), `expected_before` that sum's value,
    `pending` for each node the consumers whose contributions have not arrived
    yet. `number` is the step's place in the whole backward pass (1 for the
    output's step), the same in every output and whichever steps were kept.
    A traced step's `symbolic_before` and `pending` are `PartialSums` and
    `PendingConsumers`: counts into lists the `Trace` holds once.
    """

    node: str
    op: str
    grads_before: dict[str, float]
    symbolic_before: Mapping[str, str]
    expected_before: dict[str, float]
    pending: Mapping[str, tuple[str, ...]]
    adds: list[Contribution]
    ok: bool = True
    kink_excused: tuple[str, ...] = ()
    """Recorded nodes whose engine grad differs from the chain rule's (Heaviside(0) = ½) sum but
    matches the engine's subgradient convention at a kink between it and the output: accepted, as `check` accepts them."""
    number: int = 0


@dataclass
class Trace:
    """The backward pass step by step, with the check report it belongs to."""

    report: Report
    steps: list[Step]
    step_count: int = 0
    """How many local steps the whole backward pass runs (the kept `steps` may be fewer)."""
    terms: dict[str, list[str]] = field(default_factory=dict)
    """Each node's contributions in arrival order, printed once (the steps' partial sums count into them)."""
    consumers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Each node's consumers in backward order (the steps' pending ones are the last of them)."""

    @property
    def ok(self) -> bool:
        """True when the check report is ok and every kept step matches the chain rule."""
        return self.report.ok and all(step.ok for step in self.steps)

    def step(self, node: str) -> Step:
        """The step of node `node`'s `_backward()` (KeyError if it was not kept)."""
        for step in self.steps:
            if step.node == node:
                return step
        raise KeyError(node)

    def to_json(self) -> dict[str, Any]:
        """The trace as JSON-ready data (what ``symcheck trace --json`` prints)."""
        from symcheck.render.json_render import trace_to_json

        return trace_to_json(self)

    def to_latex(self) -> str:
        """The trace's steps as LaTeX (`symcheck.render.latex`)."""
        from symcheck.render.latex import trace_to_latex

        return trace_to_latex(self)

    def to_html(self, *, start: Optional[int] = None) -> str:
        """The backward pass as one self-contained interactive HTML page, stepped with ← and →
        (`symcheck.render.html`; what ``symcheck trace --html FILE`` writes). It opens at step
        number `start` (the console's numbering), else at the first step."""
        from symcheck.render.html import trace_page

        return trace_page(self, start=start)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from symcheck.render.console import render_trace

        yield from render_trace(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from symcheck.render.notebook import trace_bundle

        return trace_bundle(self)
