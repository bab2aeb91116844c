"""Golden tests for the rich renderer: fixed width, no colour, exact text (trailing blanks stripped)."""

from __future__ import annotations

import io

from rich.console import Console, Group

import render_samples as samples
from symcheck.ir import Node, Program
from symcheck.render.console import render_findings, render_report, render_trace
from symcheck.report import Finding, NodeResult, Report, Step, Trace, Verdict



def show(*renderables: object) -> str:
    console = Console(width=100, color_system=None, force_terminal=False, file=io.StringIO())
    console.print(Group(*renderables))
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


FAILING_REPORT = """\
check f = z8 at x = 1.5, y = 0.5  (rtol 1e-06, atol 1e-09)
node  op        value  engine grad  symbolic grad   FD grad  error  ok
──────────────────────────────────────────────────────────────────────
x     input       1.5    -0.199993       0.506702  0.506702    1.4  ✗
y     input       0.5      3.46334        4.17004   4.17004   0.17  ✗
z1    id          1.5    -0.199993       0.506702  0.506702    1.4  ✗
z2    id          0.5      3.46334        4.17004   4.17004   0.17  ✗
z3    mul        0.75      1.48453        1.95566   1.95566   0.24  ✗
z4    add        2.25     -0.94226       -0.47113  -0.47113      1  ✗
z5    sin    0.778073         0.75           0.75      0.75      0  ✓
z6    exp     1.64872         0.75           0.75      0.75      0  ✓
z7    add     2.42679         0.75           0.75      0.75      0  ✓
z8    mul      1.8201            1              1         1      0  ✓
✗ x (input) mismatch: engine -0.199993, symbolic 0.506702
✗ y (input) mismatch: engine 3.46334, symbolic 4.17004
✗ z1 (id) mismatch: engine -0.199993, symbolic 0.506702
✗ z2 (id) mismatch: engine 3.46334, symbolic 4.17004
✗ z3 (mul) mismatch: engine 1.48453, symbolic 1.95566
✗ z4 (add) mismatch: engine -0.94226, symbolic -0.47113
derivations:
  ∂f/∂x = z3*cos(z4) + (z7 + z3*cos(z4))*z2
        = 0.506702
  ∂f/∂y = z3*z6 + (z7 + z3*cos(z4))*z1
        = 4.17004
  ∂f/∂z1 = z3*cos(z4) + (z7 + z3*cos(z4))*z2
         = 0.506702
  ∂f/∂z2 = z3*z6 + (z7 + z3*cos(z4))*z1
         = 4.17004
  ∂f/∂z3 = D(f, z8)*D(z8, z3) + D(f, z4)*D(z4, z3)
         = z7 + z3*cos(z4)
         = 1.95566
  ∂f/∂z4 = D(f, z5)*D(z5, z4)
         = z3*cos(z4)
         = -0.47113
  ∂f/∂z5 = z3
         = 0.75
  ∂f/∂z6 = z3
         = 0.75
  ∂f/∂z7 = z3
         = 0.75
✗ 6 failures; first divergence at z4"""

TRACE_STEPS_4_5 = """\
trace f = z8 at x = 1.5, y = 0.5: 10 backward steps
step 4: before z5._backward()   [z5 = sin(z4)]
  z5.grad = z3 = 0.75  (complete)
  z3.grad = z7 = 2.42679  (pending: z4)
  z2.grad = z3*z6 = 1.23654  (pending: z3)
  z5._backward(): z4.grad += ∂f/∂z5·∂z5/∂z4 = z3*cos(z4) = (0.75)·(-0.628174) = -0.47113
step 5: before z4._backward()   [z4 = add(z3, z1)]
  z4.grad = z3*cos(z4) = -0.47113  (complete)
  z3.grad = z7 = 2.42679  (pending: z4)
  z2.grad = z3*z6 = 1.23654  (pending: z3)
  z4._backward(): z3.grad += ∂f/∂z4·∂z4/∂z3 = z3*cos(z4) = (-0.47113)·(1) = -0.47113
                  z1.grad += ∂f/∂z4·∂z4/∂z1 = z3*cos(z4) = (-0.47113)·(1) = -0.47113
✓ engine, symbolic and finite differences agree on all 10 nodes"""

TRACE_WRONG_STEP = """\
trace f = z8 at x = 1.5, y = 0.5: 10 backward steps
step 5: before z4._backward()   [z4 = add(z3, z1)]  ✗
  z4.grad = z3*cos(z4) = -0.47113  (complete)  ✗ engine holds -0.94226
  z3.grad = z7 = 2.42679  (pending: z4)
  z2.grad = z3*z6 = 1.23654  (pending: z3)
  z4._backward(): z3.grad += ∂f/∂z4·∂z4/∂z3 = z3*cos(z4) = (-0.47113)·(1) = -0.47113
                  z1.grad += ∂f/∂z4·∂z4/∂z1 = z3*cos(z4) = (-0.47113)·(1) = -0.47113
✗ engine grads disagree with the chain rule before 6 step(s), first before step 5 (z4._backward())
✗ x (input) mismatch: engine -0.199993, symbolic 0.506702
✗ y (input) mismatch: engine 3.46334, symbolic 4.17004
✗ z1 (id) mismatch: engine -0.199993, symbolic 0.506702
✗ z2 (id) mismatch: engine 3.46334, symbolic 4.17004
✗ z3 (mul) mismatch: engine 1.48453, symbolic 1.95566
✗ z4 (add) mismatch: engine -0.94226, symbolic -0.47113
✗ 6 failures; first divergence at z4"""


