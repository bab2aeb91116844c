"""Homework part 2: gradient descent with ag.Scalar, on problems whose answer we know.

Three problems, each with an optimum known in closed form, so that we can say
not only "the loss went down" but "we arrived, to within this distance":

1. **Least-squares linear regression** on a seeded synthetic data set.
   Loss  L(w, b) = (1/n) Σᵢ (w·xᵢ + b − yᵢ)².
   Optimum from the normal equations  (XᵀX) θ* = Xᵀy  with X = [x 1],
   solved exactly by sympy in rational arithmetic.
2. **Logistic regression** on points drawn at three distinct locations.
   Loss  L(w, b) = (1/n) Σᵢ [ log(1 + e^zᵢ) − yᵢ zᵢ ],  zᵢ = w·xᵢ + b.
   With three affinely independent locations and three parameters the model
   can match every location's observed frequency p̂ₖ exactly, so the optimum
   solves the linear system  w·xₖ + b = logit(p̂ₖ) = log(p̂ₖ / (1 − p̂ₖ)).
3. **The Rosenbrock function**  f(x, y) = (1 − x)² + 100 (y − x²)²,
   minimum f(1, 1) = 0, descended with momentum (the heavy ball):
   v ← μ v + ∇f,  θ ← θ − η v.

Every run checks the gradient of its first steps with symcheck (engine vs
symbolic vs finite differences), shows a progress bar and a loss table, and
reports the distance to the optimum. A learning rate that makes the loss blow
up is caught and reported, not left to crash.

Run it:  python -m problems.gradient_descent   (or: symcheck run gradient_descent)
"""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import sympy
from rich.console import Console
from rich.markup import escape

from symcheck.own import ag  # symcheck's own ag, even beside a course's ag.py (see symcheck/own.py)

from . import display, runner

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

GRADCHECK_STEPS = 2  # verify the gradient of this many first steps with symcheck
EXPLODED = 1e12  # a loss this many times the starting loss counts as diverged


@dataclass
class Problem:
    """One optimisation problem: a loss of the parameters, where to start, where the optimum is."""

    name: str
    title: str
    loss: Callable[[list[ag.Scalar]], ag.Scalar]  # parameters -> loss Scalar
    start: list[float]  # initial parameter values
    optimum: list[float]  # the known minimiser
    optimum_formula: str  # how we know it
    lr: float  # learning rate η
    momentum: float  # μ (0 = plain gradient descent)
    steps: int  # default number of steps
    tolerance: float  # converged when ‖θ − θ*‖ ≤ tolerance


# ---------------------------------------------------------------------------
# Problem 1: least-squares linear regression
# ---------------------------------------------------------------------------


def linear_regression(seed: int) -> Problem:
    """y = 2·x₁ − 3·x₂ + 0.5 + noise, 40 points, x uniform in [−1, 1]²."""
    rng = random.Random(seed)
    xs = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(40)]
    ys = [2.0 * x1 - 3.0 * x2 + 0.5 + rng.gauss(0.0, 0.1) for x1, x2 in xs]

    def loss(params: list[ag.Scalar]) -> ag.Scalar:
        w, b = params[:2], params[2]
        residuals = [ag.dot(w, x) + b - y for x, y in zip(xs, ys)]
        return ag.mean([r**2 for r in residuals])

    return Problem(
        name="linear_regression",
        title="least-squares linear regression",
        loss=loss,
        start=[0.0, 0.0, 0.0],
        optimum=normal_equations(xs, ys),
        optimum_formula="the normal equations (XᵀX) θ* = Xᵀy, exact",
        lr=0.5,  # below 2/λ_max of the Hessian (2/n)XᵀX, so it converges
        momentum=0.0,
        steps=150,
        tolerance=1e-6,
    )


def normal_equations(xs: Sequence[tuple[float, float]], ys: Sequence[float]) -> list[float]:
    """θ* = (XᵀX)⁻¹ Xᵀy in exact rational arithmetic (every float is a rational), rounded at the end."""
    X = sympy.Matrix([[sympy.Rational(x1), sympy.Rational(x2), 1] for x1, x2 in xs])
    y = sympy.Matrix([sympy.Rational(v) for v in ys])
    theta = (X.T * X).LUsolve(X.T * y)
    return [float(v) for v in theta]


