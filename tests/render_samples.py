"""Hand-built Report / Trace / Verdict objects of the homework graph, for the renderers' golden tests.

Built without the checker (plain arithmetic and hand-written partials), so the
renderer tests depend on nothing but `symcheck.report` and `symcheck.ir`.
"""

from __future__ import annotations

from dataclasses import replace

import math

from symcheck.ir import Claim, Node, Program
from symcheck.report import Contribution, Finding, NodeResult, Report, Step, Trace, Verdict

X, Y = 1.5, 0.5

def homework(x: float = X, y: float = Y, claims: tuple[Claim, ...] = ()) -> Program:
    """DESIGN.md's graph: z8 = (sin(z1 z2 + z1) + exp(z2)) · z1 z2 (shared by the tests of several modules)."""
    return Program(
        (
            Node("x", "input", (), x),
            Node("y", "input", (), y),
            Node("z1", "id", ("x",)),
            Node("z2", "id", ("y",)),
            Node("z3", "mul", ("z1", "z2")),
            Node("z4", "add", ("z3", "z1")),
            Node("z5", "sin", ("z4",)),
            Node("z6", "exp", ("z2",)),
            Node("z7", "add", ("z5", "z6")),
            Node("z8", "mul", ("z7", "z3")),
        ),
        "z8",
        claims,
    )


PROGRAM = homework()

V: dict[str, float] = {"x": X, "y": Y, "z1": X, "z2": Y}
V["z3"] = V["z1"] * V["z2"]
V["z4"] = V["z3"] + V["z1"]
V["z5"] = math.sin(V["z4"])
V["z6"] = math.exp(V["z2"])
V["z7"] = V["z5"] + V["z6"]
V["z8"] = V["z7"] * V["z3"]

# node -> [(parent, ∂node/∂parent as text, its value)]
PARTIALS: dict[str, list[tuple[str, str, float]]] = {
    "z8": [("z7", "z3", V["z3"]), ("z3", "z7", V["z7"])],
    "z7": [("z5", "1", 1.0), ("z6", "1", 1.0)],
    "z6": [("z2", "z6", V["z6"])],
    "z5": [("z4", "cos(z4)", math.cos(V["z4"]))],
    "z4": [("z3", "1", 1.0), ("z1", "1", 1.0)],
    "z3": [("z1", "z2", V["z2"]), ("z2", "z1", V["z1"])],
    "z2": [("y", "1", 1.0)],
    "z1": [("x", "1", 1.0)],
}
ORDER = ["z8", "z7", "z6", "z5", "z4", "z3", "z2", "z1", "y", "x"]
CONSUMERS = PROGRAM.consumers()


def _times(adjoint: str, partial: str) -> str:
    if adjoint == "1":
        return partial
    if partial == "1":
        return adjoint
    left = f"({adjoint})" if "+" in adjoint else adjoint
    return f"{left}*{partial}"


def _run(engine_bug: bool = False) -> tuple[dict[str, float], dict[str, str], list[Step]]:
    """Run the backward pass by hand; `engine_bug` doubles what z5's local step adds (a wrong `_backward`)."""
    grads = {name: 0.0 for name in ORDER}
    expected = {name: 0.0 for name in ORDER}
    terms: dict[str, list[str]] = {name: [] for name in ORDER}
    arrived: dict[str, list[str]] = {name: [] for name in ORDER}
    grads["z8"], expected["z8"], terms["z8"] = 1.0, 1.0, ["1"]
    steps = []
    for name in ORDER:
        symbolic = {n: " + ".join(t) or "0" for n, t in terms.items()}
        pending = {n: tuple(u for u in CONSUMERS[n] if u not in arrived[n]) for n in ORDER}
        ok = all(math.isclose(grads[n], expected[n], rel_tol=1e-6, abs_tol=1e-9) for n in ORDER)
        step = Step(name, PROGRAM.node(name).op, dict(grads), symbolic, dict(expected), pending, [], ok)
        for parent, text, value in PARTIALS.get(name, []):
            factor = 2.0 if engine_bug and name == "z5" else 1.0
            term = _times(symbolic[name], text)
            step.adds.append(Contribution(parent, term, term, expected[name] * value, upstream=expected[name],
                                          local=value, local_term=text))
            grads[parent] += grads[name] * value * factor
            expected[parent] += expected[name] * value
            terms[parent].append(term)
            arrived[parent].append(name)
        steps.append(step)
    return grads, {n: " + ".join(t) or "0" for n, t in terms.items()}, steps


