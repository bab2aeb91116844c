"""Hostile environment: the user's machine fails symcheck, and symcheck says so in one line.

A stdout that is closed, full or abandoned by its reader, a stdout that cannot
encode ✓ or ∂, a --plot file on a full disk, no memory left: each is the
environment's doing, not a bug in symcheck, so each gets one line naming the
cause and exit code 4 (never 3, never a traceback); an ASCII-only stdout gets
ASCII output. Each case runs the real command line in a child process bounded
in time and memory (tests/bounded.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bounded import GB, python_bounded, run_bounded, symcheck_bounded

SECONDS = 60.0
FULL = "/dev/full"  # every write fails with ENOSPC: a full disk


def one_line(outcome) -> str:
    """The single stderr line of a run that exited with 4, with no traceback."""
    assert not outcome.timed_out, outcome.describe()
    assert outcome.returncode == 4, outcome.describe()
    assert "Traceback" not in outcome.stderr and "internal error" not in outcome.stderr, outcome.describe()
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.describe()
    return lines[0]


def needs_dev_full() -> None:
    if not os.path.exists(FULL):
        pytest.skip(f"no {FULL} on this system to stand for a full disk")


SLOW = pytest.mark.slow  # more of the same: the quick loop keeps one of each kind


@pytest.mark.parametrize("words", [("check", "x*sin(y)"), pytest.param(("check", "x*sin(y)", "--json"), marks=SLOW),
                                   pytest.param(("trace", "backprop"), marks=SLOW),
                                   pytest.param(("check", "backprop", "--latex"), marks=SLOW),
                                   pytest.param(("graph", "backprop"), marks=SLOW)])
def test_a_full_disk_under_stdout_is_named(words: tuple[str, ...]) -> None:
    needs_dev_full()
    with open(FULL, "w") as full:
        outcome = symcheck_bounded(*words, stdout=full.fileno(), seconds=SECONDS)
    assert one_line(outcome) == ("symcheck: error: cannot write to stdout: No space left on device (ENOSPC); "
                                 "the output is incomplete")


def test_a_closed_stdout_is_named_instead_of_printing_into_nothing() -> None:
    outcome = symcheck_bounded("check", "x*sin(y)", stdout=-1, seconds=SECONDS)
    assert one_line(outcome).startswith("symcheck: error: stdout is closed, so there is nowhere to print the result")


def test_a_reader_that_leaves_is_named(tmp_path: Path) -> None:
    program = tmp_path / "chain.sc"
    lines = ["x = 0.3", "y = 0.7", "a0 = x*y"] + [f"a{i} = sin(a{i - 1}) + y" for i in range(1, 300)]
    program.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte: every write is EPIPE
    try:
        outcome = symcheck_bounded("trace", str(program), "--json", stdout=write_end, seconds=SECONDS)
    finally:
        os.close(write_end)
    assert one_line(outcome) == ("symcheck: error: stdout was closed by the program reading it (EPIPE); "
                                 "the output is incomplete")


@pytest.mark.parametrize("words", [("check", "x*sin(y)"), pytest.param(("trace", "backprop"), marks=SLOW),
                                   pytest.param(("claim", "backprop", "∂f/∂z4 == D(f, z5) * D(z5, z4)"), marks=SLOW)])
def test_a_stdout_that_only_takes_ascii_gets_ascii(words: tuple[str, ...]) -> None:
    outcome = symcheck_bounded(*words, env={"PYTHONIOENCODING": "ascii"}, seconds=SECONDS)
    assert outcome.returncode == 0, outcome.describe()
    assert outcome.stdout.isascii() and outcome.stderr == "", outcome.describe()
    assert "ok " in outcome.stdout and "holds" in outcome.stdout or "agree" in outcome.stdout, outcome.stdout
    if words[0] == "check":
        assert "df/dx = df/dz2*dz2/dx" in outcome.stdout  # ∂ and · spelt d and *


def test_an_error_on_an_ascii_stderr_is_spelt_in_ascii() -> None:
    outcome = symcheck_bounded("check", "x", "--rtol", "-1", env={"PYTHONIOENCODING": "ascii"}, seconds=SECONDS)
    assert outcome.returncode == 2
    assert outcome.stderr.strip() == ("symcheck check: error: argument --rtol: '-1' is not a finite number >= 0 "
                                      "(see `symcheck check --help`)")


_OUT_OF_MEMORY = """
import resource, sys
import sympy, rich, symcheck.api, symcheck.cli  # the imports in before the limit: the input is what needs memory
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + 150 * 2**20, hard))
program = "x = 0.5\\n" + "".join(f"z{i} = sin(x + {i}) * x\\n" for i in range(30_000))
sys.exit(symcheck.cli.main(["check", program]))
"""


def test_running_out_of_memory_is_named() -> None:
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("no /proc to measure the child's memory on this system")
    outcome = python_bounded(_OUT_OF_MEMORY, seconds=120.0, memory=4 * GB)
    assert one_line(outcome).startswith("symcheck: error: out of memory: this input needs more memory than this "
                                        "process may use")


_PLOT_ON_A_FULL_DISK = """
import sys
from problems import display
display.matplotlib_available = lambda: True  # the drawing is matplotlib's; the writing, checked here, is ours
display.save_plot = lambda curves, path, **kw: display.write_file(path, b"\\x89PNG" + bytes(1 << 20))
from symcheck.cli import main
sys.exit(main(["run", "gradient_descent", "--problem", "linear_regression", "--steps", "20",
               "--gradcheck-steps", "0", "--json", "--plot", sys.argv[1]]))
"""


def test_a_plot_onto_a_full_disk_is_named(tmp_path: Path) -> None:
    needs_dev_full()
    target = tmp_path / "loss.png"
    target.symlink_to(FULL)
    outcome = run_bounded([sys.executable, "-c", _PLOT_ON_A_FULL_DISK, str(target)],
                          seconds=SECONDS)
    line = one_line(outcome)
    assert line == f"symcheck run gradient_descent: error: --plot {target}: cannot write it: No space left on device"
    assert target.is_symlink()  # the partial-file clean-up removes only a file it created
