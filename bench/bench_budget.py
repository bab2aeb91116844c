"""Benchmark: what the claims' time budget costs, and what it bounds.

    python3 bench/bench_budget.py

A claim's sympy work runs in a forked worker process so that its budget holds
in any thread and against C code (`symcheck.symbolic.budget.run_bounded`).
This measures, each as the median of several runs in one warm process:

- the fork itself: `run_bounded` of a function that returns at once, against
  calling it;
- fast claims on the homework's graph, judged through the worker (the
  default) against the same work done in-process;
- the 2-2-1 tanh-MLP claim from the issue (`docs/examples/mlp.sc`);
- grading the homework's two example answer files;
- how long a claim that can never finish takes to come back undecided, with a
  2 s budget, in the main thread and in another thread.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import symcheck  # noqa: E402
from symcheck.api import to_program  # noqa: E402
from symcheck.claims import judge_claim  # noqa: E402
from symcheck.claims import judge as judge_module  # noqa: E402
from symcheck.parse import parse_expression, parse_program  # noqa: E402
from symcheck.parse.claim import parse_claim  # noqa: E402
from symcheck.parse.point import resolve_inputs  # noqa: E402
from symcheck.symbolic.budget import run_bounded  # noqa: E402


def median_seconds(work: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(program: Any, text: str) -> Any:
    """The same work as judge_claim, without the worker (the budget then holds only in the main thread)."""
    equation = parse_claim(text, program)
    return judge_module._judge(program, equation, resolve_inputs(program, None), None, "")


def row(what: str, seconds: float) -> None:
    print(f"| {what} | {seconds * 1000:.1f} ms |" if seconds < 1 else f"| {what} | {seconds:.2f} s |")


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) at start: {load:.2f}\n")
    print("| what | median |\n| --- | --- |")
    row("`run_bounded(lambda: None)`: fork, pickle back, wait (50 runs)", median_seconds(
        lambda: run_bounded(lambda: None, 5.0), 50))
    backprop = to_program("backprop")
    for text in ("grad(z3, before=z4) == z7", "∂z8/∂z3 == z7", "D(f, z3) == ∂f/∂z8·∂z8/∂z3"):
        row(f"`{text}` through the worker (20 runs)", median_seconds(lambda: judge_claim(backprop, text), 20))
        row(f"`{text}` in-process (20 runs)", median_seconds(lambda: in_process(backprop, text), 20))
    mlp = parse_program((ROOT / "docs" / "examples" / "mlp.sc").read_text(encoding="utf-8"))
    row("tanh-MLP `D(f, w11) == err*v1*(1 - h1**2)*x1` (3 runs)",
        median_seconds(lambda: judge_claim(mlp, "D(f, w11) == err*v1*(1 - h1**2)*x1"), 3))
    for name in ("hw4-answers.tex", "slips.tex"):
        row(f"`symcheck.grade` of docs/examples/{name} (3 runs)", median_seconds(
            lambda: symcheck.grade(str(ROOT / "docs" / "examples" / name), "backprop"), 3))
    never = parse_expression("x")
    hard = "f == exp(exp(exp(exp(100))))"
    row("a claim that never finishes, budget 2 s, main thread",
        median_seconds(lambda: judge_claim(never, hard, seconds=2.0), 1))
    row("the same in another thread", median_seconds(lambda: _in_thread(lambda: judge_claim(never, hard, seconds=2.0)),
                                                     1))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average (1 min) at the end: {load:.2f}")


def _in_thread(work: Callable[[], Any]) -> None:
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


if __name__ == "__main__":
    main()
