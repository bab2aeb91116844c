"""The CLI's output, byte for byte, against golden files (tests/symcheck/golden/*.txt).

Each golden file holds the command, its stdout, its stderr and its exit code,
as the command prints them at 100 columns without colour. A change to any
output shows here first; after an intended change, rewrite the files with
``SYMCHECK_UPDATE_GOLDEN=1 python -m pytest tests/symcheck/test_cli_golden.py``
and read the diff before committing it.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from symcheck import cli

GOLDEN = Path(__file__).resolve().parent / "golden"

COMMANDS = {
    "check-expression": "check 'x*y + sin(x)' --at x=1.5,y=0.5",
    "check-backprop": "check backprop",
    "check-backprop-json": "check backprop --json",
    "check-backprop-latex": "check backprop --latex",
    "check-relu-at-its-kink": "check 'relu(x)*y' --at x=0,y=2",
    "check-a-partial-without-a-value": "check '0**x*y' --at x=2,y=1",
    "check-outside-a-domain": "check 'log(x)' --at x=-1",
    "check-caret-for-power": "check 'x^2'",
    "check-at-names-no-input": "check 'x*y' --at q=1",
    "check-n-ary-ops": "check 'softmax(0, a, b, c) * logsumexp(a, b, c) + dot([a, b], [b, c])'",
    "trace-backprop": "trace backprop",
    "trace-node-z3": "trace backprop --node z3",
    "trace-steps-json": "trace backprop --steps z8,z4 --json",
    "trace-backprop-latex": "trace backprop --latex",
    "claim-1.3.8": "claim backprop 'grad(z3, before=z4) == z7'",
    "claim-1.3.7": "claim backprop '∂f/∂z4 == ∂f/∂z5 * ∂z5/∂z4'",
    "claim-fails": "claim backprop 'D(f, z3) == z7'",
    "claim-a-value": "claim backprop 'grad(z3, before=z4) == 2.42679'",
    "claim-json": "claim backprop 'grad(z3, before=z4) == 2.4268' --json",
    "claim-local-partial": "claim backprop '∂z8/∂z3 == z7'",
    "claim-missing-path": "claim backprop 'D(f, z3) == ∂f/∂z8·∂z8/∂z3'",
    "claim-latex": "claim backprop '\\frac{\\partial f}{\\partial z_4} = z_3 \\cos z_4' --latex",
    "grade-the-excerpt": "grade docs/examples/hw4-answers.tex --graph backprop",
    "grade-slips-hidden": "grade docs/examples/slips.tex --graph backprop --hide-solutions",
    "grade-json": "grade docs/examples/hw4-answers.tex --graph backprop --json",
    "graph-dot": "graph backprop",
    "graph-mermaid": "graph backprop --format mermaid",
    "problems": "problems",
}


def _run(words: str, capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(shlex.split(words))
    out, err = capsys.readouterr()
    return f"$ symcheck {words}\n{out}[stderr]\n{err}[exit {code}]\n"


@pytest.fixture
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN.parents[2])  # the repository's root: commands name docs/examples/ files
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("name", COMMANDS)
def test_the_cli_prints_what_its_golden_file_holds(name: str, capsys: pytest.CaptureFixture[str],
                                                   plain_terminal: None) -> None:
    shown = _run(COMMANDS[name], capsys)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("SYMCHECK_UPDATE_GOLDEN"):
        path.write_text(shown, encoding="utf-8")
    assert shown == path.read_text(encoding="utf-8")


def test_every_golden_file_has_a_command() -> None:
    assert sorted(path.stem for path in GOLDEN.glob("*.txt")) == sorted(COMMANDS)
