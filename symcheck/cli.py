"""The ``symcheck`` command (also ``python -m symcheck``).

Exit codes (DESIGN.md): 0 everything agrees / the claim holds; 1 a
disagreement / the claim fails (a one-line reproducer command goes to
stderr); 2 bad input or usage (one line on stderr); 3 an internal error (the
only case that prints a traceback); 4 the environment failed (stdout closed,
full or gone, a file that cannot be written, no memory left, a package of
symcheck's missing: one line naming the cause). A stdout that cannot
encode symcheck's symbols (✓, ∂, ─) gets ASCII spellings of them instead of
an error.

Only argparse is imported at start-up; each command imports what it needs
(the help's formatter, rich-argparse, only when help is shown), so
``symcheck problems`` is instant. Every command's ``--help`` has a paragraph
and real examples (`HELP`); ``--version`` and ``--no-color`` work on every
command, before or after its name.
"""

from __future__ import annotations

import argparse
import codecs
import errno
import os
import re
import shlex
import sys
import traceback
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, TextIO

from symcheck.render.help import HELP_WIDTH, HelpParser, VersionAction, examples, help_formatter, plain_help, wrapped

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_ENVIRONMENT = 0, 1, 2, 3, 4
DEFAULT_RTOL, DEFAULT_ATOL = 1e-6, 1e-9

# -- help texts ------------------------------------------------------------------------
# Each command's --help: a one-paragraph description (wrapped), then sections kept as
# written (TARGET, the claim language, the problems), then two or three real examples.

DESCRIPTION = (
    "Check derivatives three ways and explain backpropagation. For every node of a computation graph, "
    "symcheck compares the .grad an engine's backward pass left there with sympy's derivative of the "
    "node's forward formula and with a finite difference; it replays the backward pass step by step, "
    "and judges claims such as grad(z3, before=z4) == z7. Each command has its own --help."
)

TARGET_HELP = """TARGET, what to check, is tried as:
  a built-in problem     backprop (the homework's graph; `symcheck problems`)
  a program file         mygraph.sc: one `name = expression` per line; a name
                         bound to a number is an input, the last line is f
  an expression          'x*sin(y) + exp(x)', quoted; e and pi are constants
Inputs take their values from --at (an expression's inputs all at once;
several --at add up), else the program's own (x = 1.5), else the default
point, which the output's header then names."""

CLAIM_LANGUAGE = """CLAIM is an equation LHS == RHS about the graph, in this language:
  z3, x                  a node's value (any node of the graph)
  f                      the output (its own name works too)
  D(a, b)                ∂a/∂b along every path from b to a; D(f, b) is b's
                         adjoint, what b.grad holds when backward is over
  local(a, b)            the local partial ∂a/∂b of a's op (b an operand of a)
  ∂f/∂z4, df/dz4         the textbook notation: ∂f/∂b is b's adjoint, ∂a/∂b
                         between neighbours is local(a, b), else D(a, b)
  grad(b, before=c)      what b.grad holds right before c._backward() runs
  + - * / **, numbers    arithmetic; the op table's functions (exp log sqrt
                         sin cos tanh sigmoid relu abs sum dot mean softmax …)
Two expressions must agree at every point (sympy proves it, or samples near
the point); a plain number is a value at the point, judged to the digits
written: D(f, y) == 4.17004 (or ≈ 4.17). A claim with a backslash or a $ is
read as LaTeX: '\\frac{\\partial f}{\\partial z_4} = ...'."""

EXAMPLES = (
    "symcheck check 'x*sin(y)' --at x=1.5,y=0.5",
    "symcheck trace backprop --steps 5",
    "symcheck claim backprop 'grad(z3, before=z4) == z7'",
    "symcheck check mygraph.sc --latex",
    "symcheck grade answers.tex --graph backprop",
    "symcheck run gradient_descent",
)

STEPS_HELP = """Steps are numbered in the whole backward pass, the output's step first (1);
--steps and --node choose what to show and never renumber: step 5 of the
homework's graph is the moment right before z4._backward()."""