# ---------------------------------------------------------------------------
# Problem 2: logistic regression
# ---------------------------------------------------------------------------

LOCATIONS = [(-1.0, 0.0), (1.0, -0.5), (0.0, 1.0)]  # three affinely independent points
TRUE_PROBABILITIES = [0.2, 0.7, 0.55]  # P(y = 1) at each location
SAMPLES_PER_LOCATION = 20


def logistic_regression(seed: int) -> Problem:
    """Labels drawn at three locations; the fitted probabilities must equal the observed frequencies."""
    rng = random.Random(seed + 1)
    xs: list[tuple[float, float]] = []
    ys: list[float] = []
    positives = []
    for location, p in zip(LOCATIONS, TRUE_PROBABILITIES):
        labels = draw_labels(rng, p, SAMPLES_PER_LOCATION)
        positives.append(sum(labels))
        xs += [location] * len(labels)
        ys += labels

    def loss(params: list[ag.Scalar]) -> ag.Scalar:
        w, b = params[:2], params[2]
        zs = [ag.dot(w, x) + b for x in xs]
        # log(1 + e^z) written as logsumexp(0, z): the numerically stable form.
        return ag.mean([ag.logsumexp([0.0, z]) - y * z for z, y in zip(zs, ys)])

    return Problem(
        name="logistic_regression",
        title="logistic regression",
        loss=loss,
        start=[0.0, 0.0, 0.0],
        optimum=logit_solution(positives, SAMPLES_PER_LOCATION),
        optimum_formula="w·xₖ + b = logit(p̂ₖ) at each location, exact",
        lr=4.0,  # the logistic Hessian is small (σ' ≤ 1/4), so a large step is safe
        momentum=0.0,
        steps=300,
        tolerance=1e-4,
    )


def draw_labels(rng: random.Random, p: float, n: int) -> list[float]:
    """n Bernoulli(p) labels, redrawn until both classes occur (else the optimum is at infinity)."""
    while True:
        labels = [1.0 if rng.random() < p else 0.0 for _ in range(n)]
        if 0 < sum(labels) < n:
            return labels


def logit_solution(positives: Sequence[float], n: int) -> list[float]:
    """Solve [xₖ 1] θ = log(kₖ / (n − kₖ)) for θ = (w₁, w₂, b), exactly, then evaluate."""
    M = sympy.Matrix([[sympy.Rational(a), sympy.Rational(c), 1] for a, c in LOCATIONS])
    logits = sympy.Matrix([sympy.log(sympy.Rational(int(k), n - int(k))) for k in positives])
    theta = M.LUsolve(logits)
    return [float(sympy.N(v, 30)) for v in theta]


# ---------------------------------------------------------------------------
# Problem 3: the Rosenbrock function, with momentum
# ---------------------------------------------------------------------------


def rosenbrock(seed: int) -> Problem:
    """f(x, y) = (1 − x)² + 100 (y − x²)², from the classic start (−1.2, 1)."""

    def loss(params: list[ag.Scalar]) -> ag.Scalar:
        x, y = params
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    return Problem(
        name="rosenbrock",
        title="Rosenbrock function, with momentum",
        loss=loss,
        start=[-1.2, 1.0],
        optimum=[1.0, 1.0],
        optimum_formula="∇f = 0 only at (1, 1), where f = 0",
        lr=1e-3,  # the valley's walls are steep: curvature ~1000 across, ~0.4 along
        momentum=0.9,
        steps=4000,
        tolerance=1e-4,
    )


PROBLEMS: dict[str, Callable[[int], Problem]] = {
    "linear_regression": linear_regression,
    "logistic_regression": logistic_regression,
    "rosenbrock": rosenbrock,
}


# ---------------------------------------------------------------------------
# The training loop
# ---------------------------------------------------------------------------


class Diverged(Exception):
    """The run went the wrong way: the loss stopped being a finite number of sensible size, or rose."""

    def __init__(self, step: int, what: str, losses: list[float]) -> None:
        super().__init__(f"diverged at step {step}: {what}")
        self.step = step
        self.what = what
        self.losses = losses  # the finite losses up to here, for the plot of the blow-up


