"""How much the node-by-node check costs next to ag's own forward + backward, on ~100,000 nodes.

    python3 bench/bench_check_scale.py                 # a GPT on ag.Scalar, ~100k nodes
    python3 bench/bench_check_scale.py --graph mlp     # a deep tanh MLP, ~100k nodes
    python3 bench/bench_check_scale.py --graph micrograd  # a ReLU MLP on PyPI's micrograd, ~100k nodes
    python3 bench/bench_check_scale.py --json

For each graph: the forward (building it) and ag's backward, timed best of
`--repeats`; then `symcheck.local_check.check_local_steps` twice: the first
("cold") includes deriving each op kind's local partials with sympy and
compiling them, once per process; the second ("warm") is the per-node cost
alone. The target: check ≤ 10 × (forward + backward) of the engine that built
the graph (ag, or micrograd for the ``micrograd`` row: a foreign engine, read
through its ``_prev`` sets and ``_op`` names).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ag  # noqa: E402
import ag.nn  # noqa: E402
from symcheck.engines.graph import capture_engine  # noqa: E402
from symcheck.symbolic import opkind  # noqa: E402
from symcheck.engines.local_check import check_local_steps  # noqa: E402


def gpt_graph() -> ag.Scalar:
    """An 11-layer GPT (d = 16, 4 heads, 16 tokens) on scalars: about 100,000 nodes."""
    config = ag.nn.GPTConfig(vocab_size=27, block_size=16, n_layer=11, n_embd=16, n_head=4)
    model = ag.nn.GPT(config, seed=0)
    tokens = [(7 * t) % 27 for t in range(16)]
    return model.loss(tokens, tokens[1:] + [0])


def mlp_graph() -> ag.Scalar:
    """A 12-layer tanh MLP of width 32 on a batch of 110 inputs, mean squared error: about 100,000 nodes."""
    model = ag.nn.MLP([4] + [32] * 12 + [1], activation="tanh", seed=0)
    rng = random.Random(0)
    losses = []
    for _ in range(110):
        xs = [ag.Scalar(rng.uniform(-1, 1)) for _ in range(4)]
        (y,) = model(xs)
        losses.append((y - rng.uniform(-1, 1)) ** 2)
    return ag.mean(losses)


def micrograd_graph() -> object:
    """micrograd 0.1.0's own ReLU MLP (4 → 32×6 → 1) on a batch of 9, mean squared error: about 100,000 nodes."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(0)  # micrograd draws its weights from the global generator
    model = MLP(4, [32] * 6 + [1])
    rng = random.Random(0)
    losses = []
    for _ in range(9):
        y = model([Value(rng.uniform(-1, 1)) for _ in range(4)])
        losses.append((y - rng.uniform(-1, 1)) ** 2)
    return sum(losses) * (1 / len(losses))


GRAPHS: dict[str, Callable[[], object]] = {"gpt": gpt_graph, "mlp": mlp_graph, "micrograd": micrograd_graph}


def best_of(repeats: int, run: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(name: str, repeats: int) -> dict[str, float]:
    build = GRAPHS[name]
    forward, output = best_of(repeats, build)
    backward, _ = best_of(repeats, output.backward)  # type: ignore[union-attr]
    nodes = len(capture_engine(output))
    opkind.clear_cache()  # a fresh process: every op kind is derived and compiled again
    start = time.perf_counter()
    result = check_local_steps(output)
    cold = time.perf_counter() - start
    warm, result = best_of(repeats, lambda: check_local_steps(output))
    engine = forward + backward
    return {
        "graph": name,
        "nodes": nodes,
        "local_steps_checked": result.nodes_checked,  # type: ignore[union-attr]
        "op_kinds": opkind.cache_size(),
        "failures": len(result.failures),  # type: ignore[union-attr]
        "worst_relative_error": result.worst_relative_error,  # type: ignore[union-attr]
        "forward_s": round(forward, 4),
        "backward_s": round(backward, 4),
        "check_cold_s": round(cold, 4),
        "check_warm_s": round(warm, 4),
        "ratio_cold": round(cold / engine, 2),
        "ratio_warm": round(warm / engine, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", choices=[*GRAPHS, "all"], default="all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = list(GRAPHS) if args.graph == "all" else [args.graph]
    rows = [measure(name, args.repeats) for name in names]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'graph':9} {'nodes':>7} {'kinds':>5} {'fwd s':>7} {'bwd s':>7} {'check cold s':>12} "
          f"{'check warm s':>12} {'cold ×':>7} {'warm ×':>7} {'worst rel err':>13}")
    for r in rows:
        print(f"{r['graph']:9} {r['nodes']:>7} {r['op_kinds']:>5} {r['forward_s']:>7.3f} {r['backward_s']:>7.3f} "
              f"{r['check_cold_s']:>12.3f} {r['check_warm_s']:>12.3f} {r['ratio_cold']:>7.2f} "
              f"{r['ratio_warm']:>7.2f} {r['worst_relative_error']:>13.2e}")
    print("ratio = check time / (the engine's own forward + backward); target ≤ 3")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