@dataclass(frozen=True)
class CommandHelp:
    """What ``symcheck COMMAND --help`` says: a summary line, a paragraph, sections, examples."""

    summary: str
    description: str
    examples: tuple[str, ...]
    sections: tuple[str, ...] = ()

    def epilog(self, extra: Sequence[str] = ()) -> str:
        return "\n\n".join([*self.sections, *extra, examples(self.examples)])


HELP: dict[str, CommandHelp] = {
    "check": CommandHelp(
        "compare every node's gradient three ways",
        "Compare every node's gradient three ways: the .grad that ag's backward pass leaves, sympy's "
        "derivative of each node's forward formula, and a finite difference. A node where they disagree "
        "is a failure, named with its op; the derivations show each adjoint by the chain rule, in node "
        "symbols, in the inputs and as a number; a program's `# claim:` lines are judged too. Exit code "
        "0 when everything agrees, 1 when not (with a command that reproduces it), 2 for bad input.",
        ("symcheck check 'x*sin(y)' --at x=1.5,y=0.5",
         "symcheck check backprop --json",
         "symcheck check mygraph.sc --latex        # derivations to paste into an answer"),
        (TARGET_HELP,),
    ),
    "trace": CommandHelp(
        "the backward pass step by step",
        "Replay the backward pass step by step. Right before each node's _backward() it shows every "
        ".grad as the engine holds it and as the chain rule says it should be at that moment (the "
        "contributions arrived so far, and the consumers still pending), then what the step adds. "
        "Exit code 0 when every step agrees with the chain rule, 1 when not, 2 for bad input.",
        ("symcheck trace backprop",
         "symcheck trace backprop --steps 5        # right before z4._backward() (question 1.3.8)",
         "symcheck trace backprop --node z3 --latex"),
        (TARGET_HELP, STEPS_HELP),
    ),
    "claim": CommandHelp(
        'judge a claim such as "grad(z3, before=z4) == z7"',
        "Judge a claim about the graph: a relation of a written answer, such as what z3.grad holds "
        "right before z4._backward() runs. The verdict shows both sides in node symbols and as values "
        "at the point, and one sentence saying why it holds or where it breaks. Exit code 0 when the "
        "claim holds, 1 when it fails, 2 when it cannot be read.",
        ("symcheck claim backprop 'grad(z3, before=z4) == z7'          # question 1.3.8",
         "symcheck claim backprop 'D(f, z4) == D(f, z5) * D(z5, z4)'   # question 1.3.7",
         "symcheck claim 'x*sin(y)' 'D(f, y) == x*cos(y)'"),
        (TARGET_HELP, CLAIM_LANGUAGE),
    ),
    "graph": CommandHelp(
        "the graph as DOT or Mermaid text",
        "Print the computation graph as Graphviz DOT or Mermaid text, every node with its op, its value "
        "and its grad after one backward pass, the output drawn double (DOT) or round (Mermaid). No "
        "graphviz is needed to print it: pipe DOT to `dot -Tsvg`, or paste Mermaid into Markdown.",
        ("symcheck graph backprop",
         "symcheck graph 'x*sin(y)' --format mermaid"),
        (TARGET_HELP,),
    ),
    "problems": CommandHelp(
        "list the built-in problems",
        "List the built-in problems: the graphs a TARGET can name (check, trace, claim, graph) and the "
        "exercises `symcheck run` starts, each with one line on what it is.",
        ("symcheck problems",
         "symcheck problems --json"),
    ),
    "grade": CommandHelp(
        "judge a LaTeX answer file's relations and answers against a graph",
        "Grade a homework's written answers: every relation in every %%% BEGIN ANSWER … %%% END ANSWER "
        "block of a .tex file (chains A = B = C, align rows, \\approx values) is judged as a claim about the "
        "graph, and each block's final expression against the graph's `# question N:` lines. Unreadable "
        "LaTeX is pointed at by .tex line and column. Exit code 0 when every relation holds and every "
        "answer is correct, 1 otherwise, 2 when the file cannot be read or has no answer block.",
        ("symcheck grade answers.tex --graph backprop",
         "symcheck grade answers.tex --graph backprop --annotate marked.tex",
         "symcheck grade answers.tex --graph mygraph.sc --hide-solutions --json"),
        (TARGET_HELP,),
    ),
    "run": CommandHelp(
        "run a built-in exercise: gradient descent or the Transformer",
        "Run one of the homework's programming exercises on ag.Scalar. Each verifies the gradient of its "
        "first training step with symcheck, trains with a progress bar on stderr (none with --json or "
        "when stderr is not a terminal), then prints its results. Options after NAME belong to the "
        "exercise; `symcheck run NAME --help` explains each. Exit code 0 when the run reached its "
        "target, 1 when not, 2 for bad options.",
        ("symcheck run gradient_descent --problem rosenbrock",
         "symcheck run transformer --steps 100 --seed 1",
         "symcheck run transformer --fused --json"),
    ),
}