def descend(
    problem: Problem,
    *,
    steps: int,
    lr: float,
    bar: Optional[display.Bar] = None,
    on_step: Optional[Callable[[int, float, list[float]], None]] = None,
    gradcheck: Optional[dict] = None,
    gradcheck_steps: int = GRADCHECK_STEPS,
) -> tuple[list[float], list[float], dict]:
    """Run `steps` steps of (momentum) gradient descent; return (parameters, losses, gradcheck).

    `gradcheck` ({"nodes": 0, "ok": True} by default) collects symcheck's verdicts on the
    first `gradcheck_steps` steps. Raises `Diverged` (carrying the step) when the loss,
    a gradient or a parameter stops being finite, when the loss grows 10¹² times past
    its start, or when it ends above where it started.
    """
    params = [ag.Scalar(v, label=f"θ{i + 1}") for i, v in enumerate(problem.start)]
    velocity = [0.0] * len(params)
    losses: list[float] = []
    gradcheck = {"nodes": 0, "ok": True} if gradcheck is None else gradcheck
    for step in range(steps):
        # forward: build the loss graph at the current parameters
        loss = evaluate_loss(problem, params, step, losses)
        losses.append(loss.data)
        # check the engine's gradient for the first few steps, before our own backward
        if step < gradcheck_steps:
            merge_gradcheck(gradcheck, verify_gradient(loss))
        # backward: ∂loss/∂θ lands in each parameter's .grad
        ag.zero_grad(params)
        loss.backward()
        grads = [p.grad for p in params]
        if not all(math.isfinite(g) for g in grads):
            raise Diverged(step, "the gradient became inf/NaN", losses)
        # update: v ← μ v + ∇L, θ ← θ − η v   (μ = 0 is plain gradient descent)
        for i, p in enumerate(params):
            velocity[i] = problem.momentum * velocity[i] + p.grad
            p.data -= lr * velocity[i]
        if not all(math.isfinite(p.data) for p in params):
            raise Diverged(step, "a parameter overflowed to inf/NaN", losses)
        if on_step is not None:
            on_step(step, loss.data, [p.data for p in params])
        if bar is not None:
            bar.step(loss.data)
    if len(losses) > 1 and losses[-1] > losses[0]:
        # A bounded loss (the logistic one grows only linearly) never overflows: a step too
        # large shows instead as a loss that ends above where it started.
        raise Diverged(steps - 1, f"the loss rose from {losses[0]:.4g} to {losses[-1]:.4g} instead of falling",
                       losses)
    return [p.data for p in params], losses, gradcheck


def evaluate_loss(problem: Problem, params: list[ag.Scalar], step: int, losses: list[float]) -> ag.Scalar:
    """The loss at the current parameters, or `Diverged` if it overflowed or exploded."""
    try:
        loss = problem.loss(params)
    except (ag.DomainError, OverflowError) as error:
        raise Diverged(step, f"the loss overflowed ({error})", losses) from None
    if not math.isfinite(loss.data):
        raise Diverged(step, f"the loss became {loss.data}", losses)
    if losses and loss.data > EXPLODED * max(losses[0], 1.0):
        raise Diverged(step, f"the loss exploded to {loss.data:.3g}", [*losses, loss.data])
    return loss


def verify_gradient(loss: ag.Scalar) -> dict:
    """symcheck's three witnesses (engine, symbolic, finite differences) on every node of `loss`."""
    import symcheck

    report = symcheck.check(loss)
    return {"nodes": len(report.nodes), "ok": bool(report.ok), "failures": [f.to_dict() for f in report.failures]}


def merge_gradcheck(total: dict, step: dict) -> None:
    total["nodes"] += step["nodes"]
    total["ok"] = total["ok"] and step["ok"]
    if step.get("failures"):
        total.setdefault("failures", []).extend(step["failures"])


def optimal_loss(problem: Problem) -> float:
    """L(θ*): the loss at the known optimum (no graph needed)."""
    with ag.no_grad():
        return problem.loss([ag.Scalar(v) for v in problem.optimum]).data


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    """Euclidean distance ‖a − b‖ (math.dist: no overflow on the way to a huge one)."""
    return math.dist(a, b)


