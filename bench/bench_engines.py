"""ag against micrograd 0.1.0 and a microgpt-style engine, on the same model math.

Run from the repository root:

    python bench/bench_engines.py            # about 40 s on 2 cores
    python bench/bench_engines.py --quick    # fewer repetitions, fewer depth probes

Workloads (each engine: forward + backward, parameter grads zeroed first):
  (a) a 2-16-16-1 ReLU MLP, mean squared error over 32 points;
  (b) one training step of a microgpt-sized GPT (n_embd 16, 4 heads, 1 layer,
      block 8, vocab 27, RMSNorm, ReLU MLP of width 64, causal softmax
      attention, cross-entropy over 8 positions). ag uses `ag.nn.GPT` and its
      fused ops; the two baselines run microgpt's plain-operator code;
  (c) the deepest chain y = x·k·k·…·k whose forward, backward and release
      each engine survives (each probe in its own process);
  (d) the peak memory (tracemalloc) of building and back-propagating (b);
  (e) the plain-operator code of (a) and (b) on all three engines (ag.Scalar
      too: "ag, plain operators"), forward and backward timed apart.

All timing runs in one process with Python's default settings (garbage
collector on, default thresholds), engines interleaved in rotating order, and
is reported three ways:
  - training loop: each engine runs its steps back to back, as a user's loop
    does; the collector is never called by hand between them, so the
    collections an engine's graphs trigger (micrograd's closures make each
    graph cyclic garbage that only the collector frees) and the release of its
    previous graph are charged to it. Mean time per step. The heap is
    collected, untimed, only between one engine's block of steps and the next,
    so no engine pays for another's garbage.
  - step from a collected heap: gc.collect() (untimed) before every single
    step; the step pays only for the collections its own allocations trigger.
    Median. This hides the cost of collecting the previous graph.
  - the same with the collector off during the step: the collector's share.
Before timing, every engine's parameter gradients are checked against ag's
(same parameter values; |a − b| ≤ 1e-9·max(|a|, |b|) + 1e-15), so the
comparison is of the same computation. The script ends with the issue's
targets and whether each is met, among them the plain-operator ones: ag
running the baselines' own code (no fused ops) at least 1.2× as fast as the
microgpt-style engine and 6× micrograd, as a training loop runs and from a
collected heap. (bench/count_instructions.py counts the same plain-operator
steps' instructions, forward and backward apart, for a verdict that the
machine's load does not move.)
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # bench/ for its modules, the root for ag

import ag  # noqa: E402
import workloads as W  # noqa: E402
from micrograd_engine import Value as MicrogradValue  # noqa: E402
from microgpt_engine import Value as MicrogptValue  # noqa: E402

ENGINES = ("ag", "micrograd", "microgpt-style")
BASELINES = {"micrograd": MicrogradValue, "microgpt-style": MicrogptValue}
AG_PLAIN = "ag, plain operators"  # for reference: ag.Scalar running the baselines' code, no fused ops
PLAIN_STYLE = {**BASELINES, AG_PLAIN: ag.Scalar}
CHILDREN = {
    "ag": lambda v: v.parents,
    "micrograd": lambda v: v._prev,
    "microgpt-style": lambda v: v._children,
    AG_PLAIN: lambda v: v.parents,
}
GRAD_RTOL, GRAD_ATOL = 1e-9, 1e-15


@dataclass
class Step:
    """One engine's runnable step on one workload."""

    run: Callable[[], Any]  # zero grads, forward, backward; returns the loss node
    params: list[Any]  # the parameters, in ag's parameters() order
    forward: Optional[Callable[[], Any]] = None  # the forward pass alone (plain-operator steps), for (e)


# -- building the steps -------------------------------------------------------------------


def mlp_steps() -> dict[str, Step]:
    xs, ys = W.mlp_data()
    model = W.ag_mlp_model()

    def run_ag() -> Any:
        model.zero_grad()
        loss = W.ag_mlp_loss(model, xs, ys)
        loss.backward()
        return loss

    steps = {"ag": Step(run_ag, model.parameters())}
    for name, Value in PLAIN_STYLE.items():
        layers = W.plain_mlp_params(model, Value)
        steps[name] = _plain_step(lambda layers=layers, V=Value: W.plain_mlp_loss(layers, xs, ys, V),
                                  W.plain_mlp_flat(layers))
    return steps


