"""The plain-text failure table of `symcheck.testing` (and the pytest plugin's ``gradcheck``).

One row per failing node (and per node a root cause names): the node, its op,
the engine / symbolic / finite-difference ∂f/∂node, the error and the finding;
then each root cause in words and the reproducer line. Plain text, because it
is an assertion's message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Finding, NodeResult, Report

MAX_ROWS = 20
"""Failing nodes listed before the rest are counted."""


def failure_message(report: "Report", *, reproduce: Optional[str] = None) -> str:
    """The table of failing nodes, the findings in words and the `reproduce` line (when given)."""
    count = len(report.failures) + sum(not v.holds for v in report.claims)
    where = f" in {report.target}" if report.target else ""
    lines = [f"symcheck: {count} gradient failure(s){where} (rtol={report.rtol:g}, atol={report.atol:g})", ""]
    lines += failure_table(report)
    lines.append("")
    lines += [f"{f.kind}: {_sentence(f)}{_also(f)}" for f in report.failures]
    lines += [f"claim: {v.claim}: {v.message}" for v in report.claims if not v.holds]
    lines += [f"{f.kind} (not a failure): {_sentence(f)}" for f in report.flags]
    if reproduce:
        lines += ["", f"reproduce: {reproduce}"]
    return "\n".join(lines)


def failure_table(report: "Report") -> list[str]:
    """One row per failing node (and per node a root cause names): the three witnesses and the error."""
    causes: dict[str, "Finding"] = {}
    for finding in report.failures:
        for node in finding.all_nodes:
            causes.setdefault(node, finding)
    rows = [r for r in reversed(report.nodes) if not r.ok or r.name in causes]
    header = ["node", "op", "engine", "symbolic", "finite diff", "error", "finding"]
    body = [_row(report, r, causes.get(r.name)) for r in rows[:MAX_ROWS]]
    widths = [max(len(row[k]) for row in [header, *body]) for k in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *body]]
    if len(rows) > MAX_ROWS:
        lines.append(f"... and {len(rows) - MAX_ROWS} more node(s)")
    return lines


def _row(report: "Report", result: "NodeResult", cause: "Optional[Finding]") -> list[str]:
    node = report.program.node(result.name) if result.name in report.program else None
    op = (node.engine_op or node.op) if node is not None else result.op
    if cause is not None:
        finding = cause.kind + (" (its step)" if result.ok else "")
    else:
        finding = "wrong grad" if not result.ok else ""
    return [result.name, op, _number(result.grad), _number(result.grad_expected), _number(result.grad_fd),
            _number(result.error, ".2e"), finding]


def _number(value: Optional[float], spec: str = ".8g") -> str:
    return "—" if value is None else format(value, spec)


def _also(finding: "Finding") -> str:
    """`` (the same at z7, z12 and 3 more)`` for a finding that covers several nodes."""
    others = finding.all_nodes[1:]
    if not others:
        return ""
    named = ", ".join(others[:MAX_NAMED_ALSO]) + (f" and {len(others) - MAX_NAMED_ALSO} more"
                                                  if len(others) > MAX_NAMED_ALSO else "")
    return f" (the same at {named})"


MAX_NAMED_ALSO = 8
"""Other nodes of a grouped finding named in its sentence."""


def _sentence(finding: "Finding") -> str:
    prefix = f"node {finding.node}"
    return finding.message if finding.message.startswith(prefix) else f"{prefix} ({finding.op}): {finding.message}"