def test_failing_report_lists_table_derivations_failures_and_summary() -> None:
    assert show(samples.report(engine_bug=True)) == FAILING_REPORT


def test_passing_report_shows_claim_and_agreement() -> None:
    text = show(samples.report(claims=(samples.HOLDS,)))
    assert text.splitlines()[-4:] == [
        "✓ claim holds: grad(z3, before=z4) == z7  [symbolic]",
        "    lhs = z7 = 2.42679",
        "    rhs = z7 = 2.42679",
        "✓ engine, symbolic and finite differences agree on all 10 nodes",
    ]


def test_failing_verdict() -> None:
    assert show(samples.FAILS) == (
        "✗ claim fails: grad(z3, before=z4) == z7 + z3*D(z7, z3)  [symbolic]\n"
        "    lhs = z7 = 2.42679\n"
        "    rhs = z3*cos(z4) + z7 = 1.95566\n"
        "    grad(z3, before=z4) holds only the contributions that arrived before z4's step"
    )


def test_trace_steps_filter_shows_grads_in_flight_and_what_each_step_adds() -> None:
    trace = samples.trace()
    assert show(*render_trace(trace, steps={"z5", "z4"})) == TRACE_STEPS_4_5


def test_trace_marks_the_step_where_the_engine_disagrees() -> None:
    trace = samples.trace(engine_bug=True)
    assert show(*render_trace(trace, steps={"z4"})) == TRACE_WRONG_STEP


def test_trace_node_filter_follows_one_grad() -> None:
    lines = show(*render_trace(samples.trace(), node="z3")).splitlines()
    z3_lines = [line for line in lines if line.startswith("  z3.grad")]
    assert z3_lines[:2] == ["  z3.grad = 0  (pending: z4, z8)", "  z3.grad = z7 = 2.42679  (pending: z4)"]
    assert z3_lines[-1] == "  z3.grad = z7 + z3*cos(z4) = 1.95566  (complete)"
    assert "  z4._backward(): z3.grad += ∂f/∂z4·∂z4/∂z3 = z3*cos(z4) = (-0.47113)·(1) = -0.47113" in lines
    assert not any(line.startswith("  z2.grad") for line in lines)


def test_each_step_shows_upstream_and_local_as_numbers_and_an_input_adds_nothing() -> None:
    lines = show(*render_trace(samples.trace(), steps={"z8", "x"})).splitlines()
    assert " " * 18 + "z3.grad += ∂f/∂z8·∂z8/∂z3 = z7 = (1)·(2.42679) = 2.42679" in lines
    assert "  x._backward(): adds nothing (an input has no operands)" in lines


def _chain(n: int, bad: int) -> Report:
    nodes = [Node("x", "input", (), 1.0)] + [Node(f"z{i}", "sin", (f"z{i - 1}" if i > 1 else "x",)) for i in range(1, n)]
    program = Program(tuple(nodes), nodes[-1].name)
    results = [
        NodeResult(node.name, node.op, node.inputs, 0.5, 1.0 + (i == bad), 1.0, 1.0,
                   error=float(i == bad), ok=i != bad)
        for i, node in enumerate(nodes)
    ]
    failures = [Finding(nodes[bad].name, "sin", "local", "wrong local partial")]
    return Report(program, {"x": 1.0}, results, failures=failures)


def test_large_report_shows_worst_rows_first_under_a_summary() -> None:
    lines = show(*render_report(_chain(60, bad=17), max_rows=5)).splitlines()
    assert lines[1].strip() == "worst 5 of 60 nodes, largest error first"
    assert lines[4].split()[:2] == ["z17", "sin"] and lines[4].split()[-1] == "✗"
    assert len([line for line in lines if line[:1] in ("x", "z")]) == 5
    assert "derivations:" not in lines


def test_long_trace_is_cut_with_a_hint() -> None:
    report = _chain(60, bad=3)
    steps = [Step(f"z{i}", "sin", {}, {}, {}, {}, [], number=60 - i) for i in range(59, 0, -1)]
    lines = show(*render_trace(Trace(report, steps, step_count=59), max_steps=4)).splitlines()
    assert [line for line in lines if line.startswith("step")][-1].startswith("step 4: before z56._backward()")
    assert "… 55 more steps (filter with --node NAME or --steps A-B)" in lines


def test_user_text_is_never_markup() -> None:
    program = Program((Node("[bold]x[/bold]", "input", (), 1.0),), "[bold]x[/bold]")
    result = NodeResult("[bold]x[/bold]", "input", (), 1.0, 1.0, 1.0, 1.0, error=0.0)
    finding = Finding("[red]n", "[link=http://e]op", "mismatch", "[/] broken")
    report = Report(program, {"[bold]x[/bold]": 1.0}, [result], failures=[finding])
    text = show(report, Verdict("[i]c[/i]", True, "numeric", "[b]", 1.0, "[b]", 1.0))
    assert "[bold]x[/bold]" in text
    assert "✗ [red]n ([link=http://e]op) mismatch: [/] broken" in text
    assert "✓ claim holds: [i]c[/i]  [numeric]" in text


