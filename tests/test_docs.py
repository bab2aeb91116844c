"""Every example in README.md and docs/*.md runs, and its shown output is the real one.

The convention, for anyone writing docs:

- A ```` ```console ```` block runs. Each ``$ `` line is one command; the
  lines under it, up to the next ``$ `` line, are exactly what a user sees:
  stdout and stderr together, in the order a terminal shows them, at 80
  columns and without colour. When the exit code is not 0, the last line is
  ``[exit N]``. A command is ``symcheck …`` (run as ``python -m symcheck …``
  in the repository's root, so the repository's own code runs),
  ``python …`` or ``cat FILE``; no pipes, redirections or variables. ``...``
  stands for any text, as in doctest's ELLIPSIS: use it for a progress bar's
  speed or to shorten a long output, and say so in the prose. Trailing spaces
  are ignored.
- A ```` ```python ```` block runs as a doctest (``>>>`` lines and their
  exact output; ``# doctest: +ELLIPSIS`` where a part varies). Each block is
  self-contained: it starts from a fresh namespace in the repository's root,
  as a Python started there would (so ``import symcheck`` is the repository's
  own). A page's python blocks run one after the other in one process of
  their own, with the same 80 columns and no colour. A python block without a
  ``>>>`` example is an error.
- ```` ```text ````, ```` ```sh ```` and ```` ```toml ```` blocks are shown
  and never run: an excerpt of a long run (say in the prose that it is one,
  and how it was measured), install commands, configuration. Any other
  language, or none, is an error, so every block is one of the above.
- ```` ```console slow ```` or ```` ```python slow ````: the same, but the
  test is marked ``slow`` (over about 3 s); ``python -m pytest -m "not slow"``
  leaves it out.

After a change to the code, ``python tests/markdown_examples.py --update
README.md docs/*.md`` writes the real output under every console command
whose shown output drifted (read the diff before committing).

To save a fresh interpreter's imports, ``symcheck`` commands and each page's
python blocks are forked from one process that has imported sympy, rich and
symcheck (on POSIX); ``DOCS_EXAMPLES_FRESH=1`` starts a fresh interpreter for
each instead, which is slower and gives the same results.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import markdown_examples as md

PAGES = md.PAGES
BLOCKS = [block for page in PAGES for block in md.blocks(page)]
CONSOLE = [block for block in BLOCKS if block.lang == "console"]
PYTHON_GROUPS = sorted({(block.page, block.slow) for block in BLOCKS if block.lang == "python"})


def _marks(slow: bool) -> list:
    return [pytest.mark.slow] if slow else []


# -- the convention ------------------------------------------------------------------


def test_the_manual_has_its_pages() -> None:
    names = {page.name for page in PAGES}
    for name in ("README.md", "index.md", "homework.md", "tutorial.md", "claims.md", "tracing.md", "grading.md",
                 "engines.md",
                 "pytest.md", "cli.md", "python-api.md", "how-it-works.md", "ag.md", "benchmarks.md"):
        assert name in names


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.where)
def test_every_block_is_of_a_known_kind(block: md.Block) -> None:
    assert block.lang in md.RUN + md.SHOW, f"{block.where}: ```{block.lang}: use one of {md.RUN + md.SHOW}"
    assert set(block.options) <= {"slow"}, f"{block.where}: unknown option {block.options}"
    if block.lang == "python":
        assert md.examples_in(block) > 0, f"{block.where}: a python block is a doctest (>>> lines)"
    if block.lang == "console":
        assert md.commands(block), f"{block.where}: a console block holds '$ ' commands"


def test_the_convention_catches_drift() -> None:
    """The comparison fails on a changed line, and ``...`` stands only for what it replaces."""
    real = "check f = z1\nnode  op\nx     input  ✓ \n[exit 1]\n"
    assert md.matches("check f = z1\nnode  op\nx     input  ✓\n[exit 1]\n", real)
    assert md.matches("check f = z1\n...\n[exit 1]\n", real)
    assert not md.matches("check f = z1\nnode  op\nx     input  ✗\n[exit 1]\n", real)
    assert not md.matches("check f = z1\n...\n", real)  # the exit code is part of the output
    assert not md.matches("check f = z2\n...\n[exit 1]\n", real)


def test_a_console_command_is_one_plain_command() -> None:
    assert md.argv("symcheck check 'x*y' --at x=1")[1:] == ["-m", "symcheck", "check", "x*y", "--at", "x=1"]
    for shell in ("symcheck check x | head", "symcheck check x > out", "symcheck check x; echo $?", "ls docs"):
        with pytest.raises(ValueError):
            md.argv(shell)


def test_the_exit_code_is_shown_when_it_is_not_0() -> None:
    assert md.run("symcheck check 'x*y' --at q=1").endswith("\n[exit 2]\n")
    assert "[exit" not in md.run("symcheck problems")


# -- running the examples ------------------------------------------------------------


@pytest.mark.parametrize("block", [pytest.param(b, marks=_marks(b.slow), id=b.where) for b in CONSOLE])
def test_console_example(block: md.Block) -> None:
    for command in md.commands(block):
        actual = md.run(command.words)
        assert md.matches(command.expected, actual), (
            f"{block.page.name}:{command.line}: the output of `$ {command.words}` drifted\n"
            + md.difference(command.expected, actual))


@pytest.mark.parametrize("page, slow", [pytest.param(page, slow, marks=_marks(slow),
                                                     id=f"{page.relative_to(md.ROOT)}{' slow' if slow else ''}")
                                        for page, slow in PYTHON_GROUPS])
def test_python_examples(page: Path, slow: bool) -> None:
    shown = [b for b in md.blocks(page) if b.lang == "python" and b.slow == slow]
    results = md.run_python(page, slow)
    assert [r["where"] for r in results] == [b.where for b in shown]
    for block, result in zip(shown, results):
        assert result["attempted"] == md.examples_in(block), f"{block.where}: not every example ran"
    failures = [f"{r['where']}:\n{r['report']}" for r in results if r["failed"]]
    assert not failures, "\n".join(failures)


# -- links and files -----------------------------------------------------------------

_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def _outside_code(page: Path) -> str:
    return re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)


@pytest.mark.parametrize("page", [*PAGES, md.ROOT / "DESIGN.md"], ids=lambda p: p.name)
def test_every_link_leads_somewhere(page: Path) -> None:
    for target in _LINK.findall(_outside_code(page)):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        assert destination.exists(), f"{page.name}: {target} does not exist"
        if anchor:
            assert anchor in _anchors(destination), f"{page.name}: no heading for #{anchor} in {destination.name}"


def test_the_index_lists_every_page() -> None:
    index = (md.ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        if page.name != "index.md":
            assert f"]({page.name})" in index, f"docs/index.md does not link {page.name}"


def test_every_example_file_is_used_by_the_docs() -> None:
    text = "".join(page.read_text(encoding="utf-8") for page in PAGES)
    for example in (md.ROOT / "docs" / "examples").iterdir():
        if example.suffix in (".py", ".sc"):
            assert f"examples/{example.name}" in text, f"no page uses docs/examples/{example.name}"


# -- the README ----------------------------------------------------------------------


def test_the_readme_is_a_short_storefront() -> None:
    lines = (md.ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 400


def test_the_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    readme = (md.ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    commands = [line for b in re.findall(r"^```sh\n(.*?)^```", quick, flags=re.S | re.M) for line in b.splitlines()]
    assert commands == ["pip install . && symcheck trace backprop", "pip install '.[test]' && python -m pytest"]
    assert commands[1] in (md.ROOT / ".ci" / "run").read_text(encoding="utf-8")
