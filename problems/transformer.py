"""Homework part 3 (bonus): a small GPT, built from ag.Scalar, learns to reverse digit strings.

Everything is scalars: every weight is one `ag.Scalar`, every activation is a
node of one big graph, and one training step is one `loss.backward()` over it.
The model is `ag.nn.GPT`: token + position embeddings, causal multi-head
attention, RMSNorm, a ReLU MLP, residual connections; trained with Adam.

The task is generated here, no downloads (see `problems.tasks`): read
``d₁ d₂ d₃ SEP`` and continue with the digits reversed. Every 3-digit string
is an example; 200 of them are held out, never trained on, and used to
measure exact-match accuracy with greedy decoding.

Before training, the gradient of one training step is verified over the whole
graph: symcheck checks every node's local step against sympy, and finite
differences along random directions of all parameters check the assembled
gradient (which catches a wrong graph, not just a wrong local rule).

Run it:  python -m problems.transformer   (or: symcheck run transformer)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from dataclasses import asdict, dataclass, replace
from typing import Optional, Sequence

from rich.console import Console
from rich.markup import escape

import ag
import ag.nn
import ag.optim
from problems import display, runner
from problems.tasks import VOCAB_SIZE, Dataset, Example, make_dataset

# ---------------------------------------------------------------------------
# Settings (the defaults reach ≥ 95 % held-out exact match in about a minute on 2 cores)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Every knob of a run; the defaults are the homework's configuration."""

    task: str = "reverse"  # "reverse" or "sort" (see problems.tasks)
    length: int = 3  # digits per string
    held_out: int = 200  # strings never trained on, for the accuracy
    n_embd: int = 16  # width of every position's vector
    n_head: int = 4  # attention heads (head width n_embd / n_head)
    n_layer: int = 1  # Transformer blocks
    mlp_width: int = 32  # hidden width of the MLP
    steps: int = 200  # optimisation steps
    batch_size: int = 16  # sequences per step
    lr: float = 0.01  # Adam's learning rate, decayed linearly to 10 % of it
    target_accuracy: float = 0.95  # what counts as "trained"
    gradcheck_directions: int = 4  # random directions for the finite-difference check


# ---------------------------------------------------------------------------
# The model and its loss
# ---------------------------------------------------------------------------


def build_model(settings: Settings, seed: int) -> ag.nn.GPT:
    """A GPT sized for the task: vocabulary 0-9 plus SEP, context of 2·length tokens."""
    config = ag.nn.GPTConfig(
        vocab_size=VOCAB_SIZE,
        n_embd=settings.n_embd,
        n_head=settings.n_head,
        n_layer=settings.n_layer,
        block_size=2 * settings.length,
        mlp_width=settings.mlp_width,
    )
    return ag.nn.GPT(config, seed=seed)


def answer_loss(model: ag.nn.GPT, batch: Sequence[Example]) -> ag.Scalar:
    """Mean cross-entropy on the answer tokens only (the digits are given, not predicted).

    For each answer position t with logits ℓₜ and target yₜ:  −log softmax(ℓₜ)[yₜ]
    = logsumexp(ℓₜ) − ℓₜ[yₜ].
    """
    terms = []
    for example in batch:
        logits = model(example.inputs)
        targets = example.targets
        for t in example.answer_positions:
            row = logits[t]
            terms.append(ag.logsumexp(row) - row[targets[t]])
    return ag.mean(terms)


def predict(model: ag.nn.GPT, example: Example) -> list[int]:
    """Greedy decoding: from ``digits SEP`` append the most likely token, one answer digit at a time."""
    sequence = example.prompt
    with ag.no_grad():  # no graph is needed to predict
        for _ in example.answer:
            last = model(sequence)[-1]
            sequence.append(max(range(10), key=lambda token: last[token].data))
    return sequence[len(example.prompt) :]


def accuracy(model: ag.nn.GPT, examples: Sequence[Example]) -> float:
    """Exact match: the fraction of examples whose whole answer is predicted right."""
    return sum(predict(model, e) == list(e.answer) for e in examples) / len(examples)


# ---------------------------------------------------------------------------
# Verifying the gradient of one training step
# ---------------------------------------------------------------------------