def test_long_flags_wrap_with_a_hanging_indent() -> None:
    report = samples.report()
    report.flags = [Finding("z5", "relu", "nondifferentiable", "relu(z4) at z4 = 0 is not differentiable; " * 3)]
    lines = show(report).splitlines()
    start = lines.index(
        "! z5 (relu) nondifferentiable: relu(z4) at z4 = 0 is not differentiable; relu(z4) at z4 = 0 is not"
    )
    assert lines[start + 1:start + 3] == [
        "  differentiable; relu(z4) at z4 = 0 is not differentiable;",
        "derivations:",
    ]


def test_many_pending_consumers_are_counted_not_listed() -> None:
    report = _chain(3, bad=2)
    users = tuple(f"u{i}" for i in range(10))
    step = Step("z2", "sin", {"x": 0.0}, {"x": "0"}, {"x": 0.0}, {"x": users}, [])
    lines = show(*render_trace(Trace(report, [step]), node="x")).splitlines()
    assert lines[2] == "  x.grad = 0  (pending: u0, u1, u2, u3, u4, u5, … 4 more)"


def test_big_numbers_are_never_cut_in_an_80_column_table() -> None:
    program = Program((Node("x", "input", (), 3.0), Node("logsumexp_node", "logsumexp", ("x",))), "logsumexp_node")
    big = NodeResult("x", "input", (), -5.28491e108, -1.06150e-10, -1.06150e-10, -1.06151e-10, error=1.2e-15)
    report = Report(program, {"x": 3.0}, [big, NodeResult("logsumexp_node", "logsumexp", ("x",), 3.0, 1.0, 1.0, 1.0, error=0.0)])
    console = Console(width=80, color_system=None, force_terminal=False, file=io.StringIO())
    console.print(Group(*render_report(report)))
    text = console.file.getvalue()
    assert "…" not in text
    assert "-5.28491e108" in text and "-1.0615e-10" in text and "-1.06151e-10" in text and "1.2e-15" in text


def test_a_long_derivation_wraps_under_its_equals_sign() -> None:
    report = samples.report()
    z3 = report.node("z3")
    z3.grad_symbolic = " + ".join(f"z{i}*cos(z{i})" for i in range(1, 9))
    console = Console(width=60, color_system=None, force_terminal=False, file=io.StringIO())
    console.print(Group(*render_report(report)))
    lines = [line.rstrip() for line in console.file.getvalue().splitlines()]
    start = lines.index("         = z1*cos(z1) + z2*cos(z2) + z3*cos(z3) + z4*cos(z4)")
    assert lines[start + 1:start + 4] == [
        "           + z5*cos(z5) + z6*cos(z6) + z7*cos(z7) +",
        "           z8*cos(z8)",
        "         = 1.95566",
    ]


def test_a_long_claim_side_is_cut_with_a_note_and_json_keeps_it_whole() -> None:
    from dataclasses import replace

    from symcheck.render.json_render import dumps

    long_side = " + ".join(f"cos(a{i})" for i in range(2000))  # ~20 000 characters
    verdict = replace(samples.HOLDS, lhs_symbolic=long_side, rhs_symbolic=long_side)
    text = show(verdict)
    assert len(text) < 1500
    assert "= 2.42679" in text and "cos(a0) + cos(a1)" in text and "cos(a1999)" not in text
    assert "(sides cut at 300 characters; --json prints them in full)" in text
    assert long_side in dumps(verdict.to_json())


def test_a_domain_flag_shows_and_the_summary_counts_nodes_without_a_symbolic_value() -> None:
    from symcheck.compare import check_program
    from symcheck.parse import parse_expression
    from symcheck.tracing import trace_program

    program = parse_expression("x**x")
    text = " ".join(show(check_program(program, at={"x": 0.0})).split())
    assert "! z1 (pow) domain: ∂z1/∂x = x**x·log(x) + x**x has no value at x = 0" in text
    assert "no disagreement on 2 nodes; 1 without a symbolic value (see the domain flag)" in text
    traced = " ".join(show(trace_program(program, at={"x": 0.0})).split())
    assert "sympy has no value here, accepted: see the domain flag" in traced and "✗" not in traced


def test_a_finding_that_covers_many_nodes_names_the_others_on_a_line_of_its_own() -> None:
    report = _chain(12, bad=5)
    nodes = tuple(f"z{k}" for k in range(1, 12))
    report.failures = [Finding("z1", "+", "accumulation", "node z1 (+): overwrites x.grad", nodes)]
    text = show(*render_findings(report.failures, "✗"))
    assert text == ("✗ z1 (+) accumulation: node z1 (+): overwrites x.grad\n"
                    "    the same at 10 more nodes: z2, z3, z4, z5, z6, z7, z8, z9, … 2 more")
