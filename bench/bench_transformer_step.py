"""One training step of the default `problems.transformer`: ag against micrograd 0.1.0.

Run from the repository root:

    python bench/bench_transformer_step.py              # about 2 minutes on 2 cores
    python bench/bench_transformer_step.py --repeat 3   # fewer repetitions

The step is the homework's default network (1 layer, n_embd 8, 2 heads, MLP
width 16, RMSNorm, causal softmax attention) on a batch of 8 reversed 3-digit
strings, cross-entropy on the answer tokens only; forward and backward,
parameter grads zeroed first (Adam's update is not part of it: micrograd has
no optimizer).

Engines:
  ag                      `problems.transformer.answer_loss` on the fused model
                          (`symcheck run transformer --fused`): `ag.nn.GPT` with its
                          fused dot / softmax nodes;
  ag, the scalar model    the same loss on `problems.transformer.Transformer`, the
                          model written with plain scalar operations (the default
                          of `symcheck run transformer`);
  micrograd 0.1.0         the same math written with plain operators (microgpt's
                          style: workloads.plain_gpt_logits), on micrograd's
                          `Value` (bench/micrograd_engine.py adds exp and log);
  ag, plain operators     that plain-operator code on `ag.Scalar`: the graph
                          micrograd builds, so engine against engine on equal work.

Before timing, every engine's loss and parameter gradients must match ag's
(|a − b| ≤ 1e-9·max(|a|, |b|) + 1e-15; the script exits 1 otherwise), so the
comparison is of the same computation. Timing is interleaved (every repetition
runs every engine once, each from a collected heap, garbage collector on) and
medians are reported.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # bench/ for its modules, the root for ag and problems

import ag  # noqa: E402
import workloads as W  # noqa: E402
from micrograd_engine import Value as MicrogradValue  # noqa: E402
from problems import transformer  # noqa: E402
from problems.tasks import Example, make_dataset  # noqa: E402

RTOL, ATOL = 1e-9, 1e-15


def plain_answer_loss(state: dict[str, list[list[Any]]], config: Any, batch: Sequence[Example]) -> Any:
    """`transformer.answer_loss` with plain operators only (+ − × ÷ ** exp log relu), any value class."""
    terms = []
    for example in batch:
        keys, values = [[] for _ in range(config.n_layer)], [[] for _ in range(config.n_layer)]
        for pos_id, token_id in enumerate(example.inputs):
            logits = W.plain_gpt_logits(state, config, token_id, pos_id, keys, values)
            if pos_id in example.answer_positions:
                terms.append(-W.plain_softmax(logits)[example.targets[pos_id]].log())
    return (1 / len(terms)) * sum(terms)


def median_seconds(steps: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Interleaved timing: each repetition runs every step once, in rotating order, from a collected heap."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            gc.collect()
            started = time.perf_counter()
            steps[name]()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per engine (default 5)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    settings = transformer.Settings()
    data = make_dataset(settings.task, length=settings.length, held_out=settings.held_out, seed=0)
    model = transformer.build_model(settings, seed=0, fused=True)
    scalar_model = transformer.build_model(settings, seed=0)
    batch = data.train[: settings.batch_size]
    params = model.parameters()
    plain = {"micrograd 0.1.0": MicrogradValue, "ag, plain operators": ag.Scalar}
    states = {name: W.plain_gpt_params(model, Value) for name, Value in plain.items()}
    flats = {name: W.plain_gpt_flat(state) for name, state in states.items()}

    def ag_step() -> ag.Scalar:
        model.zero_grad()
        loss = transformer.answer_loss(model, batch)
        loss.backward()
        return loss

    def scalar_model_step() -> ag.Scalar:
        for p in scalar_model.parameters():
            p.grad = 0.0
        loss = transformer.answer_loss(scalar_model, batch)
        loss.backward()
        return loss

    def plain_step(name: str) -> Callable[[], Any]:
        def step() -> Any:
            for p in flats[name]:
                p.grad = 0.0
            loss = plain_answer_loss(states[name], model.config, batch)
            loss.backward()
            return loss

        return step

    steps = {"ag": ag_step, "ag, the scalar model": scalar_model_step, **{name: plain_step(name) for name in plain}}
    flats["ag, the scalar model"] = scalar_model.parameters()
    reference = ag_step()
    expected = [p.grad for p in params]
    nodes = {"ag": len(ag.backward_order(reference))}
    for name in steps:
        if name == "ag":
            continue
        loss = steps[name]()
        nodes[name] = W.count_nodes(loss, (lambda v: v._prev) if name.startswith("micrograd") else (lambda v: v.parents))
        pairs = [(reference.data, loss.data)] + list(zip(expected, (p.grad for p in flats[name])))
        worst = max(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in pairs)
        if any(abs(a - b) > RTOL * max(abs(a), abs(b)) + ATOL for a, b in pairs):
            print(f"{name}: loss or gradients differ from ag's (worst relative difference {worst:.1e})")
            return 1
        print(f"{name}: loss and all {len(params)} parameter gradients agree with ag's (worst {worst:.1e})")

    seconds = median_seconds(steps, args.repeat)
    print(f"\none step of problems.transformer's default (batch {len(batch)}, forward + backward), "
          f"median of {args.repeat}; Python {platform.python_version()}")
    print(f"{'engine':<22}{'nodes':>10}{'ms':>10}{'× ag':>8}")
    for name in steps:
        print(f"{name:<22}{nodes[name]:>10,}{1000 * seconds[name]:>10.0f}{seconds[name] / seconds['ag']:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