def _error(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def report(engine_bug: bool = False, claims: tuple[Verdict, ...] = ()) -> Report:
    """The homework graph's check report (with z5's step wrong when `engine_bug`)."""
    grads = _final(engine_bug)
    _, expected_symbolic, _ = _run(False)
    final_expected = _final(False)
    results = []
    failures = []
    for node in PROGRAM.nodes:
        name = node.name
        ok = math.isclose(grads[name], final_expected[name], rel_tol=1e-6, abs_tol=1e-9)
        results.append(NodeResult(
            name, node.op, node.inputs, V[name], grads[name], final_expected[name],
            grad_fd=final_expected[name] * (1 + 1e-9),
            grad_symbolic=expected_symbolic[name],
            grad_expanded=None,
            chain_rule=CHAIN_RULES.get(name),
            chain_rule_latex=CHAIN_RULES_LATEX.get(name),
            grad_symbolic_latex=SYMBOLIC_LATEX.get(name),
            error=_error(grads[name], final_expected[name]),
            ok=ok,
        ))
        if not ok:
            failures.append(Finding(name, node.op, "mismatch",
                                    f"engine {grads[name]:.6g}, symbolic {final_expected[name]:.6g}"))
    return Report(
        PROGRAM, {"x": X, "y": Y}, results, failures=failures, claims=list(claims),
        first_divergence=failures[-1].node if failures else None,
    )


def _final(engine_bug: bool) -> dict[str, float]:
    """Every node's grad after the whole pass (engine's when `engine_bug`, else the true adjoints)."""
    grads, _, steps = _run(engine_bug)
    if engine_bug:
        return grads
    expected = dict(steps[-1].expected_before)
    for c in steps[-1].adds:
        expected[c.target] += c.value
    return expected


def trace(engine_bug: bool = False) -> Trace:
    _, _, steps = _run(engine_bug)
    numbered = [replace(step, number=ORDER.index(step.node) + 1) for step in steps]
    return Trace(report(engine_bug), numbered, step_count=len(ORDER),
                 consumers={name: tuple(reversed(users)) for name, users in CONSUMERS.items()})


CHAIN_RULES = {
    "z3": "D(f, z8)*D(z8, z3) + D(f, z4)*D(z4, z3)",
    "z4": "D(f, z5)*D(z5, z4)",
}
CHAIN_RULES_LATEX = {
    "z3": r"\frac{\partial f}{\partial z_{8}} \frac{\partial z_{8}}{\partial z_{3}} + "
          r"\frac{\partial f}{\partial z_{4}} \frac{\partial z_{4}}{\partial z_{3}}",
    "z4": r"\frac{\partial f}{\partial z_{5}} \frac{\partial z_{5}}{\partial z_{4}}",
}
SYMBOLIC_LATEX = {
    "z3": r"z_{3} \cos{\left(z_{4} \right)} + z_{7}",
    "z4": r"z_{3} \cos{\left(z_{4} \right)}",
}

HOLDS = Verdict(
    "grad(z3, before=z4) == z7", True, "symbolic", "z7", V["z7"], "z7", V["z7"],
)
FAILS = Verdict(
    "grad(z3, before=z4) == z7 + z3*D(z7, z3)", False, "symbolic", "z7", V["z7"],
    "z3*cos(z4) + z7", V["z7"] + V["z3"] * math.cos(V["z4"]),
    message="grad(z3, before=z4) holds only the contributions that arrived before z4's step",
)
