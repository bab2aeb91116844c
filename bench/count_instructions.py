"""Instructions per plain-operator step, forward and backward apart, counted by callgrind.

Run from the repository root (needs valgrind: ``apt-get install valgrind``):

    python bench/count_instructions.py                 # GPT step, the three engines, gc on and off
    python bench/count_instructions.py --workload mlp  # the MLP of bench_engines.py instead
    python bench/count_instructions.py --engines ag    # one engine only

Wall-clock times on a shared machine move by 2× with the load; instruction
counts move by well under 1 %, so this is how a change to ag's hot path is
judged before the interleaved timing of `bench_engines.py` confirms it. Every
engine runs the same plain-operator code (`workloads.plain_*`: ``a*b + c``,
no fused ops) on its own value class, ag included.

Each figure is (instructions of a run with 3 steps − a run with 1 step) / 2,
so start-up, imports and the model's construction cancel out. A step zeroes
the parameter grads, runs the forward pass and (for "forward + backward")
the backward pass; the previous step's graph is released when the next loss
replaces it, as in a training loop. "gc on" runs with Python's default
collector settings, so the collections a step's allocations trigger are
counted; "gc off" shows the interpreter's work alone. Backward is the
difference of the two phases.
"""

from __future__ import annotations

import argparse
import gc
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGINES = ("ag", "microgpt-style", "micrograd")


def child(engine: str, workload: str, phase: str, steps: int, collector: str) -> None:
    """Run `steps` plain-operator steps of one engine (inside callgrind)."""
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    import ag
    import workloads as W
    from micrograd_engine import Value as MicrogradValue
    from microgpt_engine import Value as MicrogptValue

    value = {"ag": ag.Scalar, "microgpt-style": MicrogptValue, "micrograd": MicrogradValue}[engine]
    if workload == "gpt":
        state = W.plain_gpt_params(W.ag_gpt_model(), value)
        params = W.plain_gpt_flat(state)

        def forward() -> object:
            return W.plain_gpt_loss(state, value)
    else:
        xs, ys = W.mlp_data()
        layers = W.plain_mlp_params(W.ag_mlp_model(), value)
        params = W.plain_mlp_flat(layers)

        def forward() -> object:
            return W.plain_mlp_loss(layers, xs, ys, value)

    if collector == "off":
        gc.disable()
    gc.collect()
    loss = None
    for _ in range(steps):
        for p in params:
            p.grad = 0
        loss = forward()  # rebinding releases the previous step's graph
        if phase == "both":
            loss.backward()  # type: ignore[attr-defined]


def count(engine: str, workload: str, phase: str, steps: int, collector: str) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--child", engine, workload, phase, str(steps), collector]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    match = re.search(r"Collected : (\d+)", done.stderr)
    if match is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def per_step(engine: str, workload: str, phase: str, collector: str) -> float:
    return (count(engine, workload, phase, 3, collector) - count(engine, workload, phase, 1, collector)) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("gpt", "mlp"), default="gpt")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, from: " + ", ".join(ENGINES))
    parser.add_argument("--gc", choices=("on", "off", "both"), default="both")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, workload, phase, steps, collector = args.child
        child(engine, workload, phase, int(steps), collector)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise SystemExit(f"unknown engine(s) {unknown}; choose from {', '.join(ENGINES)}")
    collectors = ("on", "off") if args.gc == "both" else (args.gc,)
    print(f"{args.workload} step, plain operators; millions of instructions per step (callgrind)")
    print("| engine | gc | forward | backward | forward + backward |")
    print("| --- | --- | ---: | ---: | ---: |")
    for collector in collectors:
        for engine in engines:
            forward = per_step(engine, args.workload, "fwd", collector)
            both = per_step(engine, args.workload, "both", collector)
            print(f"| {engine} | {collector} | {forward / 1e6:.1f} | {(both - forward) / 1e6:.1f} | {both / 1e6:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
