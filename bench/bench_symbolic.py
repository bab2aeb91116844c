"""Benchmark: the three-witness check on programs of growing size, and start-up.

    python3 bench/bench_symbolic.py            # 50 … 4000 nodes + start-up
    python3 bench/bench_symbolic.py 50 200     # chosen sizes

Start-up is timed like hyperfine does: ten fresh ``python -m symcheck check
'x*y'`` processes, median wall time.

Programs are random but deterministic (seeded): inputs first, then a mix of
unary, binary and n-ary ops whose operands come from the last 12 nodes (so
the graph is deep, the worst case for finite differences), and an output that
sums the last nodes so nearly every node reaches it.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symcheck.ir import INPUT, Node, Program  # noqa: E402

UNARY = ("sin", "cos", "tanh", "sigmoid", "neg", "exp", "relu", "abs")
BINARY = ("add", "sub", "mul", "mul")
NARY = ("sum", "mean", "dot", "logsumexp", "softmax")


def make_program(size: int, seed: int = 0) -> Program:
    """A deterministic random program of `size` nodes (bounded values, deep dependencies)."""
    rng = random.Random(seed)
    inputs = max(2, size // 20)
    nodes = [Node(f"x{i + 1}", INPUT, (), rng.uniform(0.3, 1.2)) for i in range(inputs)]
    while len(nodes) < size - 1:
        recent = [n.name for n in nodes[-12:]]
        name = f"z{len(nodes) - inputs + 1}"
        kind = rng.random()
        if kind < 0.45:
            op = rng.choice(UNARY)
            operand = rng.choice(recent)
            if op == "exp":  # keep values bounded: exp of a squashed value only
                op = "tanh"
            nodes.append(Node(name, op, (operand,)))
        elif kind < 0.85:
            nodes.append(Node(name, rng.choice(BINARY), (rng.choice(recent), rng.choice(recent + [0.5]))))
        else:
            op = rng.choice(NARY)
            count = rng.randint(2, 4)
            operands = tuple(rng.sample(recent, min(count, len(recent))))
            if op == "dot":
                operands = operands[:2] + tuple(rng.sample(recent, 2))
            index = rng.randrange(len(operands)) if op == "softmax" else None
            nodes.append(Node(name, op, operands, index=index))
    # squash so sums of many nodes stay order 1
    nodes.append(Node("f", "mean", tuple(n.name for n in nodes[-8:])))
    return Program(tuple(nodes), "f")


def time_check(size: int, repeats: int = 1) -> tuple[float, str]:
    from symcheck.compare import check_program

    program = make_program(size)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        report = check_program(program)
        best = min(best, time.perf_counter() - start)
    fd = sum(1 for r in report.nodes if r.grad_fd is not None)
    return best, f"ok={report.ok} failures={len(report.failures)} fd on {fd}/{size}"


def time_symbolic_only(size: int, cold: bool = False) -> float:
    """Symbolic witness alone: values + adjoints at 30 digits, node by node.

    `cold` first forgets every derived op kind, so sympy.diff and lambdify run again.
    """
    from symcheck.parse.point import resolve_inputs
    from symcheck.symbolic import opkind, values as precision

    program = make_program(size)
    if cold:
        opkind._KINDS.clear()
    start = time.perf_counter()
    values = precision.node_values(program, resolve_inputs(program))
    precision.adjoint_values(program, values)
    return time.perf_counter() - start


def time_startup(runs: int = 10) -> tuple[list[float], str]:
    """Wall time of `runs` fresh processes checking x*y (hyperfine-style: report the median)."""
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "symcheck", "check", "x*y"]
    times, codes = [], set()
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        codes.add(done.returncode)
    return times, f"{' '.join(command[1:])}; exit codes {sorted(codes)}"


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [50, 200, 500, 1000, 2000, 4000]
    time_check(20)  # warm the op-kind cache the way a long session would have it warm
    print(f"{'nodes':>6} {'check (s)':>10} {'per node (ms)':>14} {'symbolic warm (s)':>18} {'symbolic cold (s)':>18}  details")
    for size in sizes:
        seconds, details = time_check(size)
        cold = time_symbolic_only(size, cold=True)
        warm = time_symbolic_only(size)
        print(f"{size:>6} {seconds:>10.3f} {1000 * seconds / size:>14.3f} {warm:>18.3f} {cold:>18.3f}  {details}")
    times, what = time_startup()
    print(f"start-up + small expression, {len(times)} runs: median {statistics.median(times):.3f} s wall, "
          f"min {min(times):.3f}, max {max(times):.3f} ({what})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
