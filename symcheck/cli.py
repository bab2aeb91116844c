"""The ``symcheck`` command (also ``python -m symcheck``).

Exit codes (DESIGN.md): 0 everything agrees / the claim holds; 1 a
disagreement / the claim fails (a one-line reproducer command goes to
stderr); 2 bad input or usage (one line on stderr); 3 an internal error (the
only case that prints a traceback); 4 the environment failed (stdout closed,
full or gone, a file that cannot be written, no memory left: one line naming
the cause). A stdout that cannot encode symcheck's symbols (✓, ∂, ─) gets
ASCII spellings of them instead of an error.

Only argparse is imported at start-up; each command imports what it needs,
so ``symcheck --help`` and ``symcheck problems`` are instant.
"""

from __future__ import annotations

import argparse
import codecs
import errno
import os
import shlex
import sys
import traceback
import unicodedata
from typing import Any, Callable, Optional, Sequence, TextIO

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_ENVIRONMENT = 0, 1, 2, 3, 4
DEFAULT_RTOL, DEFAULT_ATOL = 1e-6, 1e-9

EPILOG = """\
TARGET is a built-in problem's name (see `symcheck problems`), a program file, or an expression.

examples:
  symcheck check 'x*y + sin(x)' --at x=1.5,y=0.5
  symcheck trace backprop --node z3
  symcheck claim backprop 'grad(z3, before=z4) == z7'
  symcheck check backprop --latex
  symcheck graph backprop --format mermaid
  symcheck run gradient_descent --steps 100
"""


class UsageError(Exception):
    """A usage error argparse found; carries its one-line message."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``symcheck check: error: …``) and exit code 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message} (see `{self.prog} --help`)")


# -- arguments -----------------------------------------------------------------------


def tolerance(text: str) -> float:
    """A tolerance option's value: a finite number ≥ 0 (worded as `symcheck.parse.tolerance` words it)."""
    from symcheck.parse.tolerance import tolerance_problem

    problem = tolerance_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return float(text)


