"""The LaTeX symcheck writes compiles with pdflatex, and every row fits the page (no overfull box).

pdflatex is a system package: `.ci/run` installs it, so in CI (``CI`` set) a
missing pdflatex fails these tests; on a machine without it they are skipped
with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import symcheck
from symcheck import cli

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs" / "examples"
PREAMBLE = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"


@pytest.fixture(scope="module")
def pdflatex() -> str:
    found = shutil.which("pdflatex")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing in CI: .ci/run installs texlive-latex-base and texlive-latex-recommended")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended)")
    return found


def compile_tex(pdflatex: str, source: str, folder: Path, name: str = "doc") -> str:
    """Compile `source`; return pdflatex's log (an error fails the test)."""
    (folder / f"{name}.tex").write_text(source, encoding="utf-8")
    done = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    log = (folder / f"{name}.log").read_text(encoding="latin-1")
    assert done.returncode == 0, log[-3000:]
    assert (folder / f"{name}.pdf").stat().st_size > 1000
    return log


def cli_output(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    code = cli.main(list(words))
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return out


def overfull(log: str) -> list[str]:
    return re.findall(r"(?:Overfull|Underfull) \\[hv]box[^\n]*", log)


@pytest.mark.slow
def test_check_trace_and_claim_latex_of_a_2_2_1_mlp_compile_with_no_overfull_box(
        pdflatex: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mlp = str(EXAMPLES / "mlp.sc")
    body = "".join([
        cli_output(capsys, "check", mlp, "--latex"),
        cli_output(capsys, "trace", mlp, "--latex"),
        cli_output(capsys, "trace", "backprop", "--latex"),
        cli_output(capsys, "check", "backprop", "--latex"),
        cli_output(capsys, "claim", mlp, "D(f, w11) == err*v1*(1 - h1**2)*x1", "--latex"),
        cli_output(capsys, "claim", "backprop", "∂f/∂z3 == ∂f/∂z8·∂z8/∂z3", "--latex"),
        cli_output(capsys, "claim", "x*y", "D(f, x) == -1.7446e-17", "--latex"),
    ])
    assert r"\mathit{err}\, v_{1}" in body and r"\times 10^{-17}" in body
    log = compile_tex(pdflatex, PREAMBLE + body + "\\end{document}\n", tmp_path)
    assert overfull(log) == []


@pytest.mark.slow
def test_the_homework_file_still_compiles_once_annotated(pdflatex: str, tmp_path: Path) -> None:
    for name in ("hw4-answers.tex", "slips.tex"):
        report = symcheck.grade(str(EXAMPLES / name), "backprop")
        annotated = report.annotated()
        assert annotated.count("% symcheck:") >= 4
        compile_tex(pdflatex, (EXAMPLES / name).read_text(encoding="utf-8"), tmp_path, "original")
        compile_tex(pdflatex, annotated, tmp_path, "annotated")