class UsageError(Exception):
    """A usage error argparse found; carries its one-line message."""


class _Parser(HelpParser):
    """argparse, but a usage error is one line (``symcheck check: error: …``) and exit code 2.

    A command whose help has a section known only when help is asked for (`symcheck run`'s list of
    exercises, read from the exercises themselves) sets `late_section`.
    """

    command_help: Optional[CommandHelp] = None
    late_section: Optional[Callable[[], str]] = None

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message} (see `{self.prog} --help`)")

    def format_help(self) -> str:
        if self.command_help is not None and self.late_section is not None:
            self.epilog = self.command_help.epilog([self.late_section()])
        return super().format_help()


def runnable_listing() -> str:
    """Each runnable exercise with its one-line description and its options (from its own parser)."""
    from symcheck.own import problems

    lines = ["exercises (NAME) and their options:"]
    for name in problems.RUNNABLE:
        parser = problems.runnable_module(name).parser(f"symcheck run {name}")
        parser.formatter_class = _one_line_usage
        usage = parser.format_usage().removeprefix("usage: ").strip()
        options = usage.removeprefix(f"symcheck run {name}").replace("[-h] ", "").strip()
        lines.append(f"  {name}: {problems.DESCRIPTIONS.get(name, '')}")
        lines += _wrap_options(options, indent="    ")
    return "\n".join(lines)


def _wrap_options(usage: str, *, indent: str) -> list[str]:
    """A usage's options on lines of at most HELP_WIDTH, never breaking inside ``[--task {a,b}]``."""
    lines = [indent]
    for option in re.findall(r"\[[^\[\]]*\]|\S+", usage):
        if len(lines[-1]) + len(option) + 1 > HELP_WIDTH and lines[-1].strip():
            lines.append(indent)
        lines[-1] += ("" if not lines[-1].strip() else " ") + option
    return lines


def _one_line_usage(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=10_000)


# -- arguments -----------------------------------------------------------------------


def tolerance(text: str) -> float:
    """A tolerance option's value: a finite number ≥ 0 (worded as `symcheck.parse.tolerance` words it)."""
    from symcheck.parse.tolerance import tolerance_problem

    problem = tolerance_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return float(text)


