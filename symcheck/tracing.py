"""The backward pass step by step: engine state against the chain rule's partial sums.

ag's backward runs one local step per node, latest-created first. Right before
node c's step, a node b's ``.grad`` holds only the contributions of b's
consumers whose steps have already run::

    grad(b, before=c) = Σ_{k ∈ consumers(b), k's step ran before c's}  D(f, k) · ∂k/∂b

(the output's own grad is seeded with 1). `trace_program` runs ag's real
backward through its step hook, records every node's ``.grad`` before each
step, and sets beside it that partial sum in node-symbol form (``z7`` for
z3 before z4 in the homework graph), its value, the consumers still pending,
and what the step adds.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Iterable, Mapping, Optional

from symcheck.claims import with_claims
from symcheck.compare import check_program
from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.numeric.build import build_graph
from symcheck.symbolic.kinks import affected_by, find_kinks
from symcheck.parse.point import resolve_inputs
from symcheck.symbolic.values import adjoint_values, local_partials
from symcheck.render.formulas import latex, text
from symcheck.report import Contribution, PartialSums, PendingConsumers, Report, Step, Trace
from symcheck.parse.suggest import did_you_mean, join_hints, listing
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import Arrival, GradLedger, flat_terms

RECORD_ALL_UP_TO = 400
"""Up to this many nodes a step records every node's state; above it (unless `nodes` says
otherwise) a step records only its own node and its operands, keeping a trace linear in size."""


def trace_program(
    program: Program,
    *,
    at: Optional[Mapping[str, float]] = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    nodes: Optional[Iterable[str]] = None,
    steps: Optional[Iterable[str]] = None,
    report: Optional[Report] = None,
    target: str = "",
) -> Trace:
    """Run ag's backward on `program` and explain it step by step.

    Each `Step` holds, right before that node's ``_backward()``, every recorded
    node's ``.grad`` as ag holds it (`grads_before`), the partial sum of
    arrived contributions in node-symbol form (`symbolic_before`) and its value
    (`expected_before`), the consumers still `pending`, and the
    `Contribution`s the step adds. `Step.ok` is false where engine and chain
    rule disagree beyond ``atol + rtol·max(|a|, |b|)``.

    `nodes` limits whose state is recorded and `steps` which steps are kept
    (both all by default; above `RECORD_ALL_UP_TO` nodes a step records only
    its own node and its operands unless `nodes` is given). `target` names
    what was traced in the report (the TARGET as typed).

    >>> from symcheck.own import problems
    >>> from symcheck.parse import parse_program
    >>> trace = trace_program(parse_program(problems.PROGRAMS["backprop"].read_text()))
    >>> step = trace.step("z4")
    >>> step.symbolic_before["z3"], round(step.grads_before["z3"], 6), step.pending["z3"]
    ('z7', 2.426794, ('z4',))
    """
    point = resolve_inputs(program, at)
    graph = SymbolicGraph(program)  # one sympy graph and one ag graph serve the steps and the check
    values = graph.values(point)  # a point outside an op's domain is named here, as check names it
    scalars = build_graph(program, point)
    recorder = _Recorder(program, graph, GradLedger(program, graph), scalars, values, rtol=rtol, atol=atol)
    if nodes is None and len(program.nodes) > RECORD_ALL_UP_TO:
        recorder.local_only = True
    else:
        recorder.record_names = _names_or_all(nodes, program, "node")
    recorder.keep_steps = set(_names_or_all(steps, program, "step"))
    scalars[program.output].backward(before_step=recorder.before_step)
    if report is None:
        report = with_claims(check_program(
            program, at=point, rtol=rtol, atol=atol, symbolic=graph, target=target,
            engine_grads={name: s.grad for name, s in scalars.items()},
            engine_values={name: s.data for name, s in scalars.items()},
        ))
    return Trace(report=report, steps=recorder.finish(report), step_count=len(recorder.ledger.schedule),
                 terms=recorder.terms, consumers=recorder.ledger.consumers)


def _names_or_all(names: Optional[Iterable[str]], program: Program, what: str) -> tuple[str, ...]:
    """The chosen node names (``f`` is the output, as in claims), or every node when none are chosen."""
    if names is None:
        return program.names
    chosen = tuple(program.output if name == "f" and "f" not in program else name for name in names)
    for name in chosen:
        if name not in program:
            raise InputError(
                f"no {what} named {name!r}",
                hint=join_hints(did_you_mean(name, program.names), f"the nodes are {listing(program.names)}"),
            )
    return chosen


class _Recorder:
    """The before-step hook: snapshots engine grads and advances the symbolic ledger."""

    def __init__(
        self,
        program: Program,
        graph: Any,
        ledger: GradLedger,
        scalars: Mapping[str, Any],
        values: Mapping[str, Any],
        *,
        rtol: float,
        atol: float,
    ) -> None:
        self.program, self.graph, self.ledger = program, graph, ledger
        self.scalars = scalars
        self.name_of = {id(scalar): name for name, scalar in scalars.items()}
        self.values = values
        self.adjoints = graph.adjoint_values(self.values)
        self.rtol, self.atol = rtol, atol
        self.steps: list[Step] = []
        self.record_names: tuple[str, ...] = program.names
        self.local_only = False
        self.keep_steps: set[str] = set(program.names)
        # The running symbolic state: each node's terms, printed once as they arrive (a sum prints in
        # arrival order); a step keeps how many had arrived and how many consumers were still pending,
        # so a node that receives n terms costs n short prints in all, not a growing sum per step.
        self.terms: dict[str, list[str]] = {name: [] for name in program.names}
        self.terms[program.output].append("1")
        self.consumed: dict[str, int] = dict.fromkeys(program.names, 0)  # consumer steps run so far
        self._partials_cache: dict[str, dict[str, Any]] = {}
        self.expected: dict[str, float] = {name: 0.0 for name in program.names}
        self.expected[program.output] = 1.0
        # Behind a kink (see `excuse_kinks`) the same partial sums under the engine's convention.
        self.zeroed: set[str] = set()
        self.subgradient_adjoints: Mapping[str, Any] = {}
        self.expected_subgradient: dict[str, float] = dict(self.expected)
        # Each kept step's disagreeing grads, in recorded order: "kink" where the engine's convention
        # explains it, "check" where only the check's verdict can (see `finish`).
        self.disagreeing: list[list[tuple[str, str]]] = []
        self._excuse_kinks()

    def _excuse_kinks(self) -> None:
        """Accept either convention for the nodes whose adjoints flow through a kink, as `check` does.

        At relu's kink the engine takes the partial 0 where the chain rule's
        Heaviside(0) gives ½, so those nodes' grads are judged against both
        partial sums (the second with the relu partials zeroed).
        """
        flags = find_kinks(self.program, self.values)
        self.excused = affected_by(self.program, [flag.node for flag in flags])
        if self.excused:
            self.zeroed = {flag.node for flag in flags if flag.op == "relu"}
            self.subgradient_adjoints = adjoint_values(self.program, self.values, zero_partials=self.zeroed)

    def finish(self, report: Report) -> list[Step]:
        """The kept steps, judged: a grad with no symbolic value that check accepted (a `domain`
        flag: the engine matched finite differences) is accepted here too."""
        unvalued = {r.name for r in report.nodes if r.grad_expected is None and r.ok}
        finished = []
        for step, disagreeing in zip(self.steps, self.disagreeing):
            excused = [name for name, why in disagreeing if why == "kink" or (
                name in unvalued and not math.isfinite(step.expected_before[name]))]
            ok = len(excused) == len(disagreeing)
            finished.append(replace(step, ok=ok, kink_excused=tuple(excused)))
        return finished

    def before_step(self, scalar: Any) -> None:
        name = self.name_of.get(id(scalar))
        if name is None:  # a constant the engine coerced: not a program node, its step adds nothing we track
            return
        arrivals = self.ledger.arrivals(name) if name in self.ledger.position else []
        adds = [self._contribution(arrival) for arrival in arrivals]
        if name in self.keep_steps:
            self.steps.append(self._snapshot(name, adds))
        for arrival, added in zip(arrivals, adds):
            self.terms[arrival.target].extend(text(part) for part in flat_terms(arrival.term) if part != 0)
            self.consumed[arrival.target] += 1
            self.expected[arrival.target] += added.value
            if self.excused and arrival.target in self.excused:
                self.expected_subgradient[arrival.target] += self._subgradient_term(arrival)

    def _contribution(self, arrival: Arrival) -> Contribution:
        # Numerically the term is D(f, source) · ∂source/∂target, with the adjoint's value
        # taken from the symbolic layer's linear-time evaluation (placeholders stay cheap).
        upstream = float(self.adjoints[arrival.source])
        local = float(self._numeric_partials(arrival.source)[arrival.target])
        return Contribution(arrival.target, text(arrival.term), latex(arrival.term), upstream * local,
                            upstream=upstream, local=local, local_term=text(arrival.partial),
                            expr=arrival.term, local_expr=arrival.partial)

    def _subgradient_term(self, arrival: Arrival) -> float:
        """The arrival's value under the engine's convention: relu's partial at its kink is 0."""
        if arrival.source in self.zeroed:
            return 0.0
        partial = self._numeric_partials(arrival.source)[arrival.target]
        return float(self.subgradient_adjoints[arrival.source] * partial)

    def _numeric_partials(self, name: str) -> dict[str, Any]:
        """∂name/∂operand at the point for each distinct operand (as check takes them: a sympy limit
        stands in where the partial itself has no value, see `precision.local_partials`); evaluated
        once per node, since a node over n operands has n arrivals."""
        cached = self._partials_cache.get(name)
        if cached is None:
            cached = self._partials_cache[name] = local_partials(self.program.node(name), self.values)
        return cached

    def _snapshot(self, name: str, adds: list[Contribution]) -> Step:
        grads, arrived, expected, pending = {}, {}, {}, {}
        disagreeing: list[tuple[str, str]] = []
        consumers = self.ledger.consumers
        for other in self._recorded(name):
            grads[other] = float(self.scalars[other].grad) if other in self.scalars else 0.0
            arrived[other] = len(self.terms[other])
            expected[other] = self.expected[other]
            pending[other] = len(consumers.get(other, ())) - self.consumed[other]
            if _close(grads[other], expected[other], self.rtol, self.atol):
                continue
            kink = other in self.excused and _close(grads[other], self.expected_subgradient[other], self.rtol, self.atol)
            disagreeing.append((other, "kink" if kink else "check"))
        self.disagreeing.append(disagreeing)
        number = self.ledger.position[name] + 1 if name in self.ledger.position else 0
        return Step(name, self.program.node(name).op, grads, PartialSums(self.terms, arrived), expected,
                    PendingConsumers(consumers, pending), adds, number=number)

    def _recorded(self, name: str) -> Iterable[str]:
        if not self.local_only:
            return self.record_names
        operands = (o for o in self.program.node(name).inputs if isinstance(o, str))
        return tuple(dict.fromkeys((name, *operands)))


def _close(engine: float, expected: float, rtol: float, atol: float) -> bool:
    if not (math.isfinite(engine) and math.isfinite(expected)):
        return engine == expected
    return abs(engine - expected) <= atol + rtol * max(abs(engine), abs(expected))