def verify_step(model: ag.nn.GPT, batch: Sequence[Example], *, directions: int, seed: int) -> dict:
    """Check one step's gradient two independent ways and return {nodes, ok, worst_relative_error, …}.

    1. Node by node: symcheck runs every node's local `_backward()` alone and
       compares it with sympy's derivative of the node's forward formula.
    2. Along random directions: for a unit vector d over all parameters θ,
       (L(θ + h d) − L(θ − h d)) / 2h must equal Σᵢ ∂L/∂θᵢ · dᵢ.
    """
    from symcheck.engines.local_check import check_local_steps

    loss = answer_loss(model, batch)
    model.zero_grad()
    loss.backward()
    local = check_local_steps(loss)
    directional = directional_check(model, batch, directions=directions, seed=seed)
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


def directional_check(
    model: ag.nn.GPT, batch: Sequence[Example], *, directions: int, seed: int, h: float = 1e-5, rtol: float = 1e-5
) -> dict:
    """Central differences of the loss along random unit directions, against the engine's grads.

    Call after ``loss.backward()``: reads each parameter's `.grad`, moves only `.data`
    (and restores it exactly).
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
    return {"directions": directions, "h": h, "ok": worst <= rtol, "worst_relative_error": worst, "rows": rows}


def unit_vector(rng: random.Random, n: int) -> list[float]:
    """A direction drawn uniformly on the unit sphere in n dimensions."""
    d = [rng.gauss(0.0, 1.0) for _ in range(n)]
    norm = math.sqrt(math.fsum(x * x for x in d))
    return [x / norm for x in d]


def loss_at(model: ag.nn.GPT, batch: Sequence[Example], params: list[ag.Scalar], d: list[float], h: float) -> float:
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
# Training
# ---------------------------------------------------------------------------


def train(
    model: ag.nn.GPT,
    data: Dataset,
    settings: Settings,
    *,
    seed: int,
    progress: Optional[display.Progress] = None,
) -> dict:
    """Adam on random batches of training strings; returns losses, timing and graph size."""
    rng = random.Random(seed)
    optimizer = ag.optim.Adam(model.parameters(), lr=settings.lr, betas=(0.9, 0.99))
    losses: list[float] = []
    nodes_per_step = 0
    task = progress.add_task("training", total=settings.steps, loss=math.nan, rate=0.0) if progress else None
    started = time.perf_counter()
    try:
        for step in range(settings.steps):
            batch = rng.sample(data.train, settings.batch_size)
            # forward: one graph for the whole batch
            loss = finite_loss(model, batch, step)
            if step == 0:
                nodes_per_step = len(ag.backward_order(loss))
            # backward and update, with the learning rate decayed linearly to 10 %
            optimizer.zero_grad()
            loss.backward()
            optimizer.lr = settings.lr * (1.0 - 0.9 * step / settings.steps)
            adam_step(optimizer, step)
            losses.append(loss.data)
            if progress is not None and task is not None:
                elapsed = max(time.perf_counter() - started, 1e-9)
                progress.update(task, advance=1, loss=loss.data, rate=(step + 1) * settings.batch_size / elapsed)
    except Diverged as error:
        default_lr = Settings().lr
        suggestion = default_lr if settings.lr > default_lr else settings.lr / 10  # the default trains
        message = f"{error}; try a smaller --lr (e.g. {suggestion:g})"
        return training_record(losses, started, nodes_per_step, message)
    return training_record(losses, started, nodes_per_step, None)


class Diverged(Exception):
    """Training overflowed: the learning rate is too large for these weights."""

    def __init__(self, step: int, why: str) -> None:
        super().__init__(f"diverged at step {step}: {why}")


def finite_loss(model: ag.nn.GPT, batch: Sequence[Example], step: int) -> ag.Scalar:
    """`answer_loss`, or `Diverged` when the weights have grown so large that it overflows."""
    try:
        loss = answer_loss(model, batch)
    except (ag.DomainError, OverflowError) as error:
        raise Diverged(step, str(error)) from None
    if not math.isfinite(loss.data):
        raise Diverged(step, f"the loss became {loss.data}")
    return loss


def adam_step(optimizer: ag.optim.Adam, step: int) -> None:
    """`optimizer.step()`, or `Diverged` when a gradient or an updated weight is not finite."""
    try:
        optimizer.step()
    except ValueError as error:  # Adam refuses a non-finite gradient and updates nothing
        raise Diverged(step, str(error)) from None
    if not all(math.isfinite(p.data) for p in optimizer.params):
        raise Diverged(step, "a weight overflowed to inf/NaN")


def training_record(losses: list[float], started: float, nodes_per_step: int, message: Optional[str]) -> dict:
    """What `train` returns: the loss curve, timing, graph size, and why it stopped early (if it did)."""
    seconds = time.perf_counter() - started
    return {"losses": losses, "seconds": seconds, "nodes_per_step": nodes_per_step,
            "seconds_per_step": seconds / max(len(losses), 1), "diverged": message}


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
    **overrides: object,
) -> dict:
    """Train the default (or overridden) GPT and return a JSON-able summary.

    `overrides` are `Settings` fields (``n_embd=8, length=2, …``). Returns
    ``{accuracy, trained, final_loss, steps, seconds, nodes_per_step, seconds_per_step,
    gradcheck: {nodes, ok, worst_relative_error, …}, predictions, settings}``.
    """
    settings = make_settings(steps=steps, lr=lr, **overrides)
    check_memory(settings, gradcheck=gradcheck)
    out = display.make_console(console, quiet)
    data = make_dataset(settings.task, length=settings.length, held_out=settings.held_out, seed=seed)
    model = build_model(settings, seed)
    out.print(f"task: {settings.task} {settings.length}-digit strings, {len(data.train)} to train on, "
              f"{len(data.held_out)} held out")
    out.print(f"model: GPT, {settings.n_layer} layer(s), n_embd {settings.n_embd}, {settings.n_head} heads, "
              f"{model.num_parameters()} parameters")

    check = None
    if gradcheck:
        batch = random.Random(seed + 1).sample(data.train, min(settings.batch_size, len(data.train)))
        check = verify_step(model, batch, directions=settings.gradcheck_directions, seed=seed)
        print_gradcheck(out, check)

    with display.progress_bar(out, unit="seq") as progress:
        trained = train(model, data, settings, seed=seed, progress=progress)
    if trained["diverged"]:  # the weights are no model any more: nothing to evaluate
        out.print(f"[bold red]{escape(trained['diverged'])}[/]")
        held_out_accuracy = None
    else:
        held_out_accuracy = accuracy(model, data.held_out)
    result = summarise(settings, trained, held_out_accuracy, check, model, data, seed)
    print_results(out, result, trained["losses"])
    if plot:
        display.save_plot({"training loss": trained["losses"]}, plot, title="GPT on ag.Scalar")
        out.print(f"loss curve written to {plot}")
    result["losses"] = trained["losses"]
    return result


def make_settings(*, steps: Optional[int], lr: Optional[float], **overrides: object) -> Settings:
    """The default Settings with the given fields replaced (unknown names are an error)."""
    fields = asdict(Settings())
    unknown = set(overrides) - set(fields)
    if unknown:
        raise TypeError(f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(fields)}")
    if steps is not None:
        overrides["steps"] = steps
    if lr is not None:
        overrides["lr"] = lr
    settings = Settings(**{**fields, **overrides})  # type: ignore[arg-type]
    validate(settings)
    return settings


class SettingError(runner.UsageError):
    """A setting the model or the task cannot take; says which and what would work."""


def validate(settings: Settings) -> None:
    """Reject settings that cannot run, before any training starts."""
    if settings.n_embd % settings.n_head:
        raise SettingError(f"n_embd ({settings.n_embd}) must be a multiple of n_head ({settings.n_head})")
    if not 1 <= settings.length <= 5:
        raise SettingError(f"length must be 1 to 5 digits, got {settings.length}")
    train_size = 10**settings.length - settings.held_out
    if train_size < 1 or settings.held_out < 1:
        raise SettingError(f"held_out must be between 1 and {10**settings.length - 1} for length {settings.length}")
    if settings.batch_size > train_size:
        raise SettingError(f"batch_size ({settings.batch_size}) exceeds the {train_size} training strings")


# -- will it fit? An estimate from the settings alone, before anything is built ----------------

GRAPH_BYTES = {"node": 150, "edge": 16, "parameter": 300}
"""Memory per Scalar node, per parent link and per parameter (its label and Adam's moments), measured
with ru_maxrss on runs of n_embd 16-128, n_layer 1-4, batch 16-64, then rounded up."""

BASE_BYTES = 40 * 2**20  # the interpreter and its imports
GRADCHECK_FACTOR = 2.5  # symcheck's node-by-node check holds its own copy of the graph beside ag's
GRADCHECK_BYTES = 64 * 2**20 + 350  # sympy's import, and per node
MEMORY_SHARE = 0.75  # of this machine's memory, what one run may plan on (others need some too)


def graph_size(settings: Settings) -> tuple[int, int, int]:
    """(nodes, parent links, parameters) that one training step creates, counted from ag.nn.GPT's structure.

    Per sequence of T = 2·length positions, d = n_embd, m = mlp_width, H heads: the embedding and its
    norm, then per layer the norms, W_q/W_k/W_v/W_o (one dot node of 2d parents per output), the causal
    attention (t + 1 scores and softmax nodes per head at position t), the MLP and two residual adds;
    finally the logits (vocabulary dots) and the loss at the answer positions.
    """
    d, heads, m, layers = settings.n_embd, settings.n_head, settings.mlp_width, settings.n_layer
    length, batch, vocab = settings.length, settings.batch_size, VOCAB_SIZE
    positions = 2 * length
    pairs = positions * (positions + 1) // 2  # Σ (t + 1): attention's scores per head
    squares = positions * (positions + 1) * (2 * positions + 1) // 6  # Σ (t + 1)²: its softmax links
    nodes = (positions * (2 * d + 6 + vocab) + 2 * length
             + layers * (positions * (11 * d + 2 * m + 12) + 2 * heads * pairs + 1))
    links = (positions * (6 * d + 5 + 2 * d * vocab) + length * (vocab + 2)
             + layers * (positions * (8 * d * d + 4 * d * m + 14 * d + m + 10) + 4 * d * pairs + heads * squares))
    parameters = 2 * vocab * d + 2 * length * d + layers * (4 * d * d + 2 * d * m)
    return batch * nodes + 1, batch * (links + length), parameters


def memory_needed(settings: Settings, *, gradcheck: bool) -> int:
    """Bytes a run with these settings needs at its peak (an estimate that errs on the high side)."""
    nodes, links, parameters = graph_size(settings)
    graph = (GRAPH_BYTES["node"] * nodes + GRAPH_BYTES["edge"] * links + GRAPH_BYTES["parameter"] * parameters)
    if not gradcheck:
        return BASE_BYTES + graph
    return BASE_BYTES + int(GRADCHECK_FACTOR * graph) + GRADCHECK_BYTES + 350 * nodes


def memory_limit() -> tuple[int, str]:
    """The memory a run may plan on, and how to name that limit in an error."""
    limits = []
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limits.append((int(MEMORY_SHARE * total), f"{MEMORY_SHARE:.0%} of this machine's {_bytes(total)} of memory"))
    except (ValueError, OSError, AttributeError):  # no sysconf for it on this system
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            limits.append((soft, f"the process's memory limit (ulimit -v) of {_bytes(soft)}"))
    except (ImportError, ValueError, OSError):
        pass
    cgroup = _cgroup_limit()
    if cgroup is not None:
        limits.append((cgroup, f"the container's memory limit of {_bytes(cgroup)}"))
    return min(limits) if limits else (2**63, "no known limit")


def _cgroup_limit() -> Optional[int]:
    try:
        text = open("/sys/fs/cgroup/memory.max", encoding="ascii").read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _bytes(count: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count / 1e3:.0f} kB"


def _count(number: int) -> str:
    for word, size in (("billion", 1e9), ("million", 1e6)):
        if number >= size:
            value = number / size
            return f"{value:.0f} {word}" if value >= 10 else f"{value:.1f} {word}"
    return f"{number:,}"


def check_memory(settings: Settings, *, gradcheck: bool) -> None:
    """Refuse settings whose graph would not fit in memory (`memory_needed` over `memory_limit`)."""
    needed = memory_needed(settings, gradcheck=gradcheck)
    limit, named = memory_limit()
    if needed <= limit:
        return
    nodes, links, _ = graph_size(settings)
    fits = _widest_that_fits(settings, gradcheck, limit)
    hint = f"--n-embd {fits} would fit" if fits else "a smaller --n-embd would not be enough"
    raise SettingError(
        f"n_embd {settings.n_embd}, n_layer {settings.n_layer}, batch_size {settings.batch_size}, length "
        f"{settings.length} make a graph of about {_count(nodes)} nodes and {_count(links)} parent links per training "
        f"step, needing about {_bytes(needed)} of memory; the limit is {named}: {hint} (or lower --batch-size, "
        f"--n-layer{'' if not gradcheck else ', or add --no-gradcheck'})")


def _widest_that_fits(settings: Settings, gradcheck: bool, limit: int) -> Optional[int]:
    """The largest n_embd (a multiple of n_head) whose run fits, everything else unchanged; None if none does."""
    low, high = 0, settings.n_embd // settings.n_head  # in units of n_head
    while low < high:
        middle = (low + high + 1) // 2
        trial = replace(settings, n_embd=middle * settings.n_head)
        if memory_needed(trial, gradcheck=gradcheck) <= limit:
            low = middle
        else:
            high = middle - 1
    return low * settings.n_head or None


def summarise(
    settings: Settings, trained: dict, held_out_accuracy: Optional[float], check: Optional[dict],
    model: ag.nn.GPT, data: Dataset, seed: int,
) -> dict:
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
    console.print(f"gradient check, one step: {check['nodes']} nodes checked, "
                  f"worst relative error {check['worst_relative_error']:.1e}  {verdict}")
    console.print(f"  each node's local step vs sympy: worst {local['worst_relative_error']:.1e}")
    console.print(f"  finite differences along {directional['directions']} random directions of all "
                  f"parameters: worst {directional['worst_relative_error']:.1e}")
    for failure in local["failures"]:
        console.print(f"  [red]{failure['node']} ({failure['op']}): {failure['message']}[/]")


def print_results(console: Console, result: dict, losses: list[float]) -> None:
    rows = [(step, losses[step]) for step in display.checkpoint_steps(len(losses))]
    console.print(display.loss_table("training loss", ["step", "loss"], rows))
    console.print(f"  loss, log scale  {display.sparkline(losses, width=48)}")
    console.print(f"  {result['steps']} steps in {result['seconds']:.1f} s "
                  f"({1000 * result['seconds_per_step']:.0f} ms/step, {result['nodes_per_step']:,} nodes per step)")
    table = display.loss_table("held-out predictions", ["input", "expected", "predicted", ""],
                               [(p["input"], p["expected"], p["predicted"], "✓" if p["expected"] == p["predicted"]
                                 else "✗") for p in result["predictions"]])
    if result["accuracy"] is None:
        console.print("held-out exact-match accuracy: not measured, training diverged  [red]short of the target[/]")
        return
    console.print(table)
    mark = "[green]trained[/]" if result["trained"] else "[red]short of the target[/]"
    console.print(f"held-out exact-match accuracy: {100 * result['accuracy']:.1f} % "
                  f"(target {100 * result['target_accuracy']:.0f} %)  {mark}")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parser(prog: str = "python -m problems.transformer") -> argparse.ArgumentParser:
    defaults = Settings()
    p = runner.problem_parser(
        prog,
        __doc__.split("\n")[0],
        steps_help=f"training steps (default {defaults.steps})",
        lr_help=f"Adam's learning rate (default {defaults.lr})",
    )
    p.add_argument("--task", choices=["reverse", "sort"], default=defaults.task, help="what to do with the digits")
    p.add_argument("--length", type=runner.positive_int, default=defaults.length, help="digits per string")
    p.add_argument("--held-out", type=runner.positive_int, default=defaults.held_out, help="strings kept aside")
    p.add_argument("--batch-size", type=runner.positive_int, default=defaults.batch_size, help="sequences per step")
    p.add_argument("--n-embd", type=runner.positive_int, default=defaults.n_embd, help="model width")
    p.add_argument("--n-head", type=runner.positive_int, default=defaults.n_head, help="attention heads")
    p.add_argument("--n-layer", type=runner.positive_int, default=defaults.n_layer, help="Transformer blocks")
    p.add_argument("--no-gradcheck", action="store_true", help="skip verifying one step's gradient")
    return p


def main(argv: Optional[Sequence[str]] = None, *, prog: str = "python -m problems.transformer") -> int:
    """Exit code 0 when held-out accuracy reaches the target and the gradient check passed, 1 when not,
    2 for bad arguments (including settings the model cannot take, e.g. n_embd not a multiple of n_head).
    `prog` names the command in usage and error lines."""

    def run_from(args: argparse.Namespace) -> dict:
        return run(steps=args.steps, seed=args.seed, lr=args.lr, quiet=args.json, plot=args.plot,
                   gradcheck=not args.no_gradcheck, task=args.task, length=args.length, held_out=args.held_out,
                   batch_size=args.batch_size, n_embd=args.n_embd, n_head=args.n_head, n_layer=args.n_layer)

    def reached(result: dict) -> bool:
        return result["trained"] and result["gradcheck"]["ok"] is not False

    return runner.run_main(parser(prog), argv, run_from, reached)


if __name__ == "__main__":
    raise SystemExit(main())