# ---------------------------------------------------------------------------
# One problem end to end, and all of them
# ---------------------------------------------------------------------------


def solve(
    problem: Problem,
    *,
    steps: Optional[int],
    lr: Optional[float],
    console: Console,
    bars: display.Bars,
    gradcheck_steps: int = GRADCHECK_STEPS,
) -> dict:
    """Train one problem, print its table, and return its JSON-able result."""
    steps = problem.steps if steps is None else steps
    lr = problem.lr if lr is None else lr
    trajectory: dict[int, tuple[float, float]] = {}
    wanted = set(display.checkpoint_steps(steps))

    def remember(step: int, loss: float, params: list[float]) -> None:
        if step in wanted:
            trajectory[step] = (loss, distance(params, problem.optimum))

    result: dict = {"name": problem.name, "lr": lr, "momentum": problem.momentum, "steps": steps,
                    "gradcheck_steps": gradcheck_steps}
    gradcheck: dict = {"nodes": 0, "ok": True}
    try:
        params, losses, _ = descend(
            problem, steps=steps, lr=lr, bar=bars.bar(problem.name, steps), on_step=remember, gradcheck=gradcheck,
            gradcheck_steps=gradcheck_steps,
        )
    except Diverged as error:
        suggestion = problem.lr if lr > problem.lr else lr / 10  # this problem's own rate converges
        message = f"{problem.name}: {error}; try a smaller --lr (e.g. {suggestion:g})"
        console.print(f"[bold red]{message}[/]")
        result.update(converged=False, diverged=True, diverged_at=error.step, message=message,
                      final_loss=None, optimum=problem.optimum, distance=None, tolerance=problem.tolerance,
                      gradcheck=gradcheck, losses=error.losses, optimal_loss=optimal_loss(problem))
        return result
    gap = distance(params, problem.optimum)
    result.update(
        converged=gap <= problem.tolerance,
        diverged=False,
        final_loss=losses[-1],
        parameters=params,
        optimum=problem.optimum,
        distance=gap,
        tolerance=problem.tolerance,
        gradcheck=gradcheck,
        losses=losses,
        optimal_loss=optimal_loss(problem),
    )
    print_summary(console, problem, result, trajectory)
    return result


def print_summary(console: Console, problem: Problem, result: dict, trajectory: dict) -> None:
    """The loss table at checkpoints, a sparkline of the loss gap, the gradient check, the distance."""
    rows = [(step, loss, gap) for step, (loss, gap) in sorted(trajectory.items())]
    console.print(display.loss_table(problem.title, ["step", "loss", "‖θ − θ*‖"], rows))
    console.print(f"  η = {result['lr']:g}, μ = {problem.momentum:g}, {result['steps']} steps")
    console.print(f"  loss − L(θ*), log scale  {display.sparkline(loss_gaps(result), width=48)}")
    check = result["gradcheck"]
    verdict = "[green]ok[/]" if check["ok"] else "[red]MISMATCH[/]"
    console.print(
        f"  gradient check (symcheck, first {result['gradcheck_steps']} steps): {check['nodes']} nodes, {verdict}"
    )
    console.print(f"  known optimum from {escape(problem.optimum_formula)}")
    console.print(f"  optimum θ* = {fmt(problem.optimum)}")
    console.print(f"  reached θ  = {fmt(result['parameters'])}")
    mark = "[green]converged[/]" if result["converged"] else "[red]not converged[/]"
    console.print(f"  ‖θ − θ*‖ = {result['distance']:.3g}  (tolerance {problem.tolerance:g})  {mark}\n")


def loss_gaps(result: dict) -> list[float]:
    """L(θₖ) − L(θ*) per step, floored at 1e-16 (rounding can push it to 0 or below) for log scales."""
    return [max(loss - result["optimal_loss"], 1e-16) for loss in result["losses"]]


def fmt(values: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:.6f}" for v in values) + ")"


