"""The comparator: three independent witnesses for every node's adjoint ∂f/∂node.

1. engine — the ``.grad`` ag's backward pass leaves (or `engine_grads` from a
   foreign engine);
2. symbolic — sympy's adjoint, accumulated node by node in backward order at
   30 digits (`symcheck.precision`), then rounded;
3. finite difference — `symcheck.finite_diff`, perturbing the node and
   re-running only its downstream nodes.

A node is ok when

    |engine − symbolic| ≤ atol + rtol·|symbolic|                       (default 1e-9, 1e-6)
    |fd − symbolic|     ≤ max(atol, FD_ATOL·max(1, |f|)) + max(rtol, FD_RTOL)·|symbolic|

(the finite difference is judged more loosely: it carries truncation and
rounding error of ~1e-11 relative). A finite difference outside that bound is
not yet judged wrong: it is retaken on a ladder of steps 100×, 100²×, …
smaller, and each step's error is estimated from the difference alone: the
rounding error propagated from every re-run node (`Evaluator.rounding_error`;
large when big intermediate values cancel, as in (x + 1e8) − 1e8) plus the
distance to the next smaller step's result (truncation, a kink inside the
stencil, a step too coarse for sin(1e8·x)). The step with the smallest
estimate is kept, and the bound grows by that estimate, `grad_fd_error`. So
an ill-conditioned difference is reported with its error bar, not as a false
alarm. (The rounding estimate weighs each node by the size of its symbolic
adjoint; that sizes the error bar only, the difference itself is computed
from forward values alone, and a wrong one still fails: tests/test_compare.py.)

Kinks (relu/abs at exactly 0, …) are flagged, not judged wrong: a node whose
adjoint flows through one is ok when the engine matches the symbolic value
under either convention — sympy's Heaviside(0) = ½ or the engine's
subgradient 0 — and its finite difference (which gives ½) is shown, not
judged. An engine matching neither is still a mismatch.

A local partial sympy cannot evaluate where the node has a value (``0**x·log(0)``
at x = 2) takes sympy's limit there when one exists; either way it is a
`domain` flag. Without a limit the nodes behind it have no symbolic witness
and the engine is judged against the finite difference alone.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Sequence

from symcheck.symbolic import values as precision
from symcheck.numeric.finite_diff import BUDGET, FD_ATOL, FD_RTOL, SECONDS, STEP, Evaluator, take
from symcheck.errors import InputError
from symcheck.ir import Program, ancestors
from symcheck.numeric.build import build_graph
from symcheck.parse.point import resolve_inputs
from symcheck.render.formulas import latex, text
from symcheck.symbolic.kinks import affected_by, domain_flag, find_kinks, partial_gaps
from symcheck.report import Finding, NodeResult, Report
from symcheck.symbolic.graph import SymbolicGraph

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.render.progress import Progress

RETAKE_STEPS = 4
"""A disagreeing finite difference is retaken with steps STEP/100, …, STEP/100⁴."""

FORMS_MAX_NODES = 60
"""Node-symbol and expanded forms are printed only for programs up to this many nodes."""

FORM_MAX_SIZE = 400
"""…and only for adjoints whose estimated tree size stays below this."""


def check_program(
    program: Program,
    *,
    at: Optional[Mapping[str, float]] = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    engine_grads: Optional[Mapping[str, Optional[float]]] = None,
    engine_values: Optional[Mapping[str, float]] = None,
    forms: bool = True,
    fd_budget: int = BUDGET,
    fd: str = "auto",
    fd_seconds: float = SECONDS,
    symbolic: Optional[SymbolicGraph] = None,
    target: str = "",
    root_causes: Sequence[Finding] = (),
    step_flags: Sequence[Finding] = (),
    nodes_read: Optional[int] = None,
    progress: Optional["Progress"] = None,
) -> Report:
    """Check every node's gradient against the symbolic and finite-difference witnesses.

    `engine_grads` (name → grad) supplies the engine witness from a run that
    already happened (ag's during a trace, or a foreign engine's, with its
    node values in `engine_values`); otherwise the program is built and run in
    ag. A point outside an op's domain raises `InputError` naming the node.

    `fd` chooses the finite-difference witness: ``"auto"`` within `fd_budget`
    node evaluations and `fd_seconds` (suspects first), ``"all"`` every node,
    ``"none"`` no finite differences (`symcheck.numeric.finite_diff`). A node
    whose stencil overflows a float or leaves a domain at every step tried
    gets a ``no_fd`` flag, never a disagreement.

    An engine checker's `root_causes` (faulty local steps, found by running
    them) come first among the failures, and a mismatch they explain (at a
    node whose grad the fault flows into) is left out; its `step_flags` join
    the flags, and `nodes_read` is how many nodes it read (default: the
    program's). `progress` hears of each stage's work. The program's
    ``# claim:`` lines are judged by `symcheck.claims.with_claims`, which takes
    this report.
    """
    point = resolve_inputs(program, at)
    values = precision.node_values(program, point)
    engine_values, grads = _engine_witness(program, point, engine_grads, engine_values)
    expected = {n: _finite(float(v)) for n, v in precision.adjoint_values(program, values).items()}
    flags = find_kinks(program, values)
    excused = affected_by(program, [flag.node for flag in flags])
    gaps = [gap for gap in partial_gaps(program, values) if gap.node not in {f.node for f in flags}]
    unvalued = _unvalued(program, gaps, expected, excused)
    tolerance = _Tolerance(rtol, atol, float(values[program.output]))
    subgradient = _subgradient_convention(program, values, flags) if excused else expected

    suspects = [n for n in reversed(program.names) if n in unvalued or (
                not tolerance.engine_ok(grads.get(n), expected[n])
                and not tolerance.engine_ok(grads.get(n), subgradient[n]))]
    evaluator = Evaluator(program)
    taken = take(program, values, suspects, mode=fd, budget=fd_budget, seconds=fd_seconds, evaluator=evaluator,
                 progress=progress)
    fd_values = taken.values
    fd_errors = _retake_disagreeing(program, values, fd_values, expected, tolerance, evaluator,
                                    deadline=time.perf_counter() + fd_seconds if fd == "auto" else math.inf)

    results = []
    for node in program.nodes:
        name = node.name
        value = engine_values.get(name, node.value if node.value is not None else float(values[name]))
        result = NodeResult(name, node.op, node.inputs, value, grads.get(name), expected[name], fd_values.get(name))
        result.grad_fd_error = fd_errors.get(name)
        if not node.is_input:  # each edge's local partial, for the pictures of the graph
            result.local_partials = {n: float(p) for n, p in precision.local_partials(node, values).items()}
        _judge(result, tolerance, excused, subgradient[name], unvalued)
        results.append(result)
    flags += [domain_flag(program, gap, values, grads.get(gap.operand), fd_values.get(gap.operand)) for gap in gaps]
    flagged = {name for flag in flags for name in flag.all_nodes} | {gap.operand for gap in gaps}
    flags += _no_fd_flags(program, {n: why for n, why in evaluator.why_missing.items()
                                    if fd_values.get(n) is None and n not in flagged and expected[n] is not None})
    known = {(f.node, f.kind) for f in flags}
    flags += [f for f in step_flags if (f.node, f.kind) not in known]
    if forms:
        _fill_forms(symbolic or SymbolicGraph(program), results)
    explained = _explained(program, root_causes)
    mismatches = [f for f in _failures(results, tolerance) if f.node not in explained]
    return Report(program, point, results, failures=[*root_causes, *mismatches], flags=flags, rtol=rtol, atol=atol,
                  first_divergence=next((r.name for r in reversed(results) if not r.ok), None),
                  fd_strategy=taken.strategy, target=target,
                  nodes_read=len(program.nodes) if nodes_read is None else nodes_read)



class _Tolerance:
    """The documented agreement tests (see the module docstring)."""

    def __init__(self, rtol: float, atol: float, output_value: float) -> None:
        for name, value in (("rtol", rtol), ("atol", atol)):
            if not 0 <= value < math.inf:  # a negative or NaN tolerance would fail every node
                raise InputError(f"{name} = {value!r} is not a finite number ≥ 0", hint=f"e.g. {name}=1e-6")
        self.rtol, self.atol = rtol, atol
        self.fd_rtol = max(rtol, FD_RTOL)
        self.fd_atol = max(atol, FD_ATOL * max(1.0, abs(output_value)))

    def engine_ok(self, grad: Optional[float], expected: Optional[float]) -> bool:
        return grad is None or expected is None or abs(grad - expected) <= self.atol + self.rtol * abs(expected)

    def fd_ok(self, fd: Optional[float], expected: Optional[float], fd_error: Optional[float] = None) -> bool:
        """The finite difference agrees within the fixed bound widened by its own error estimate."""
        if fd is None or expected is None:
            return True
        return abs(fd - expected) <= self.fd_atol + self.fd_rtol * abs(expected) + (fd_error or 0.0)

    def badness(self, result: NodeResult) -> float:
        """How many tolerances the worst witness is off (sort key for failures)."""
        e = result.grad_expected if result.grad_expected is not None else 0.0
        worst = 0.0
        if result.grad is not None:
            worst = abs(result.grad - e) / (self.atol + self.rtol * abs(e))
        if result.grad_fd is not None:
            bound = self.fd_atol + self.fd_rtol * abs(e) + (result.grad_fd_error or 0.0)
            worst = max(worst, abs(result.grad_fd - e) / bound)
        return worst


def _engine_witness(
    program: Program, point: Mapping[str, float], engine_grads: Optional[Mapping[str, Optional[float]]],
    engine_values: Optional[Mapping[str, float]],
) -> tuple[dict[str, float], dict[str, Optional[float]]]:
    """Node values and grads from ag (or the given ones, with no ag run)."""
    if engine_grads is not None:
        grads = {name: float(g) if g is not None else None for name, g in engine_grads.items()}
        return dict(engine_values or {}), grads
    scalars = build_graph(program, point)
    scalars[program.output].backward()
    return {n: s.data for n, s in scalars.items()}, {n: s.grad for n, s in scalars.items()}


def _finite(value: float) -> Optional[float]:
    return value if math.isfinite(value) else None


def _retake_disagreeing(
    program: Program, values: Mapping[str, Any], fd: dict, expected: Mapping, tolerance: _Tolerance, evaluator: Evaluator,
    *, deadline: float = math.inf,
) -> dict[str, float]:
    """Retake each finite difference outside the fixed bound on a ladder of smaller steps.

    Each step's error is estimated without looking at the other witnesses: its
    rounding error (`Evaluator.rounding_error`) plus its distance to the next
    smaller step's estimate (truncation, or a kink inside the wider stencil).
    The step with the smallest estimate is kept; returns those estimates.
    Nodes are retaken until `deadline` (``time.perf_counter()``) passes.
    """
    again = [n for n, d in fd.items() if not tolerance.fd_ok(d, expected[n])]
    if not again:
        return {}
    steps = [STEP / 100**k for k in range(RETAKE_STEPS + 1)]
    base = evaluator.base(values)
    retaken = []
    for name in again:
        if time.perf_counter() > deadline:
            break
        retaken.append(name)
    again = retaken
    ladders = [fd] + [{n: evaluator.derivative(n, base, h) for n in again} for h in steps[1:]]
    errors: dict[str, float] = {}
    for name in again:
        best: Optional[tuple[float, float]] = None
        for k in range(len(steps) - 1):
            estimate, finer = ladders[k][name], ladders[k + 1][name]
            if estimate is None or finer is None:
                continue
            error = evaluator.rounding_error(name, base, expected, steps[k]) + abs(estimate - finer)
            if best is None or error < best[1]:
                best = (estimate, error)
        if best is not None:
            fd[name], errors[name] = best
    return errors


def _no_fd_flags(program: Program, why_missing: Mapping[str, str]) -> list[Finding]:
    """One ``no_fd`` flag per reason, naming every node whose stencil failed at each step tried."""
    flags = []
    for why, reason in (("overflow", "the function overflows a float within the stencil, at every step tried"),
                        ("domain", "every step tried puts a stencil point outside an op's domain")):
        nodes = tuple(n for n in program.names if why_missing.get(n) == why)
        if nodes:
            message = f"no finite difference here ({reason}); engine and symbolic are compared without it"
            flags.append(Finding(nodes[0], program.node(nodes[0]).op, "no_fd", message, nodes))
    return flags


def _subgradient_convention(program: Program, values: Mapping[str, Any], flags: list[Finding]) -> dict:
    """Adjoints with the engine's convention at relu kinks (partial 0 instead of Heaviside(0) = ½)."""
    relus = {flag.node for flag in flags if flag.op == "relu"}
    adjoints = precision.adjoint_values(program, values, zero_partials=relus)
    return {n: _finite(float(v)) for n, v in adjoints.items()}


def _unvalued(program: Program, gaps: list, expected: Mapping[str, Optional[float]], excused: set[str]) -> set[str]:
    """The nodes with no symbolic adjoint because a local partial on their way to f has no value (and no limit)."""
    behind = {gap.operand for gap in gaps if gap.limit is None}
    behind |= affected_by(program, behind)
    return {name for name in behind if expected[name] is None and name not in excused}


def _judge(
    result: NodeResult, tolerance: _Tolerance, excused: set[str], subgradient: Optional[float], unvalued: set[str]
) -> None:
    """ok unless a witness disagrees; behind a kink only the engine is judged, under either convention;
    with no symbolic witness (a `domain` flag) the engine is judged against the finite difference."""
    e, g, d = result.grad_expected, result.grad, result.grad_fd
    errors = [abs(w - e) for w in (g, d) if w is not None and e is not None]
    result.error = max(errors) if errors else None
    if e is None and result.name in unvalued and g is not None and d is not None:
        result.error = abs(g - d)
        result.ok = tolerance.fd_ok(d, g, result.grad_fd_error)
        return
    if e is None:
        return  # an infinite derivative: flagged, not judged
    if result.name in excused:
        result.ok = tolerance.engine_ok(g, e) or tolerance.engine_ok(g, subgradient)
        return
    result.ok = tolerance.engine_ok(g, e) and tolerance.fd_ok(d, e, result.grad_fd_error)


def _failures(results: list[NodeResult], tolerance: _Tolerance) -> list[Finding]:
    bad = sorted((r for r in results if not r.ok), key=tolerance.badness, reverse=True)
    return [Finding(r.name, r.op, "mismatch", _mismatch_message(r, tolerance)) for r in bad]


def _mismatch_message(r: NodeResult, tolerance: _Tolerance) -> str:
    fd = "not taken" if r.grad_fd is None else f"{r.grad_fd:.10g}"
    if r.grad_fd is not None and r.grad_fd_error:
        fd += f" (± {r.grad_fd_error:.2g})"
    engine = "none" if r.grad is None else f"{r.grad:.10g}"
    numbers = f"engine {engine}, symbolic {r.grad_expected:.10g}, finite difference {fd}"
    if not tolerance.engine_ok(r.grad, r.grad_expected) and tolerance.fd_ok(r.grad_fd, r.grad_expected, r.grad_fd_error):
        who = "the engine's gradient is wrong" + (" (symbolic and finite difference agree)" if r.grad_fd is not None else "")
    elif tolerance.engine_ok(r.grad, r.grad_expected):
        who = "the finite difference disagrees with engine and symbolic (a kink or cancellation near the point?)"
    else:
        who = "all three witnesses disagree"
    return f"∂f/∂{r.name}: {numbers}; {who}"


EXPLAINS_EVERYTHING = frozenset({"no_step", "forward"})
"""Root causes that change every grad: a backward that runs no step, a node whose value is wrong."""


def _explained(program: Program, causes: Iterable[Finding]) -> set[str]:
    """The nodes whose grad a root cause flows into: each node it names and everything upstream of it
    (every node, for `EXPLAINS_EVERYTHING`); a ``stale`` finding explains nothing."""
    explained: set[str] = set()
    for finding in causes:
        if finding.kind in EXPLAINS_EVERYTHING:
            return set(program.names)
        if finding.kind == "stale":
            continue
        named = [name for name in finding.all_nodes if name in program]
        explained.update(named)
        explained |= ancestors(program, named)
    return explained


def _fill_forms(graph: SymbolicGraph, results: list[NodeResult]) -> None:
    program = graph.program
    small = len(program.nodes) <= FORMS_MAX_NODES
    adjoint_sizes = graph.adjoint_sizes() if small else {}
    expanded_sizes = graph.expanded_sizes() if small else {}
    for result in results:
        name = result.name
        result.chain_rule = graph.chain_rule_text(name)
        result.chain_rule_latex = graph.chain_rule_latex(name)
        if not small or adjoint_sizes[name] > FORM_MAX_SIZE:
            continue
        adjoint = graph.adjoint(name)
        result.expressions.update(chain_rule=graph.chain_rule(name), grad_symbolic=adjoint)
        result.grad_symbolic = text(adjoint)
        result.grad_symbolic_latex = latex(adjoint)
        widest = max((expanded_sizes[s.name] for s in adjoint.free_symbols), default=1)
        if widest * adjoint_sizes[name] <= 2 * FORM_MAX_SIZE:  # each symbol becomes its expansion
            expanded = graph.expanded(adjoint)
            result.expressions["grad_expanded"] = expanded
            result.grad_expanded = text(expanded)
            result.grad_expanded_latex = latex(expanded)
