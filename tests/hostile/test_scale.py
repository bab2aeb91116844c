"""Hostile scale: inputs that used to take quadratic time or memory, each bounded in a child process.

A sum of 20,000 inputs (its symbolic derivation was one sympy.diff per input
over all 20,000 terms: 52 s at 2,000 inputs), logsumexp and softmax over 300
inputs (22-44 s), the trace JSON of a node with thousands of consumers (594 MB
for a 90 KB program) and of a 10,000-node program, and a Transformer too wide
for memory. The bounds are generous for a shared 2-core machine; the old
behaviour was far outside them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bounded import GB, python_bounded, symcheck_bounded

pytestmark = pytest.mark.slow


def test_a_sum_of_20000_inputs_checks_in_seconds() -> None:
    code = """
import ag, symcheck
xs = [ag.Scalar(0.1 + 1e-4 * i, f"x{i}") for i in range(20_000)]
report = symcheck.check(ag.sum(xs) * xs[0])
taken = sum(node.grad_fd is not None for node in report.nodes)
print(report.ok, len(report.nodes), taken, report.node("x7").grad_expected, report.node("x0").grad_expected)
"""
    outcome = python_bounded(code, seconds=120, memory=GB)
    assert outcome.returncode == 0, outcome.describe()
    ok, nodes, taken, d_x7, d_x0 = outcome.stdout.split()
    assert ok == "True" and int(nodes) == 20_002  # the inputs, the sum and the product
    assert float(d_x7) == pytest.approx(0.1)  # ∂(x0·Σx)/∂x7 = x0
    assert float(d_x0) == pytest.approx(0.1 + sum(0.1 + 1e-4 * i for i in range(20_000)))
    assert int(taken) >= 100  # finite differences within their budget, not none


@pytest.mark.parametrize("op", ["logsumexp", "softmax"])
def test_logsumexp_and_softmax_over_300_inputs_check_in_seconds(op: str) -> None:
    names = ", ".join(f"x{i}" for i in range(300))
    expression = f"{op}(0, {names}) * x1" if op == "softmax" else f"{op}({names}) * x1"
    at = ",".join(f"x{i}={0.01 * i:g}" for i in range(300))
    outcome = symcheck_bounded("check", expression, "--at", at, "--json", seconds=120, memory=GB)
    assert outcome.returncode == 0, outcome.describe()
    data = json.loads(outcome.stdout)
    assert data["ok"] and len(data["nodes"]) == 302


def hub_program(path: Path, nodes: int) -> Path:
    """x feeds every one of `nodes` nodes: its partial sum grows at every step of the trace."""
    lines = ["x = 0.3", "a0 = sin(x)"] + [f"a{i} = sin(a{i - 1}) * x" if i % 2 else f"a{i} = a{i - 1} + x"
                                            for i in range(1, nodes)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_trace_json_of_a_node_with_5000_consumers_stays_linear(tmp_path: Path) -> None:
    program = hub_program(tmp_path / "hub.sc", 5_000)  # 100 KB
    outcome = symcheck_bounded("trace", str(program), "--json", seconds=180, memory=GB)
    assert outcome.returncode == 0, outcome.describe()
    assert len(outcome.stdout) < 30_000_000, len(outcome.stdout)  # 452 MB and 2.7 GB of memory before
    data = json.loads(outcome.stdout)
    assert len(data["consumers"]["x"]) == 5_000 == len(data["terms"]["x"])  # one term from each consumer


def test_trace_json_of_a_10000_node_program(tmp_path: Path) -> None:
    lines = ["x = 0.3", "y = 0.7", "a0 = x*y"] + [f"a{i} = sin(a{i - 1}) * y + x" for i in range(1, 3334)]
    program = tmp_path / "chain.sc"
    program.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = symcheck_bounded("trace", str(program), "--json", seconds=180, memory=GB)
    assert outcome.returncode == 0, outcome.describe()
    data = json.loads(outcome.stdout)
    assert len(data["nodes"]) == 10_002 and len(data["steps"]) == 10_002
    assert len(outcome.stdout) < 30_000_000, len(outcome.stdout)  # 14 MB (406 MB before)


def test_a_transformer_too_wide_for_memory_is_refused_at_once() -> None:
    outcome = symcheck_bounded("run", "transformer", "--n-embd", "4096", seconds=60, memory=2 * GB)
    assert outcome.returncode == 2, outcome.describe()
    line = outcome.stderr.strip()
    assert "\n" not in line and "needing about" in line, outcome.describe()
    assert "the limit is the process's memory limit (ulimit -v) of 2.1 GB" in line, outcome.describe()
    assert outcome.seconds < 30 and outcome.peak_bytes < 300 * 2**20, outcome.describe()


def test_60_softmax_components_over_300_inputs_check_and_trace_within_the_bound(tmp_path: Path) -> None:
    names = ", ".join(f"x{i}" for i in range(300))
    lines = [f"x{i} = {0.01 * i:.2f}" for i in range(300)] + [f"s{j} = softmax({j}, {names})" for j in range(60)]
    lines.append("f = sum(" + ", ".join(f"s{j}*x{j}" for j in range(60)) + ")")
    program = tmp_path / "attention.sc"
    program.write_text("\n".join(lines) + "\n", encoding="utf-8")  # 106 KB
    checked = symcheck_bounded("check", str(program), "--json", seconds=180, memory=GB)
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"], checked.describe()
    traced = symcheck_bounded("trace", str(program), "--json", seconds=240, memory=GB)
    assert traced.returncode == 0, traced.describe()
    assert len(traced.stdout) < 30_000_000, len(traced.stdout)  # 243 MB before wide softmax printed short
