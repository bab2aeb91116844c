"""The command line the runnable problems share: options, one-line usage errors, --json, --plot, exit codes.

Each problem module builds its parser with `problem_parser` (which adds the
common --steps, --seed, --lr, --json, --plot, --no-color and --version, and
formats its help like symcheck's: a paragraph, the options, real examples),
adds its own options, and
hands `run_main` a function from the parsed arguments to its result dict and a
test of whether that result reached the problem's target. Everything about
*how* a run is launched lives here, so the problem modules hold only their
mathematics and their training loop.

Exit codes: 0 the run reached its target, 1 it did not (or diverged),
2 a usage error (one line on stderr, nothing run), 4 the environment failed
(the --plot file or stdout could not be written, the reader of stdout left:
one line on stderr), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from symcheck.render.help import HelpParser, VersionAction, examples, help_formatter, plain_help, wrapped

from . import display


class UsageError(ValueError):
    """A request the problem cannot run; the message is one line saying what and what would work."""


class _Parser(HelpParser):
    """argparse, but a usage error is raised as one line instead of printing the whole usage."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message} (see `{self.prog} --help`)")


def problem_parser(prog: str, description: str, *, steps_help: str, lr_help: str,
                   example_lines: Sequence[str] = ()) -> argparse.ArgumentParser:
    """A parser with the options every runnable problem takes: --steps --seed --lr --json --plot --no-color
    --version; `description` is a paragraph and `example_lines` are commands, shown by --help."""
    parser = _Parser(prog=prog, description=wrapped(description), formatter_class=help_formatter,
                     epilog=examples(example_lines) if example_lines else None)
    parser.add_argument("--steps", type=positive_int, default=None, help=steps_help)
    parser.add_argument("--seed", type=int, default=0, help="seed of the data, the initial weights and the batches")
    parser.add_argument("--lr", type=positive_float, default=None, help=lr_help)
    parser.add_argument("--json", action="store_true", help="print the result as JSON (no progress bar)")
    parser.add_argument("--plot", metavar="FILE", help="write a PNG of the loss curve(s) (needs matplotlib)")
    parser.add_argument("--no-color", action="store_true", help="plain text without colour (NO_COLOR does the same)")
    parser.add_argument("--version", action=VersionAction)
    return parser


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite positive number, got {text}")
    return value


def check_plot_target(path: str) -> None:
    """Refuse a --plot FILE that could not be written, before any training time is spent on it."""
    if not display.matplotlib_available():
        raise UsageError(str(display.PlotUnavailable()))
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"--plot {path}: is a folder; give a file name such as {target / 'loss.png'}")
    if target.suffix.lower().lstrip(".") not in display.PLOT_FORMATS:
        raise UsageError(f"--plot {path}: name the file with one of the endings "
                         f"{', '.join('.' + s for s in display.PLOT_FORMATS)} (e.g. loss.png)")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--plot {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--plot {path}: the folder {folder} is not writable")


def run_main(
    parser: argparse.ArgumentParser,
    argv: Optional[Sequence[str]],
    run: Callable[[argparse.Namespace], dict],
    reached: Callable[[dict], bool],
) -> int:
    """Parse `argv`, run, print JSON if asked, and turn the outcome into an exit code (see the module doc)."""
    words = list(sys.argv[1:] if argv is None else argv)
    plain_help("--no-color" in words)
    try:
        args = parser.parse_args(words)
    except SystemExit as exit_:  # --help (every usage error is a UsageError, see _Parser)
        return 0 if exit_.code in (0, None) else 2
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        if args.plot:
            check_plot_target(args.plot)
        result = run(args)
        if args.json:
            print(json.dumps(json_ready(result), indent=2, allow_nan=False), flush=True)
    except UsageError as error:  # a setting the problem cannot take
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
    except display.PlotWriteError as error:
        print(f"{parser.prog}: error: {error.strerror}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except BrokenPipeError:
        return _reader_left(parser.prog)
    return 0 if reached(result) else 1


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a problem trains.

    A training step builds tens of thousands of Scalars, which reference counting frees when
    the step's graph goes (a graph has no cycles). The cyclic collector would meanwhile walk
    the whole heap of live Scalars again and again: it made the scalar Transformer 3× slower.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


EXIT_ENVIRONMENT = 4


def _reader_left(prog: str) -> int:
    """The reader of stdout left early (``| head``): say so in one line, and stop."""
    print(f"{prog}: error: stdout was closed by the program reading it (EPIPE); the output is incomplete",
          file=sys.stderr)
    # Point stdout at /dev/null so that the interpreter's last flush does not fail again.
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (captured): nothing will flush to the pipe
        pass
    return EXIT_ENVIRONMENT


def json_ready(value: Any) -> Any:
    """`value` without its loss curves (keys "losses"), with inf/NaN as null: strict JSON."""
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items() if key != "losses"}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