def _common(parser: argparse.ArgumentParser, *, tolerances: bool = True, latex: bool = True) -> None:
    parser.add_argument("--at", metavar="x=1.5,y=0.5", help="input values (others keep their defaults)")
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print strict JSON instead of text")
    if latex:
        formats.add_argument("--latex", action="store_true", help="print the derivations as LaTeX align* blocks")
    if tolerances:
        parser.add_argument("--rtol", type=tolerance, default=DEFAULT_RTOL, help="relative tolerance (default 1e-6)")
        parser.add_argument("--atol", type=tolerance, default=DEFAULT_ATOL, help="absolute tolerance (default 1e-9)")
    parser.add_argument("--no-color", action="store_true", help="plain text (NO_COLOR is respected too)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its six commands."""
    parser = _Parser(
        prog="symcheck",
        description="Check derivatives three ways (engine, sympy, finite differences) and explain backprop.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="symcheck 0.1.0")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser("check", help="compare every node's gradient three ways")
    check.add_argument("target", metavar="TARGET")
    _common(check)
    check.set_defaults(handler=cmd_check)

    trace = commands.add_parser("trace", help="the backward pass step by step")
    trace.add_argument("target", metavar="TARGET")
    trace.add_argument("--node", help="show only this node's grad through the steps")
    trace.add_argument("--steps", metavar="SPEC", help="steps to show: 1-5, z8,z4 or a mix")
    _common(trace)
    trace.set_defaults(handler=cmd_trace)

    claim = commands.add_parser("claim", help='judge a claim such as "grad(z3, before=z4) == z7"')
    claim.add_argument("target", metavar="TARGET")
    claim.add_argument("claim", metavar="CLAIM")
    _common(claim, tolerances=False, latex=False)
    claim.set_defaults(handler=cmd_claim)

    graph = commands.add_parser("graph", help="the graph as DOT or Mermaid text")
    graph.add_argument("target", metavar="TARGET")
    graph.add_argument("--format", choices=("dot", "mermaid"), default="dot")
    graph.add_argument("--at", metavar="x=1.5,y=0.5", help="input values")
    graph.set_defaults(handler=cmd_graph)

    problems = commands.add_parser("problems", help="list the built-in problems")
    problems.add_argument("--json", action="store_true")
    problems.set_defaults(handler=cmd_problems)

    run = commands.add_parser(
        "run", help="run a built-in exercise (its own options follow, e.g. --steps N --seed S --json --plot FILE)"
    )
    run.add_argument("name", metavar="NAME")
    run.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    run.set_defaults(handler=cmd_run)
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
    if not args.at:
        return None
    from symcheck.parse import parse_point

    return parse_point(args.at)


def reproducer(command: str, *words: str, inputs: dict[str, float], args: argparse.Namespace) -> str:
    """``symcheck check 'x*y' --at x=1.5,y=0.5``: the command that shows this failure again."""
    parts = ["symcheck", command, *words]
    if inputs:
        parts += ["--at", ",".join(f"{name}={value!r}" for name, value in inputs.items())]
    for option, default in (("rtol", DEFAULT_RTOL), ("atol", DEFAULT_ATOL)):
        value = getattr(args, option, default)
        if value != default:
            parts += [f"--{option}", repr(value)]
    return " ".join(shlex.quote(part) for part in parts)


def _failed(command: str, *words: str, inputs: dict[str, float], args: argparse.Namespace) -> int:
    print("reproduce: " + reproducer(command, *words, inputs=inputs, args=args), file=sys.stderr)
    return EXIT_FAILED


# -- commands ------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from symcheck.api import check

    report = check(args.target, at=_point(args), rtol=args.rtol, atol=args.atol)
    if args.json:
        _print_json(report.to_json())
    elif args.latex:
        print(report.to_latex(), end="")
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
    nodes = [args.node] if args.node else None
    node = program.output if args.node == "f" and "f" not in program else args.node
    # LaTeX rebuilds each sum from what every earlier step added, so it needs all steps.
    kept = None if args.latex else steps
    result = trace_program(program, rtol=args.rtol, atol=args.atol, nodes=nodes, steps=kept, target=args.target)
    if args.json:
        _print_json(result.to_json())
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
    else:
        _console(args).print(verdict)
    if verdict.holds:
        return EXIT_OK
    from symcheck.api import to_program

    inputs = {node.name: node.value for node in to_program(args.target, at=_point(args)).inputs}
    return _failed("claim", args.target, args.claim, inputs={k: v for k, v in inputs.items() if v is not None},
                   args=args)


def cmd_graph(args: argparse.Namespace) -> int:
    from symcheck.api import graph_data, to_program
    from symcheck.render.graph import render_graph

    print(render_graph(graph_data(to_program(args.target, at=_point(args))), args.format), end="")
    return EXIT_OK


def cmd_problems(args: argparse.Namespace) -> int:
    import problems

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
    import importlib

    import problems
    from symcheck.errors import InputError

    module_name = problems.RUNNABLE.get(args.name)
    if module_name is None:
        hint = f"the runnable problems are: {', '.join(problems.RUNNABLE)}"
        if args.name in problems.PROGRAMS:
            hint = f"{args.name!r} is a program: try `symcheck check {args.name}` or `symcheck trace {args.name}`"
        raise InputError(f"unknown runnable problem {args.name!r}", hint=hint)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise InputError(f"problem {args.name!r} is not installed (module {module_name} is missing)",
                         hint="reinstall symcheck with its problems package") from None
    main = module.main
    if _accepts_keyword(main, "prog"):  # its usage and error lines then name the command typed
        code = main(list(args.args), prog=f"symcheck run {args.name}")
    else:
        code = main(list(args.args))
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


def _user_errors() -> tuple[type[BaseException], ...]:
    """What counts as the user's mistake: usage, symcheck's typed errors, ag's domain errors."""
    from symcheck.errors import SymcheckError

    errors: list[type[BaseException]] = [UsageError, SymcheckError]
    if "ag" in sys.modules:  # a DomainError can only come from ag once it is loaded
        errors.append(sys.modules["ag"].DomainError)
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
    try:
        args = build_parser().parse_args(argv)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except SystemExit as exc:  # --help / --version, or a runnable's own argparse
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
    except (KeyboardInterrupt, OutputFailure, MemoryError):
        raise
    except OSError:  # the system refused something (main names it): the environment, not a bug
        raise
    except Exception as exc:  # noqa: BLE001 -- the one place that decides between exit 2 and 3
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