def run(
    *,
    steps: Optional[int] = None,
    seed: int = 0,
    quiet: bool = False,
    console: Optional[Console] = None,
    lr: Optional[float] = None,
    problems: Optional[Sequence[str]] = None,
    plot: Optional[str] = None,
    gradcheck_steps: int = GRADCHECK_STEPS,
    plain: bool = False,
    progress: Optional[Console] = None,
) -> dict:
    """Run the chosen problems (default: all three) and return a JSON-able summary.

    `lr` overrides every problem's learning rate; `gradcheck_steps` is how many first
    steps symcheck verifies (0 skips the check). Results go to `console` (stdout by default,
    nothing when `quiet`, no colour when `plain`); progress bars to `progress` (by default
    stderr, when it is a terminal and the run is not quiet).

    Returns ``{"converged", "final_loss" (sum over problems), "final_losses", "problems": [...]}``
    where each problem's entry has name, converged, final_loss, optimum, distance,
    tolerance, gradcheck {nodes, ok}, diverged and the loss curve ``losses``.
    """
    names = list(problems) if problems else list(PROBLEMS)
    for name in names:
        if name not in PROBLEMS:
            raise ValueError(f"unknown problem {name!r}; choose from {', '.join(PROBLEMS)}")
    out = display.make_console(console, quiet, plain=plain)
    bars_console = progress if progress is not None else display.progress_console(quiet=quiet, plain=plain)
    results = []
    with display.Bars(bars_console) as bars:
        for name in names:
            problem = PROBLEMS[name](seed)
            results.append(
                solve(problem, steps=steps, lr=lr, console=out, bars=bars, gradcheck_steps=gradcheck_steps)
            )
    if plot:
        curves = {r["name"]: loss_gaps(r) for r in results if r.get("losses")}
        display.save_plot(curves, plot, title="gradient descent with ag.Scalar: loss − L(θ*)")
        out.print(f"loss curves written to {plot}")
    losses = {r["name"]: r["final_loss"] for r in results}
    finite = [v for v in losses.values() if v is not None]
    return {
        "converged": all(r["converged"] for r in results),
        "final_loss": math.fsum(finite) if len(finite) == len(losses) else None,
        "final_losses": losses,
        "seed": seed,
        "problems": results,
        "gradcheck": {"nodes": sum(r["gradcheck"]["nodes"] for r in results),
                      "ok": all(r["gradcheck"]["ok"] for r in results)},
    }


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parser(prog: str = "python -m problems.gradient_descent") -> argparse.ArgumentParser:
    p = runner.problem_parser(
        prog,
        "Gradient descent with ag.Scalar on three problems whose optimum is known in closed form: "
        "least-squares linear regression, logistic regression, and the Rosenbrock function with momentum. "
        "symcheck checks the gradient of each problem's first steps; a progress bar per problem shows the "
        "loss as it falls; each problem ends with a loss table and its distance to the optimum. Exit code "
        "0 when every problem converged and its gradient check passed.",
        steps_help="steps per problem (default: each problem's own)",
        lr_help="learning rate for every problem run (default: each problem's own)",
        example_lines=(f"{prog}", f"{prog} --problem rosenbrock --steps 8000",
                       f"{prog} --lr 5 --problem logistic_regression --json"),
    )
    p.add_argument("--problem", choices=list(PROBLEMS), action="append", help="run only this problem (repeatable)")
    p.add_argument("--gradcheck-steps", type=runner.non_negative_int, default=GRADCHECK_STEPS, metavar="N",
                   help=f"verify the gradient of the first N steps with symcheck (default {GRADCHECK_STEPS}; 0 skips)")
    return p


def main(argv: Optional[Sequence[str]] = None, *, prog: str = "python -m problems.gradient_descent") -> int:
    """Exit code 0 when every problem converged and its gradient check passed, 1 when not (or diverged),
    2 for bad arguments. `prog` names the command in usage and error lines."""

    def run_from(args: argparse.Namespace) -> dict:
        return run(steps=args.steps, seed=args.seed, lr=args.lr, problems=args.problem, quiet=args.json,
                   plot=args.plot, gradcheck_steps=args.gradcheck_steps, plain=args.no_color)

    def reached(result: dict) -> bool:
        return result["converged"] and result["gradcheck"]["ok"]

    return runner.run_main(parser(prog), argv, run_from, reached)


if __name__ == "__main__":
    raise SystemExit(main())