def gpt_steps() -> dict[str, Step]:
    model = W.ag_gpt_model()

    def run_ag() -> Any:
        model.zero_grad()
        loss = W.ag_gpt_loss(model)
        loss.backward()
        return loss

    steps = {"ag": Step(run_ag, model.parameters())}
    for name, Value in PLAIN_STYLE.items():
        state = W.plain_gpt_params(model, Value)
        steps[name] = _plain_step(lambda state=state, V=Value: W.plain_gpt_loss(state, V), W.plain_gpt_flat(state))
    return steps


def _plain_step(forward: Callable[[], Any], params: list[Any]) -> Step:
    def run() -> Any:
        for p in params:
            p.grad = 0
        loss = forward()
        loss.backward()
        return loss

    return Step(run, params, forward)


# -- checking and timing ------------------------------------------------------------------


def check_agreement(steps: dict[str, Step]) -> tuple[float, int]:
    """Run each step once; every parameter grad must match ag's. Returns (loss, node counts)."""
    reference_loss = steps["ag"].run()
    reference = [p.grad for p in steps["ag"].params]
    for name in list(steps)[1:]:
        loss = steps[name].run()
        grads = [p.grad for p in steps[name].params]
        if len(grads) != len(reference):
            raise SystemExit(f"{name}: {len(grads)} parameters, ag has {len(reference)}")
        if abs(loss.data - reference_loss.data) > GRAD_RTOL * abs(reference_loss.data):
            raise SystemExit(f"{name}: loss {loss.data!r} differs from ag's {reference_loss.data!r}")
        for i, (a, b) in enumerate(zip(reference, grads)):
            if abs(a - b) > GRAD_RTOL * max(abs(a), abs(b)) + GRAD_ATOL:
                raise SystemExit(f"{name}: parameter {i} grad {b!r} differs from ag's {a!r}")
    return reference_loss.data, len(reference)


def node_counts(steps: dict[str, Step]) -> dict[str, int]:
    return {name: W.count_nodes(step.run(), CHILDREN[name]) for name, step in steps.items()}


def time_interleaved(steps: dict[str, Step], reps: int, *, gc_on: bool) -> dict[str, float]:
    """Median seconds of one step for each engine, each step started from a collected heap.

    Engines are interleaved in rotating order. The collection before each step
    (untimed) keeps one engine's leftover garbage out of the next engine's time;
    it also hides the cost of collecting the engine's own previous graph, which
    `time_training_loop` charges.
    """
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    try:
        for rep in range(reps):
            for name in names[rep % len(names):] + names[: rep % len(names)]:
                gc.collect()
                if not gc_on:
                    gc.disable()
                start = time.perf_counter()
                loss = steps[name].run()
                elapsed = time.perf_counter() - start
                gc.enable()
                del loss
                times[name].append(elapsed)
    finally:
        gc.enable()
    return {name: statistics.median(ts) for name, ts in times.items()}


