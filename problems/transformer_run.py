"""The harness around `problems.transformer`: verify one step's gradient, train with a progress bar,
evaluate, print tables, and the command line (``symcheck run transformer``).

Nothing here is part of the model: it runs the model `problems.transformer`
defines (or, with ``--fused``, the same network as `ag.nn.GPT`) and reports.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import asdict
from typing import Optional, Sequence

from rich.console import Console
from rich.markup import escape

from symcheck.own import ag  # symcheck's own ag, even beside a course's ag.py (see symcheck/own.py)

from . import display, runner
from .tasks import Dataset, Example, make_dataset
from .transformer import Diverged, Model, Settings, accuracy, answer_loss, build_model, predict, train
from .transformer_settings import SettingError, check_memory, make_settings  # noqa: F401 (SettingError re-exported)

# ---------------------------------------------------------------------------
# Verifying the gradient of one training step
# ---------------------------------------------------------------------------


def verify_step(model: Model, batch: Sequence[Example], *, directions: int, seed: int,
                progress: Optional[Console] = None) -> dict:
    """Check one step's gradient two independent ways and return {nodes, ok, worst_relative_error, …}.

    1. Node by node: symcheck runs every node's local `_backward()` alone and
       compares it with sympy's derivative of the node's forward formula.
    2. Along random directions: for a unit vector d over all parameters θ,
       (L(θ + h d) − L(θ − h d)) / 2h must equal Σᵢ ∂L/∂θᵢ · dᵢ.

    `progress` (a console, stderr) shows the check's parts as they finish.
    """
    from symcheck.engines.local_check import check_local_steps

    with display.Bars(progress, unit=None, loss=False) as bars:
        bar = bars.bar("verifying one step's gradient", 1 + directions)
        loss = answer_loss(model, batch)
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        local = check_local_steps(loss)
        bar.step()
        directional = directional_check(model, batch, directions=directions, seed=seed, done=bar.step)
    worst = max(local.worst_relative_error, directional["worst_relative_error"])
    return {
        "nodes": local.nodes_checked,
        "ok": bool(local.ok and directional["ok"]),
        "worst_relative_error": worst,
        "local": {"nodes": local.nodes_checked, "ok": bool(local.ok),
                  "worst_relative_error": local.worst_relative_error,
                  "failures": [f.to_dict() for f in local.failures[:10]]},
        "directional": directional,
    }


def directional_check(model: Model, batch: Sequence[Example], *, directions: int, seed: int, h: float = 1e-5,
                      rtol: float = 1e-5, done: Optional[object] = None) -> dict:
    """Central differences of the loss along random unit directions, against the engine's grads.

    Call after ``loss.backward()``: reads each parameter's `.grad`, moves only `.data`
    (and restores it exactly). `done()` is called after each direction.
    """
    params = model.parameters()
    grads = [p.grad for p in params]
    rng = random.Random(seed)
    worst = 0.0
    rows = []
    for _ in range(directions):
        d = unit_vector(rng, len(params))
        engine = math.fsum(g * di for g, di in zip(grads, d))
        numeric = (loss_at(model, batch, params, d, h) - loss_at(model, batch, params, d, -h)) / (2 * h)
        error = abs(numeric - engine) / max(abs(numeric), abs(engine), 1e-8)
        worst = max(worst, error)
        rows.append({"engine": engine, "finite_difference": numeric, "relative_error": error})
        if callable(done):
            done()
    return {"directions": directions, "h": h, "ok": worst <= rtol, "worst_relative_error": worst, "rows": rows}


def unit_vector(rng: random.Random, n: int) -> list[float]:
    """A direction drawn uniformly on the unit sphere in n dimensions."""
    d = [rng.gauss(0.0, 1.0) for _ in range(n)]
    norm = math.sqrt(math.fsum(x * x for x in d))
    return [x / norm for x in d]


def loss_at(model: Model, batch: Sequence[Example], params: list, d: list[float], h: float) -> float:
    """L(θ + h·d), computed without a graph; θ is restored afterwards."""
    saved = [p.data for p in params]
    try:
        for p, di in zip(params, d):
            p.data += h * di
        with ag.no_grad():
            return answer_loss(model, batch).data
    finally:
        for p, value in zip(params, saved):
            p.data = value


# ---------------------------------------------------------------------------
# One run end to end
# ---------------------------------------------------------------------------


def run(
    *,
    steps: Optional[int] = None,
    seed: int = 0,
    quiet: bool = False,
    console: Optional[Console] = None,
    lr: Optional[float] = None,
    plot: Optional[str] = None,
    gradcheck: bool = True,
    fused: bool = False,
    plain: bool = False,
    progress: Optional[Console] = None,
    **overrides: object,
) -> dict:
    """Train the default (or overridden) Transformer and return a JSON-able summary.

    `overrides` are `Settings` fields (``n_embd=8, length=2, …``); `fused` trains the same
    network as `ag.nn.GPT`. Results go to `console` (stdout; nothing when `quiet`, no colour
    when `plain`), progress to `progress` (by default stderr, when it is a terminal and the
    run is not quiet). Returns ``{accuracy, trained, final_loss, steps, seconds, nodes_per_step,
    seconds_per_step, gradcheck: {nodes, ok, worst_relative_error, …}, predictions, settings, model}``.
    """
    settings = make_settings(steps=steps, lr=lr, **overrides)
    check_memory(settings, gradcheck=gradcheck, fused=fused)  # refused before anything is built
    out = display.make_console(console, quiet, plain=plain)
    bars_console = progress if progress is not None else display.progress_console(quiet=quiet, plain=plain)
    data = make_dataset(settings.task, length=settings.length, held_out=settings.held_out, seed=seed)
    model = build_model(settings, seed, fused=fused)
    kind = "fused ag.nn.GPT" if fused else "scalar Transformer"
    out.print(f"task: {settings.task} {settings.length}-digit strings, {len(data.train)} to train on, "
              f"{len(data.held_out)} held out")
    out.print(f"model: {kind}, {settings.n_layer} layer(s), n_embd {settings.n_embd}, {settings.n_head} heads, "
              f"{model.num_parameters()} parameters")

    with runner.cycle_collector_paused():
        check = None
        if gradcheck:
            batch = random.Random(seed + 1).sample(data.train, min(settings.batch_size, len(data.train)))
            check = verify_step(model, batch, directions=settings.gradcheck_directions, seed=seed,
                                progress=bars_console)
            print_gradcheck(out, check)
        trained = timed_training(model, data, settings, seed=seed, progress=bars_console)
        if trained["diverged"]:  # the weights are no model any more: nothing to evaluate
            out.print(f"[bold red]{escape(trained['diverged'])}[/]")
            held_out_accuracy = None
        else:
            held_out_accuracy = accuracy(model, data.held_out)
        result = summarise(settings, trained, held_out_accuracy, check, model, data, seed, fused)
    print_results(out, result, trained["losses"])
    if plot:
        display.save_plot({"training loss": trained["losses"]}, plot, title="a Transformer on ag.Scalar")
        out.print(f"loss curve written to {plot}")
    result["losses"] = trained["losses"]
    return result


def timed_training(model: Model, data: Dataset, settings: Settings, *, seed: int,
                   progress: Optional[Console]) -> dict:
    """`train` with a progress bar; returns losses, timing, graph size, and why it stopped early (if it did)."""
    started = time.perf_counter()
    losses: list[float] = []
    nodes_per_step = 0

    def record(step: int, loss: ag.Scalar) -> None:
        nonlocal nodes_per_step
        if step == 0:
            nodes_per_step = len(ag.backward_order(loss))
        losses.append(loss.data)
        bar.step(loss.data)

    message = None
    with display.Bars(progress, unit="seq", per_step=settings.batch_size) as bars:
        bar = bars.bar("training", settings.steps)
        try:
            train(model, data, settings, seed=seed, on_step=record)
        except Diverged as error:
            default_lr = Settings().lr
            suggestion = default_lr if settings.lr > default_lr else settings.lr / 10  # the default trains
            message = f"{error}; try a smaller --lr (e.g. {suggestion:g})"
    seconds = time.perf_counter() - started
    return {"losses": losses, "seconds": seconds, "nodes_per_step": nodes_per_step,
            "seconds_per_step": seconds / max(len(losses), 1), "diverged": message}


def summarise(settings: Settings, trained: dict, held_out_accuracy: Optional[float], check: Optional[dict],
              model: Model, data: Dataset, seed: int, fused: bool) -> dict:
    """The JSON-able result of a run (accuracy and predictions are None / [] when training diverged)."""
    evaluated = held_out_accuracy is not None
    gradcheck = check if check is not None else {"nodes": 0, "ok": None, "worst_relative_error": None}
    return {
        "accuracy": held_out_accuracy,
        "trained": evaluated and held_out_accuracy >= settings.target_accuracy,
        "diverged": trained["diverged"],
        "target_accuracy": settings.target_accuracy,
        "final_loss": trained["losses"][-1] if trained["losses"] else None,
        "steps": len(trained["losses"]),
        "seconds": trained["seconds"],
        "seconds_per_step": trained["seconds_per_step"],
        "nodes_per_step": trained["nodes_per_step"],
        "parameters": model.num_parameters(),
        "model": "fused" if fused else "scalar",
        "seed": seed,
        "gradcheck": gradcheck,
        "predictions": [
            {"input": digits(e.digits), "expected": digits(e.answer), "predicted": digits(predict(model, e))}
            for e in (data.held_out[:8] if evaluated else [])
        ],
        "settings": asdict(settings),
    }


def digits(tokens: Sequence[int]) -> str:
    return "".join(str(t) for t in tokens)


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------


def print_gradcheck(console: Console, check: dict) -> None:
    """"N nodes checked, worst relative error e", then where each half of the check stands."""
    local, directional = check["local"], check["directional"]
    verdict = "[green]ok[/]" if check["ok"] else "[red]MISMATCH[/]"
    console.print(f"gradient check, one step: {check['nodes']:,} nodes checked, "
                  f"worst relative error {check['worst_relative_error']:.1e}  {verdict}")
    console.print(f"  each node's local step vs sympy: worst {local['worst_relative_error']:.1e}")
    console.print(f"  finite differences along {directional['directions']} random directions of all "
                  f"parameters: worst {directional['worst_relative_error']:.1e}")
    for failure in local["failures"]:
        console.print(f"  [red]{escape(failure['node'])} ({failure['op']}): {escape(failure['message'])}[/]")


def print_results(console: Console, result: dict, losses: list[float]) -> None:
    rows = [(step, losses[step]) for step in display.checkpoint_steps(len(losses))]
    console.print(display.loss_table("training loss", ["step", "loss"], rows))
    console.print(f"  loss, log scale  {display.sparkline(losses, width=48)}")
    console.print(f"  {result['steps']} steps in {result['seconds']:.1f} s "
                  f"({1000 * result['seconds_per_step']:.0f} ms/step, {result['nodes_per_step']:,} nodes per step)")
    if result["accuracy"] is None:
        console.print("held-out exact-match accuracy: not measured, training diverged  [red]short of the target[/]")
        return
    table = display.loss_table("held-out predictions", ["input", "expected", "predicted", ""],
                               [(p["input"], p["expected"], p["predicted"], "✓" if p["expected"] == p["predicted"]
                                 else "✗") for p in result["predictions"]])
    console.print(table)
    mark = "[green]trained[/]" if result["trained"] else "[red]short of the target[/]"
    console.print(f"held-out exact-match accuracy: {100 * result['accuracy']:.1f} % "
                  f"(target {100 * result['target_accuracy']:.0f} %)  {mark}")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parser(prog: str = "symcheck run transformer") -> argparse.ArgumentParser:
    defaults = Settings()
    p = runner.problem_parser(
        prog,
        "Train a small Transformer on ag.Scalar to reverse digit strings (or sort them), and measure its "
        "exact-match accuracy on strings it never saw. The model is problems/transformer.py, written with "
        "plain scalar operations (+ - * / **, exp, log, relu) so that it ports to a course engine line by "
        "line; --fused trains the same network built from ag's fused nodes, several times faster. Before "
        "training, symcheck verifies the gradient of one step over the whole graph. Exit code 0 when the "
        "held-out accuracy reaches the target and the gradient check passed.",
        steps_help=f"training steps (default {defaults.steps})",
        lr_help=f"Adam's learning rate (default {defaults.lr})",
        example_lines=(prog, f"{prog} --fused --steps 400 --n-embd 16 --n-head 4",
                       f"{prog} --task sort --seed 1 --json"),
    )
    p.add_argument("--fused", action="store_true", help="the same network as ag.nn.GPT: fused nodes, faster")
    p.add_argument("--task", choices=["reverse", "sort"], default=defaults.task, help="what to do with the digits")
    p.add_argument("--length", type=runner.positive_int, default=defaults.length, help="digits per string")
    p.add_argument("--held-out", type=runner.positive_int, default=defaults.held_out, help="strings kept aside")
    p.add_argument("--batch-size", type=runner.positive_int, default=defaults.batch_size, help="sequences per step")
    p.add_argument("--n-embd", type=runner.positive_int, default=defaults.n_embd, help="model width")
    p.add_argument("--n-head", type=runner.positive_int, default=defaults.n_head, help="attention heads")
    p.add_argument("--n-layer", type=runner.positive_int, default=defaults.n_layer, help="Transformer blocks")
    p.add_argument("--mlp-width", type=runner.positive_int, default=defaults.mlp_width, help="the MLP's hidden width")
    p.add_argument("--no-gradcheck", action="store_true", help="skip verifying one step's gradient")
    return p


def main(argv: Optional[Sequence[str]] = None, *, prog: str = "symcheck run transformer") -> int:
    """Exit code 0 when held-out accuracy reaches the target and the gradient check passed, 1 when not,
    2 for bad arguments (including settings the model cannot take, e.g. n_embd not a multiple of n_head).
    `prog` names the command in usage and error lines."""

    def run_from(args: argparse.Namespace) -> dict:
        return run(steps=args.steps, seed=args.seed, lr=args.lr, quiet=args.json, plot=args.plot,
                   gradcheck=not args.no_gradcheck, fused=args.fused, plain=args.no_color, task=args.task,
                   length=args.length, held_out=args.held_out, batch_size=args.batch_size, n_embd=args.n_embd,
                   n_head=args.n_head, n_layer=args.n_layer, mlp_width=args.mlp_width)

    def reached(result: dict) -> bool:
        return result["trained"] and result["gradcheck"]["ok"] is not False

    return runner.run_main(parser(prog), argv, run_from, reached)


if __name__ == "__main__":
    raise SystemExit(main(prog="python -m problems.transformer_run"))
