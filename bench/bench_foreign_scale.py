"""Checking other people's engines at scale: the full three-witness check and the node-by-node check.

    python bench/bench_foreign_scale.py                  # the table below, about two minutes
    python bench/bench_foreign_scale.py --sizes 7500,15000,30000 --json

For each graph, built by a foreign engine (not ag), it measures:

- **engine**: the engine's own forward (building the graph) + backward, best of `--repeats`;
- **check**: ``symcheck.check(out)`` — reading the graph, every local step alone, the
  engine's backward watched, sympy's adjoints at 30 digits, finite differences within
  their budget (``fd="auto"``) — once, as a user runs it;
- **local**: ``check_local_steps(out)`` — reading the graph and every local step alone
  (what a test suite would run on every commit), warm, best of `--repeats`;
- the ratios check / engine and local / engine.

Times are wall-clock (``time.perf_counter``) and process CPU (``time.process_time``): on a
shared machine the CPU time is the steadier of the two; both are printed.

Graphs: micrograd 0.1.0's own ReLU MLP (``micrograd``, parents in sets, closures) at several
batch sizes, microgpt's stored local gradients (``stored``, ops inferred from values) on the
same MLP math, and a 150,000-node chain of micrograd-style nodes (``chain``; micrograd's own
recursive backward cannot go that deep) whose peak memory is measured in a fresh process. Targets (issue 9): the full check of a 30,000-node foreign graph
within 10 s on 2 cores, growing linearly; the 150,000-node chain checked without running out
of memory; the node-by-node check within 3× the engine's own forward + backward.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

import symcheck  # noqa: E402
from symcheck.engines.local_check import check_local_steps  # noqa: E402


def mlp_loss(V: Callable[[float], Any], nodes: int) -> Any:
    """A 4 → 16×4 → 1 tanh-free ReLU MLP, mean squared error over a batch sized to give about `nodes` nodes."""
    rng = random.Random(0)
    sizes = [4, 16, 16, 16, 16, 1]
    weights = [[[V(rng.uniform(-1, 1)) for _ in range(n_in + 1)] for _ in range(n_out)]
               for n_in, n_out in zip(sizes, sizes[1:])]
    per_sample = 1830  # nodes one sample adds (measured on this MLP)
    losses = []
    for _ in range(max(1, round(nodes / per_sample))):
        xs = [V(rng.uniform(-1, 1)) for _ in range(4)]
        for k, layer in enumerate(weights):
            last = k == len(weights) - 1
            xs = [_neuron(row, xs, last) for row in layer]
        diff = xs[0] + V(-rng.uniform(-1, 1))
        losses.append(diff * diff)
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    return total * V(1 / len(losses))


def _neuron(row: list, xs: list, linear: bool) -> Any:
    act = row[-1]
    for w, x in zip(row, xs):
        act = act + w * x
    return act if linear else act.relu()


def micrograd_mlp(nodes: int) -> Any:
    """micrograd 0.1.0's own MLP (4 → 16×4 → 1, ReLU), mean squared error over a batch of about `nodes` nodes."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(0)  # micrograd draws its weights from the global generator
    model = MLP(4, [16] * 4 + [1])
    rng = random.Random(0)
    losses = []
    for _ in range(max(1, round(nodes / 1950))):  # one sample adds about 1,950 nodes
        y = model([Value(rng.uniform(-1, 1)) for _ in range(4)])
        losses.append((y - rng.uniform(-1, 1)) ** 2)
    return sum(losses) * (1 / len(losses))


def stored_mlp(nodes: int) -> Any:
    """The same MLP math on microgpt-style stored local gradients (no op names: each op inferred from values)."""
    from engine_styles import stored_engine

    return mlp_loss(stored_engine(), nodes)


ENGINES = {"micrograd": micrograd_mlp, "stored": stored_mlp}


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def best(repeats: int, run: Callable[[], Any]) -> tuple[float, float, Any]:
    results = [timed(run) for _ in range(repeats)]
    return min(r[0] for r in results), min(r[1] for r in results), results[-1][2]