def time_training_loop(steps: dict[str, Step], reps: int, rounds: int = 3) -> dict[str, float]:
    """Mean seconds per step when each engine runs steps back to back, as a training loop does.

    gc on and never called between an engine's own steps, so every collection
    its graphs trigger, and the release of each previous graph, is charged to
    it. In each of `rounds` rounds (rotating order) every engine runs a block of
    ceil(reps / rounds) steps; the heap is collected, untimed, only between
    blocks, so no engine pays for another's garbage.
    """
    block = -(-reps // rounds)
    totals = {name: 0.0 for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            run = steps[name].run
            gc.collect()
            start = time.perf_counter()
            loss = None
            for _ in range(block):
                loss = run()  # rebinding frees the previous step's graph (by refcount or, later, by gc)
            del loss
            totals[name] += time.perf_counter() - start
    return {name: total / (rounds * block) for name, total in totals.items()}


def time_phases(steps: dict[str, Step], reps: int, rounds: int = 3) -> dict[str, tuple[float, float]]:
    """Mean (forward, backward) seconds per step of each plain-operator engine, as a training loop runs.

    As `time_training_loop`: gc on, steps back to back in blocks, engines in
    rotating order, the heap collected (untimed) only between blocks. The
    release of the previous step's graph happens when the new loss replaces
    it, so it counts in the forward pass, as it does in a user's loop.
    """
    block = -(-reps // rounds)
    totals = {name: [0.0, 0.0] for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            step = steps[name]
            gc.collect()
            loss = None
            for _ in range(block):
                for p in step.params:
                    p.grad = 0
                start = time.perf_counter()
                loss = step.forward()  # type: ignore[misc]
                middle = time.perf_counter()
                loss.backward()
                totals[name][0] += middle - start
                totals[name][1] += time.perf_counter() - middle
            del loss
    return {name: (f / (rounds * block), b / (rounds * block)) for name, (f, b) in totals.items()}


def peak_memory(steps: dict[str, Step]) -> dict[str, int]:
    """Peak bytes allocated while one step builds and back-propagates its graph."""
    peaks = {}
    for name, step in steps.items():
        gc.collect()
        tracemalloc.start()
        loss = step.run()
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del loss
    gc.collect()
    return peaks


# -- depth (workload c) ---------------------------------------------------------------------


def probe_depth(engine: str, depth: int) -> None:
    """Forward, backward and release a chain of `depth` multiplications (run in a child process)."""
    Value = ag.Scalar if engine == "ag" else BASELINES[engine]
    x, k, y = W.chain(Value, depth)
    y.backward()
    if x.grad != 1.0 or k.grad != depth:
        raise SystemExit(f"wrong gradients: x {x.grad}, k {k.grad}")
    del y
    print("ok")


def survives(engine: str, depth: int, timeout: float = 300.0) -> tuple[bool, str]:
    """(True, "") if the probe passes, else (False, the child's last error line)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--probe", engine, str(depth)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    if done.returncode == 0 and done.stdout.strip() == "ok":
        return True, ""
    lines = done.stderr.strip().splitlines()
    return False, (lines[-1] if lines else f"exit code {done.returncode}")


def deepest_chain(engine: str, levels: list[int]) -> tuple[int, str]:
    """The deepest level survived (bisected to 1% below the first failure) and why the next fails."""
    passed = 0
    for depth in levels:
        ok, reason = survives(engine, depth)
        if not ok:
            low, high = passed, depth
            while high - low > max(1, low // 100):
                middle = (low + high) // 2
                ok, why = survives(engine, middle)
                if ok:
                    low = middle
                else:
                    high, reason = middle, why
            return low, f"depth {high:,} fails: {reason}"
        passed = depth
    return passed, "every probe passed"


# -- report -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and depth probes")
    parser.add_argument("--probe", nargs=2, metavar=("ENGINE", "DEPTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe_depth(args.probe[0], int(args.probe[1]))
        return
    reps_mlp, reps_gpt = (5, 5) if args.quick else (21, 11)
    levels = [100, 1_000, 10_000, 100_000] + ([] if args.quick else [1_000_000])

    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{os.cpu_count()} CPUs, gc {'on' if gc.isenabled() else 'off'}, thresholds {gc.get_threshold()}")
    ratios: dict[str, dict[str, float]] = {}  # "(a) loop" → {"micrograd": ×, "microgpt-style": ×}
    plain_ratios: dict[str, dict[str, float]] = {}  # the same for "ag, plain operators"
    rows = []
    for key, title, steps, reps in (("a", "(a) MLP 2-16-16-1, 32 points", mlp_steps(), reps_mlp),
                                    ("b", "(b) GPT training step", gpt_steps(), reps_gpt)):
        loss, n_params = check_agreement(steps)
        counts = node_counts(steps)
        loop = time_training_loop(steps, reps)
        clean = time_interleaved(steps, reps, gc_on=True)
        off = time_interleaved(steps, reps, gc_on=False)
        print(f"\n{title}: loss {loss:.12g}, {n_params} parameter grads agree across engines "
              f"(rel 1e-9); {reps} steps per engine and column")
        print("| engine | nodes | training loop, gc on | step from a collected heap, gc on | same, gc off "
              "| micrograd ÷ engine (loop, collected) | microgpt-style ÷ engine (loop, collected) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name in steps:
            print(f"| {name} | {counts[name]:,} | {loop[name] * 1e3:.1f} ms | {clean[name] * 1e3:.1f} ms "
                  f"| {off[name] * 1e3:.1f} ms "
                  f"| {loop['micrograd'] / loop[name]:.1f}×, {clean['micrograd'] / clean[name]:.1f}× "
                  f"| {loop['microgpt-style'] / loop[name]:.1f}×, {clean['microgpt-style'] / clean[name]:.1f}× |")
        for mode, times in (("loop", loop), ("collected", clean)):
            ratios[f"{key} {mode}"] = {b: times[b] / times["ag"] for b in BASELINES}
            plain_ratios[f"{key} {mode}"] = {b: times[b] / times[AG_PLAIN] for b in BASELINES}
        rows.append((title, steps))
    print("\n(e) the plain-operator code on each engine, forward and backward timed apart (training loop, gc on)")
    print("| workload | engine | forward | backward | both | micrograd ÷ engine (fwd, bwd, both) "
          "| microgpt-style ÷ engine (fwd, bwd, both) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for title, steps in rows:
        plain = {name: steps[name] for name in (*BASELINES, AG_PLAIN)}
        phases = time_phases(plain, reps_mlp if title.startswith("(a)") else reps_gpt)
        for name, (forward, backward) in phases.items():
            cells = [f"{_ratio(phases[b], (forward, backward))}" for b in BASELINES]
            print(f"| {title[:3]} | {name} | {forward * 1e3:.1f} ms | {backward * 1e3:.1f} ms "
                  f"| {(forward + backward) * 1e3:.1f} ms | {cells[0]} | {cells[1]} |")

    print("\n(d) peak memory of building and back-propagating the graph of (b) (tracemalloc)")
    peaks = peak_memory(rows[1][1])
    print("| engine | peak | share of micrograd's |")
    print("| --- | ---: | ---: |")
    for name in peaks:
        print(f"| {name} | {peaks[name] / 2**20:.2f} MiB | 1/{peaks['micrograd'] / peaks[name]:.1f} |")

    print(f"\n(c) deepest chain y = x·k·…·k that survives forward + backward + release (probes: {levels})")
    print(f"| engine | deepest chain | note (recursion limit {sys.getrecursionlimit()}) |")
    print("| --- | ---: | --- |")
    depths = {}
    for name in ENGINES:
        depths[name], note = deepest_chain(name, levels)
        print(f"| {name} | {depths[name]:,} | {note} |")

    print("\nTargets (the issue's; speed ratios measured as a training loop runs, a step from a collected heap in brackets):")
    for key, baseline, target in (("b", "micrograd", 15.0), ("b", "microgpt-style", 2.5), ("a", "micrograd", 5.0)):
        loop_ratio, clean_ratio = ratios[f"{key} loop"][baseline], ratios[f"{key} collected"][baseline]
        verdict = _verdict(loop_ratio >= target, clean_ratio >= target)
        print(f"  ({key}) ag ≥ {target:g}× faster than {baseline}: {loop_ratio:.1f}× ({clean_ratio:.1f}×)  {verdict}")
    for key in ("b", "a"):
        for baseline, target in (("microgpt-style", 1.2), ("micrograd", 6.0)):
            loop_ratio = plain_ratios[f"{key} loop"][baseline]
            clean_ratio = plain_ratios[f"{key} collected"][baseline]
            verdict = _verdict(loop_ratio >= target, clean_ratio >= target)
            print(f"  ({key}) ag with plain operators ≥ {target:g}× faster than {baseline}: {loop_ratio:.2f}× "
                  f"({clean_ratio:.2f}×)  {verdict}")
    deep = "met" if depths["ag"] >= 1_000_000 else ("not probed (--quick)" if levels[-1] < 1_000_000 else "NOT MET")
    print(f"  (c) ag survives a 1,000,000-deep chain: {depths['ag']:,}  {deep}")
    share = peaks["micrograd"] / peaks["ag"]
    print(f"  (d) ag's memory ≤ 1/5 of micrograd's: 1/{share:.1f}  {'met' if share >= 5 else 'NOT MET'}")


def _ratio(baseline: tuple[float, float], engine: tuple[float, float]) -> str:
    forward, backward = baseline[0] / engine[0], baseline[1] / engine[1]
    return f"{forward:.2f}×, {backward:.2f}×, {sum(baseline) / sum(engine):.2f}×"


def _verdict(loop_met: bool, clean_met: bool) -> str:
    if loop_met and clean_met:
        return "met"
    if loop_met or clean_met:
        return f"met only {'in the training loop' if loop_met else 'from a collected heap'}"
    return "NOT MET"


if __name__ == "__main__":
    main()
