"""One finding per bug: the same fault at many nodes is reported once, per op and kind, listing its nodes.

A ``+`` whose step overwrites instead of adding is one ``accumulation`` finding
for ``+`` naming all 42 nodes where it bites, not 42 lines; a wrong tanh is one
``local`` finding for tanh. The finding keeps the first node's message (its
numbers are an example) and lists every node in `Finding.nodes`.
"""

from __future__ import annotations

from typing import Iterable

from symcheck.report import Finding

GROUPED_KINDS = frozenset({"local", "missing", "accumulation", "crashed", "forward"})
"""Kinds that are a property of an op's code, so one bug shows at every node of that op."""


def group_findings(findings: Iterable[Finding]) -> list[Finding]:
    """`findings` with every (kind, op) of `GROUPED_KINDS` merged into its first finding, order kept."""
    merged: list[Finding] = []
    where: dict[tuple[str, str], int] = {}
    for finding in findings:
        key = (finding.kind, finding.op)
        if finding.kind not in GROUPED_KINDS or key not in where:
            if finding.kind in GROUPED_KINDS:
                where[key] = len(merged)
            merged.append(finding)
            continue
        k = where[key]
        first = merged[k]
        nodes = tuple(dict.fromkeys(first.all_nodes + finding.all_nodes))
        merged[k] = Finding(first.node, first.op, first.kind, first.message, nodes)
    return merged