def measure(engine: str, nodes: int, repeats: int) -> dict[str, Any]:
    build = ENGINES[engine]
    runs = []
    for _ in range(repeats):  # a fresh graph each time: a second backward() would leave stale grads
        gc.collect()
        forward = timed(lambda: build(nodes))
        out = forward[2]
        backward = timed(out.backward)
        runs.append((forward[0], forward[1], backward[0], backward[1]))
    fwd_wall, fwd_cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    bwd_wall, bwd_cpu = min(r[2] for r in runs), min(r[3] for r in runs)
    gc.collect()
    check_wall, check_cpu, report = timed(lambda: symcheck.check(out, progress=False))
    local_wall, local_cpu, local = best(repeats, lambda: check_local_steps(out))
    engine_wall, engine_cpu = fwd_wall + bwd_wall, fwd_cpu + bwd_cpu
    return {
        "engine": engine, "nodes": report.nodes_read, "ok": report.ok,
        "fd_nodes": sum(r.grad_fd is not None for r in report.nodes), "local_steps": local.nodes_checked,
        "engine_s": round(engine_wall, 3), "engine_cpu_s": round(engine_cpu, 3),
        "check_s": round(check_wall, 3), "check_cpu_s": round(check_cpu, 3),
        "local_s": round(local_wall, 3), "local_cpu_s": round(local_cpu, 3),
        "check_ratio_cpu": round(check_cpu / engine_cpu, 1), "local_ratio_cpu": round(local_cpu / engine_cpu, 2),
    }


CHAIN = """
import resource, sys, time
sys.path.insert(0, {root!r})
sys.path.insert(1, {tests!r})
from engine_styles import closure_engine
import symcheck
Value = closure_engine()  # micrograd's own Value has a recursive backward: 37,500 steps deep is past its limit
x = Value(0.5)
y = x
for _ in range({steps}):
    y = y * 1.00001 + 0.00001
start = time.perf_counter()
report = symcheck.check(y, progress=False)
print(report.nodes_read, report.ok, time.perf_counter() - start,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def chain(nodes: int) -> dict[str, Any]:
    """The chain y = y·1.00001 + 0.00001, about `nodes` nodes, checked in a fresh process (peak memory)."""
    steps = nodes // 4  # each step adds a *, a +, and their two constant leaves
    done = subprocess.run([sys.executable, "-c", CHAIN.format(root=str(ROOT), tests=str(ROOT / "tests"), steps=steps)],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode:
        return {"engine": "micrograd-style chain", "error": done.stderr.strip().splitlines()[-1]}
    read, ok, seconds, peak = done.stdout.split()
    return {"engine": "micrograd-style chain", "nodes": int(read), "ok": ok == "True",
            "check_s": round(float(seconds), 1), "peak_mib": round(float(peak))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="7500,15000,30000,60000", help="graph sizes (nodes), comma-separated")
    parser.add_argument("--engines", default="micrograd,stored")
    parser.add_argument("--chain", type=int, default=150_000, help="nodes of the chain (0: skip it)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = [measure(engine, int(size), args.repeats) for engine in args.engines.split(",")
            for size in args.sizes.split(",")]
    big = chain(args.chain) if args.chain else None
    load = open("/proc/loadavg").read().split()[0] if Path("/proc/loadavg").exists() else "?"
    if args.json:
        print(json.dumps({"rows": rows, "chain": big, "load": load}, indent=2))
        return 0
    print(f"{'engine':10} {'nodes':>7} {'engine s':>9} {'check s':>8} {'check ×':>8} {'local s':>8} {'local ×':>8} "
          f"{'FD nodes':>8}   (CPU seconds; wall-clock in brackets)")
    for r in rows:
        print(f"{r['engine']:10} {r['nodes']:>7} {r['engine_cpu_s']:>9.3f} {r['check_cpu_s']:>8.2f} "
              f"{r['check_ratio_cpu']:>8.1f} {r['local_cpu_s']:>8.2f} {r['local_ratio_cpu']:>8.2f} {r['fd_nodes']:>8}"
              f"   [{r['engine_s']:.3f} / {r['check_s']:.2f} / {r['local_s']:.2f}]{'' if r['ok'] else '  NOT OK'}")
    if big:
        print(f"chain: {big}")
    print(f"load average (1 min) at the end: {load}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
