"""Reports, traces and verdicts as strict JSON (the contract in DESIGN.md).

Numbers that JSON cannot hold are encoded as strings: NaN → ``"nan"``,
+∞ → ``"inf"``, −∞ → ``"-inf"``; a missing number is ``null``. So
``json.dumps(obj, allow_nan=False)`` always succeeds on what these functions
return. `SCHEMA_VERSION` changes only when a field is removed or changes
meaning (adding keys does not bump it).

A trace's JSON grows linearly with the graph: what a step would repeat is
written once for the whole trace and referenced. Each node's consumers
(`consumers`, backward order) and its contributions (`terms`, arrival order)
appear once; a step gives, per recorded node, how many terms had `arrived`
and how many consumers are still `pending` (the last ones of its consumers),
and a `symbolic_before` sum of more than `SUM_TERMS_SHOWN` terms is shortened
to its first and last terms (``a + b + … + y + z``). Version 2: `pending` is
that count; version 1 listed the pending consumers in every step, so a node
with n consumers cost n² names.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Finding, NodeResult, Report, Step, Trace, Verdict

SCHEMA_VERSION = 2

SUM_TERMS_SHOWN = 8
"""A step's partial sum of more terms than this is shortened in the JSON (the trace's `terms` hold it all)."""

JSONNumber = Union[float, str, None]


def encode_number(value: Optional[float]) -> JSONNumber:
    """`value` as strict JSON: a float, None, or "nan"/"inf"/"-inf" for non-finite numbers."""
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _operand(operand: Union[str, float]) -> Union[str, JSONNumber]:
    return operand if isinstance(operand, str) else encode_number(operand)


def _finding(finding: Finding) -> dict[str, Any]:
    return finding.to_dict()


def _node(result: NodeResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "op": result.op,
        "inputs": [_operand(operand) for operand in result.inputs],
        "value": encode_number(result.value),
        "grad": encode_number(result.grad),
        "grad_symbolic": result.grad_symbolic,
        "grad_expanded": result.grad_expanded,
        "grad_expected": encode_number(result.grad_expected),
        "grad_fd": encode_number(result.grad_fd),
        "grad_fd_error": encode_number(result.grad_fd_error),
        "chain_rule": result.chain_rule,
        "error": encode_number(result.error),
        "ok": result.ok,
    }


def verdict_to_json(verdict: Verdict) -> dict[str, Any]:
    """``{schema_version, claim, holds, method, lhs: {symbolic, value}, rhs: {...}, message}``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "claim": verdict.claim,
        "holds": verdict.holds,
        "method": verdict.method,
        "lhs": {"symbolic": verdict.lhs_symbolic, "value": encode_number(verdict.lhs_value)},
        "rhs": {"symbolic": verdict.rhs_symbolic, "value": encode_number(verdict.rhs_value)},
        "message": verdict.message,
    }


def report_to_json(report: Report) -> dict[str, Any]:
    """The ``check`` object: output, inputs, nodes (program order), nodes_read, ok, failures, flags, claims."""
    return {
        "schema_version": SCHEMA_VERSION,
        "output": report.output,
        "inputs": {name: encode_number(value) for name, value in report.inputs.items()},
        "nodes": [_node(result) for result in report.nodes],
        "nodes_read": report.nodes_read,
        "ok": report.ok,
        "failures": [_finding(f) for f in report.failures],
        "flags": [_finding(f) for f in report.flags],
        "claims": [verdict_to_json(v) for v in report.claims],
        "first_divergence": report.first_divergence,
        "rtol": report.rtol,
        "atol": report.atol,
    }


def _step(step: Step) -> dict[str, Any]:
    return {
        "node": step.node,
        "op": step.op,
        "grads_before": {name: encode_number(v) for name, v in step.grads_before.items()},
        "symbolic_before": _sums(step.symbolic_before),
        "arrived": dict(getattr(step.symbolic_before, "counts", {})),
        "expected_before": {name: encode_number(v) for name, v in step.expected_before.items()},
        "pending": _pending(step.pending),
        "adds": [
            {"target": c.target, "term": c.term, "value": encode_number(c.value),
             "upstream": encode_number(c.upstream), "local": encode_number(c.local), "local_term": c.local_term}
            for c in step.adds
        ],
        "ok": step.ok,
        "kink_excused": list(step.kink_excused),
        "number": step.number,
    }


def _sums(sums: Mapping[str, str]) -> dict[str, str]:
    """Each partial sum, shortened past `SUM_TERMS_SHOWN` terms when the step counts into shared terms."""
    shortened = getattr(sums, "shortened", None)  # a PartialSums (report types are not imported at run time)
    if shortened is None:
        return dict(sums)
    return {name: shortened(name, SUM_TERMS_SHOWN) for name in sums}


def _pending(pending: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """How many consumers each node still waits for (a PendingConsumers holds just that count)."""
    counts = getattr(pending, "counts", None)
    return dict(counts) if counts is not None else {name: len(users) for name, users in pending.items()}


def trace_to_json(trace: Trace) -> dict[str, Any]:
    """The ``check`` object plus ``steps`` in backward order, each the state before that step, and what the
    steps refer to: every node's ``consumers`` (backward order) and ``terms`` (arrival order)."""
    data = report_to_json(trace.report)
    data["ok"] = trace.ok
    data["step_count"] = trace.step_count
    data["consumers"] = {name: list(users) for name, users in trace.consumers.items() if users}
    data["terms"] = {name: list(terms) for name, terms in trace.terms.items() if terms}
    data["steps"] = [_step(step) for step in trace.steps]
    return data


def dumps(data: Any) -> str:
    """Strict JSON text (indent 2); raises ValueError if a non-finite float slipped through."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