def _everywhere(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--version`` and ``--no-color``, on the main parser and on every command."""
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--no-color", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="plain text without colour (a non-empty NO_COLOR variable does the same)")


def _point_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--at", metavar="x=1.5,y=0.5", action="append",
                        help="input values; repeat to add more (an expression's inputs: all of them)")


def _common(parser: argparse.ArgumentParser, *, tolerances: bool = True, latex: bool = True,
            html: str = "") -> None:
    _point_option(parser)
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print strict JSON instead of text")
    if latex:
        formats.add_argument("--latex", action="store_true", help="print the derivations as LaTeX align* blocks")
    if html:
        formats.add_argument("--html", metavar="FILE", help=f"write {html} as one self-contained HTML page (- for stdout)")
    if tolerances:
        parser.add_argument("--rtol", type=tolerance, default=DEFAULT_RTOL, help="relative tolerance (default 1e-6)")
        parser.add_argument("--atol", type=tolerance, default=DEFAULT_ATOL, help="absolute tolerance (default 1e-9)")


def _command(commands: Any, name: str, handler: Callable[[argparse.Namespace], int]) -> _Parser:
    """A command's parser with its help text (`HELP`), --version and --no-color; `handler` runs it."""
    text = HELP[name]
    parser = commands.add_parser(name, help=text.summary, description=wrapped(text.description),
                                 epilog=text.epilog(), formatter_class=help_formatter)
    parser.command_help = text
    _everywhere(parser)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its seven commands."""
    parser = _Parser(prog="symcheck", description=wrapped(DESCRIPTION), formatter_class=help_formatter,
                     epilog=CommandHelp("", "", EXAMPLES, (TARGET_HELP,)).epilog())
    _everywhere(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    check = _command(commands, "check", cmd_check)
    check.add_argument("target", metavar="TARGET", help="a problem's name, a program file or an expression")
    _common(check, html="the graph beside every node's witnesses")
    check.add_argument("--fd", choices=("auto", "all", "none"), default="auto",
                       help="finite differences: within a budget, suspects first (auto, the default), on every "
                            "node whatever it costs (all), or none")

    trace = _command(commands, "trace", cmd_trace)
    trace.add_argument("target", metavar="TARGET", help="a problem's name, a program file or an expression")
    trace.add_argument("--node", help="show only this node's grad through the steps (f is the output)")
    trace.add_argument("--steps", metavar="SPEC", help="steps to show: 1-5, z8,z4 or a mix")
    _common(trace, html="the backward pass, stepped with ← →,")

    claim = _command(commands, "claim", cmd_claim)
    claim.add_argument("target", metavar="TARGET", help="a problem's name, a program file or an expression")
    claim.add_argument("claim", metavar="CLAIM", help="LHS == RHS in the claim language below")
    _common(claim, tolerances=False)

    grade = _command(commands, "grade", cmd_grade)
    grade.add_argument("answers", metavar="ANSWERS.tex", help="the answer file (LaTeX, the homework's format)")
    grade.add_argument("--graph", metavar="TARGET", required=True,
                       help="the graph the answers are about (its # question N: lines say what each block must equal)")
    grade.add_argument("--annotate", metavar="OUT.tex", help="write the file with a %% symcheck: comment after each "
                                                             "judged line")
    grade.add_argument("--hide-solutions", action="store_true",
                       help="verdicts and the kind of slip only, never a correct expression or value")
    _common(grade, tolerances=False, latex=False)

    graph = _command(commands, "graph", cmd_graph)
    graph.add_argument("target", metavar="TARGET", help="a problem's name, a program file or an expression")
    graph.add_argument("--format", choices=("dot", "mermaid"), default="dot", help="the text format (default dot)")
    _point_option(graph)

    problems = _command(commands, "problems", cmd_problems)
    problems.add_argument("--json", action="store_true", help="print strict JSON instead of text")

    run = _command(commands, "run", cmd_run)
    run.late_section = runnable_listing
    run.add_argument("name", metavar="NAME", help="the exercise: gradient_descent or transformer")
    run.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


# -- output --------------------------------------------------------------------------


def _console(args: argparse.Namespace) -> Any:
    from rich.console import Console

    plain = getattr(args, "no_color", False) or bool(os.environ.get("NO_COLOR"))  # no-color.org: set and non-empty
    return Console(file=sys.stdout, highlight=False, color_system=None if plain else "auto")


def _print_json(data: Any) -> None:
    from symcheck.render.json_render import dumps

    print(dumps(data))


def _point(args: argparse.Namespace) -> Optional[dict[str, float]]:
    """The --at options, added up (an input named twice is an error)."""
    if not args.at:
        return None
    from symcheck.parse.point import parse_points

    return parse_points(args.at)


def reproducer(command: str, *words: str, inputs: dict[str, float], args: argparse.Namespace) -> str:
    """``symcheck check 'x*y' --at x=1.5,y=0.5``: the command that shows this failure again."""
    parts = ["symcheck", command, *words]
    if inputs:
        parts += ["--at", ",".join(f"{name}={value!r}" for name, value in inputs.items())]
    for option, default in (("rtol", DEFAULT_RTOL), ("atol", DEFAULT_ATOL), ("fd", "auto")):
        value = getattr(args, option, default)
        if value != default:
            parts += [f"--{option}", value if isinstance(value, str) else repr(value)]
    return " ".join(shlex.quote(part) for part in parts)


def _write_page(path: str, page: str, what: str) -> None:
    """Write an HTML page to `path` (``-``: stdout) and say so in one line."""
    if path == "-":
        sys.stdout.write(page)
        return
    from symcheck.errors import InputError

    try:
        with open(path, "w", encoding="utf-8") as file:
            file.write(page)
    except OSError as error:
        raise InputError(f"cannot write the page to {path!r}: {error.strerror or error}",
                         hint="give --html a file in a folder that exists and that you may write to") from None
    print(f"wrote {path}: {what} (open it in a browser)")


def _failed(command: str, *words: str, inputs: dict[str, float], args: argparse.Namespace) -> int:
    print("reproduce: " + reproducer(command, *words, inputs=inputs, args=args), file=sys.stderr)
    return EXIT_FAILED


# -- commands ------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from symcheck.api import check

    # progress goes to stderr, only when it is a terminal and the check runs past 2 s; never under --json
    report = check(args.target, at=_point(args), rtol=args.rtol, atol=args.atol, fd=args.fd, progress=not args.json)
    if args.json:
        _print_json(report.to_json())
    elif args.latex:
        print(report.to_latex(), end="")
    elif args.html:
        _write_page(args.html, report.to_html(), f"the check of f = {report.output}, {len(report.nodes)} nodes")
    else:
        _console(args).print(report)
    if report.ok:
        return EXIT_OK
    return _failed("check", args.target, inputs=report.inputs, args=args)


def parse_steps(spec: str, schedule: Sequence[str]) -> list[str]:
    """``1-5``, ``z8,z4`` or a mix → the chosen steps' node names, in backward order."""
    from symcheck.errors import InputError

    chosen: set[str] = set()
    for part in (p.strip() for p in spec.split(",")):
        low, dash, high = part.partition("-")
        if part.isdigit() or (dash and low.strip().isdigit() and high.strip().isdigit()):
            first, last = int(low), int(high) if dash else int(low)
            if first > last:
                raise InputError(f"--steps {part!r} is a reversed range",
                                 hint=f"write {last}-{first}: steps count from 1 (the output's) in backward order")
            if not 1 <= first <= last <= len(schedule):
                raise InputError(f"--steps {part!r} is outside 1-{len(schedule)}",
                                 hint="number steps from 1 in backward order")
            chosen.update(schedule[first - 1:last])
        elif part in schedule:
            chosen.add(part)
        else:
            raise InputError(f"--steps names {part!r}, which is not a step",
                             hint="give step numbers (1-5) or node names (z8,z4)")
    return [name for name in schedule if name in chosen]


def cmd_trace(args: argparse.Namespace) -> int:
    from symcheck.api import to_program
    from symcheck.symbolic.ledger import backward_schedule
    from symcheck.tracing import trace_program

    program = to_program(args.target, at=_point(args))
    schedule = backward_schedule(program)
    steps = parse_steps(args.steps, schedule) if args.steps else None
    # `trace` checks the name (suggesting near misses); ``f`` is the output, as in claims.
    nodes = [args.node] if args.node and not args.html else None  # the page shows every node's grad
    node = program.output if args.node == "f" and "f" not in program else args.node
    # LaTeX (and the page's sums) rebuild each sum from what every earlier step added, so they need all steps.
    kept = None if args.latex or args.html else steps
    result = trace_program(program, rtol=args.rtol, atol=args.atol, nodes=nodes, steps=kept, target=args.target)
    if args.json:
        _print_json(result.to_json())
    elif args.html:  # --steps picks the step the page opens at
        start = result.step(steps[0]).number if steps else None
        _write_page(args.html, result.to_html(start=start),
                    f"the backward pass of f = {result.report.output}, {result.step_count} steps")
    elif args.latex:
        from symcheck.render.latex import trace_to_latex

        print(trace_to_latex(result, node=node, steps=steps), end="")
    else:
        from rich.console import Group

        from symcheck.render.console import render_trace

        _console(args).print(Group(*render_trace(result, node=node, steps=steps)))
    if result.ok:
        return EXIT_OK
    return _failed("trace", args.target, inputs=result.report.inputs, args=args)


def cmd_claim(args: argparse.Namespace) -> int:
    from symcheck.api import claim

    verdict = claim(args.target, args.claim, at=_point(args))
    if args.json:
        _print_json(verdict.to_json())
    elif args.latex:
        print(verdict.to_latex(), end="")
    else:
        _console(args).print(verdict)
    if verdict.holds:
        return EXIT_OK
    from symcheck.api import to_program

    inputs = {node.name: node.value for node in to_program(args.target, at=_point(args)).inputs}
    return _failed("claim", args.target, args.claim, inputs={k: v for k, v in inputs.items() if v is not None},
                   args=args)


def cmd_grade(args: argparse.Namespace) -> int:
    from symcheck.api import grade

    report = grade(args.answers, args.graph, at=_point(args), hide_solutions=args.hide_solutions)
    if args.annotate:
        _write_annotated(args.annotate, report.annotated())
    if args.json:
        _print_json(report.to_json())
    else:
        _console(args).print(report)
    return EXIT_OK if report.ok else EXIT_FAILED


def _write_annotated(path: str, text: str) -> None:
    from symcheck.errors import InputError

    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise InputError(f"cannot write --annotate file '{path}': {error.strerror or error}",
                         hint="give a path in a folder you can write to") from None


def cmd_graph(args: argparse.Namespace) -> int:
    from symcheck.api import graph_data, to_program
    from symcheck.render.graph import render_graph

    print(render_graph(graph_data(to_program(args.target, at=_point(args))), args.format), end="")
    return EXIT_OK


def cmd_problems(args: argparse.Namespace) -> int:
    from symcheck.own import problems

    sections = (
        ("program", "built-in programs (symcheck check|trace|claim|graph NAME):",
         {name: str(path) for name, path in problems.PROGRAMS.items()}),
        ("runnable", "runnable exercises (symcheck run NAME [--steps N --seed S --json --plot FILE]):",
         dict(problems.RUNNABLE)),
    )
    if args.json:
        _print_json([
            {"kind": kind, "name": name, "source": source, "description": problems.DESCRIPTIONS.get(name, "")}
            for kind, _, entries in sections for name, source in entries.items()
        ])
        return EXIT_OK
    width = max(len(name) for _, _, entries in sections for name in entries)
    for _, title, entries in sections:
        print(title)
        for name in entries:
            print(f"  {name:<{width}}  {problems.DESCRIPTIONS.get(name, '')}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from symcheck.errors import InputError, SetupError
    from symcheck.own import problems

    module_name = problems.RUNNABLE.get(args.name)
    if module_name is None:
        from symcheck.parse.suggest import did_you_mean, join_hints

        hint = join_hints(did_you_mean(args.name, problems.RUNNABLE), f"the runnable problems are: "
                                                                     f"{', '.join(problems.RUNNABLE)}")
        if args.name in problems.PROGRAMS:
            hint = f"{args.name!r} is a program: try `symcheck check {args.name}` or `symcheck trace {args.name}`"
        raise InputError(f"unknown runnable problem {args.name!r}", hint=hint)
    try:
        module = problems.runnable_module(args.name)
    except ModuleNotFoundError as exc:
        if exc.name != f"{problems.__name__}.{module_name.rpartition('.')[2]}":
            raise
        raise SetupError(f"problem {args.name!r} is not installed (module {module_name} is missing)",
                         hint="reinstall symcheck with its problems package") from None
    main = module.main
    argv = list(args.args)
    if getattr(args, "no_color", False) and "--no-color" not in argv:  # given before NAME: the exercise's too
        argv.append("--no-color")
    if _accepts_keyword(main, "prog"):  # its usage and error lines then name the command typed
        code = main(argv, prog=f"symcheck run {args.name}")
    else:
        code = main(argv)
    return int(code or 0)


def _accepts_keyword(function: Callable[..., Any], name: str) -> bool:
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin or C function without a readable signature
        return False
    return any(p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p.kind is p.VAR_KEYWORD
               for p in parameters)


# -- entry point ---------------------------------------------------------------------


def _missing_dependency(error: BaseException) -> Optional[str]:
    """The name of a package symcheck needs that is not installed (an environment problem), if that is it."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    top = error.name.split(".")[0]
    return top if top in ("sympy", "rich", "rich_argparse", "mpmath") else None


def _user_errors() -> tuple[type[BaseException], ...]:
    """What counts as the user's mistake: usage, symcheck's typed errors, ag's domain errors."""
    from symcheck.errors import SymcheckError

    errors: list[type[BaseException]] = [UsageError, SymcheckError]
    from symcheck import own

    engine = own.loaded("ag")  # a DomainError can only come from symcheck's ag once it is loaded
    if engine is not None:
        errors.append(engine.DomainError)
    return tuple(errors)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 disagreement, 2 bad input, 3 internal error,
    4 the environment failed)."""
    if sys.stdout is None:  # started with its stdout closed: nothing it prints could arrive
        _say("symcheck: error: stdout is closed, so there is nowhere to print the result; run symcheck with "
             "an open stdout (a terminal, a file or a pipe)")
        return EXIT_ENVIRONMENT
    streams = _GuardedStreams()
    try:
        code = _run(argv)
        sys.stdout.flush()  # a full disk shows here, inside the handler, not at the interpreter's exit
        return code
    except KeyboardInterrupt:
        return 130
    except (OutputFailure, MemoryError, OSError) as exc:
        _say(environment_message(exc))
        if isinstance(exc, OutputFailure) and exc.stream == "stdout":
            _silence_stdout()
        return EXIT_ENVIRONMENT
    finally:
        streams.restore()


def _run(argv: Optional[Sequence[str]]) -> int:
    """Parse and run one command; user errors become one line and exit code 2, bugs exit code 3."""
    words = list(sys.argv[1:] if argv is None else argv)
    plain_help("--no-color" in (words[: words.index("run") + 2] if "run" in words else words))
    try:
        args = build_parser().parse_args(words)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except SystemExit as exc:  # --help / --version, or a runnable's own argparse
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
    except (KeyboardInterrupt, OutputFailure, MemoryError):
        raise
    except OSError:  # the system refused something (main names it): the environment, not a bug
        raise
    except Exception as exc:  # noqa: BLE001 -- the one place that decides between exit 2 and 3
        from symcheck.errors import SetupError

        missing = _missing_dependency(exc)
        if isinstance(exc, SetupError) or missing:
            problem = f"the package '{missing}' is not installed; pip install symcheck" if missing else str(exc)
            print(f"symcheck: environment error: {problem}", file=sys.stderr)
            return EXIT_ENVIRONMENT
        if isinstance(exc, _user_errors()):
            message = str(exc) if isinstance(exc, UsageError) else f"symcheck: error: {exc}"
            print(message.replace("\n", " "), file=sys.stderr)
            return EXIT_USAGE
        traceback.print_exc()
        print("symcheck: internal error (a bug in symcheck; please report it with the command above)",
              file=sys.stderr)
        return EXIT_INTERNAL


# -- the environment: output streams, and what the system refuses ---------------------------


class OutputFailure(OSError):
    """Writing to stdout or stderr failed: the disk is full, the reader left, the stream is gone."""

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(error.errno, error.strerror or str(error))
        self.stream = stream


def environment_message(exc: BaseException) -> str:
    """One line naming what the environment refused (exit code 4)."""
    if isinstance(exc, MemoryError):
        return ("symcheck: error: out of memory: this input needs more memory than this process may use; "
                "check a smaller program, or raise the memory limit")
    assert isinstance(exc, OSError)
    code = f" ({errno.errorcode[exc.errno]})" if exc.errno in errno.errorcode else ""
    reason = f"{exc.strerror or exc}{code}"
    if isinstance(exc, OutputFailure):
        if exc.errno == errno.EPIPE:
            return f"symcheck: error: {exc.stream} was closed by the program reading it{code}; the output is incomplete"
        return f"symcheck: error: cannot write to {exc.stream}: {reason}; the output is incomplete"
    where = f" '{exc.filename}'" if exc.filename else ""
    return f"symcheck: error: the system refused{where}: {reason}"


class _GuardedStreams:
    """For one run of `main`: stdout and stderr that name themselves when a write fails, and that
    spell symbols in ASCII where their encoding has no room for them; `restore` puts the originals back."""

    def __init__(self) -> None:
        self.originals = (sys.stdout, sys.stderr)
        sys.stdout = _Guarded(sys.stdout, "stdout")  # type: ignore[assignment]
        if sys.stderr is not None:
            sys.stderr = _Guarded(sys.stderr, "stderr")  # type: ignore[assignment]

    def restore(self) -> None:
        sys.stdout, sys.stderr = self.originals


class _Guarded:
    """A text stream whose failed writes raise `OutputFailure` (naming it); everything else is the stream's."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream, self._name = stream, name
        _spell_in_ascii_if_needed(stream)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise OutputFailure(self._name, error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise OutputFailure(self._name, error) from None

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._stream, attribute)


_SYMBOLS = "✓✗∂·−≥≤→←…─│"
_ASCII_SPELLINGS = {
    "✓": "ok", "✗": "X", "∂": "d", "·": "*", "⋅": "*", "×": "*", "−": "-", "–": "-", "—": "-", "≥": ">=",
    "≤": "<=", "≠": "!=", "≈": "~", "→": "->", "←": "<-", "…": "...", "─": "-", "━": "-", "│": "|", "┃": "|",
    "±": "+/-", "½": "1/2", "²": "^2", "³": "^3", "σ": "sigma", "√": "sqrt", "∞": "inf", "Σ": "sum",
    "δ": "delta", "θ": "theta", "“": '"', "”": '"', "‘": "'", "’": "'",
}


def _ascii_spelling(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler "symcheck-ascii": each character the stream cannot encode, spelt in ASCII."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    spelt = []
    for char in error.object[error.start:error.end]:
        plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        spelt.append(_ASCII_SPELLINGS.get(char) or plain or f"\\u{ord(char):04x}")
    return "".join(spelt), error.end


codecs.register_error("symcheck-ascii", _ascii_spelling)


def _spell_in_ascii_if_needed(stream: TextIO) -> None:
    """Switch `stream` to ASCII spellings when its encoding cannot hold symcheck's symbols."""
    try:
        _SYMBOLS.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="symcheck-ascii")


def _say(line: str) -> None:
    """`line` on stderr if stderr is there and takes it (the last word of a run, so it must not fail)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


def _silence_stdout() -> None:
    """Point the process's stdout at /dev/null, so the interpreter's last flush does not fail again."""
    if sys.stdout is not sys.__stdout__ and getattr(sys.stdout, "_stream", None) is not sys.__stdout__:
        return  # an in-process caller's stream (a test's capture): not ours to redirect
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
    except (OSError, ValueError, AttributeError):
        pass
