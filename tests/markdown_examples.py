"""Read and run the examples in README.md and docs/*.md (the convention is in tests/test_docs.py).

Also a command line, run from the repository's root:

    python tests/markdown_examples.py --python docs/claims.md   # run one page's python blocks (JSON out)
    python tests/markdown_examples.py --update README.md        # rewrite console outputs that drifted

``--update`` runs every console block and writes the real output under each
command whose shown output no longer matches; a command that still matches
(including one whose output uses ``...``) is left as it is. Read the diff
before committing it.
"""

from __future__ import annotations

import atexit
import doctest
import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

RUN = ("console", "python")
"""Block languages that run."""
SHOW = ("text", "sh", "toml")
"""Block languages that are shown only: an excerpt of a long run, install lines, configuration."""

ENV = {"COLUMNS": "80", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
"""The environment every example runs in: 80 columns, no colour, output in the order a terminal shows it."""

TIMEOUT = 300
_FENCE = re.compile(r"^```(.*)$")


@dataclass
class Block:
    """One fenced block: the page, the line of its opening fence (1-based), its language and options."""

    page: Path
    line: int
    lang: str
    options: tuple[str, ...]
    text: str

    @property
    def slow(self) -> bool:
        """Marked ```` ```console slow ````: takes more than a few seconds, so the test is marked slow."""
        return "slow" in self.options

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass
class Command:
    """A ``$ …`` line of a console block and the output shown under it."""

    line: int
    words: str
    expected: str
    output_lines: range = field(default_factory=lambda: range(0))
    """Where the shown output stands in the page (0-based line numbers), for --update."""


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a page, in order. An unclosed fence is an error."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    opening: Optional[tuple[int, str]] = None
    body: list[str] = []
    for number, line in enumerate(lines, 1):
        match = _FENCE.match(line)
        if opening is None:
            if match:
                opening, body = (number, match.group(1).strip()), []
        elif line.strip() == "```":
            words = opening[1].split()
            lang, options = (words[0], tuple(words[1:])) if words else ("", ())
            found.append(Block(page, opening[0], lang, options, "\n".join(body) + "\n"))
            opening = None
        else:
            body.append(line)
    if opening is not None:
        raise ValueError(f"{page.relative_to(ROOT)}:{opening[0]}: a fenced block is never closed")
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a console block, each with the output shown under it."""
    found: list[Command] = []
    for offset, line in enumerate(block.text.splitlines()):
        number = block.line + 1 + offset
        if line.startswith("$ "):
            found.append(Command(number, line[2:], "", range(number, number)))
        elif not found:
            raise ValueError(f"{block.where}: a console block starts with a '$ ' command line")
        else:
            command = found[-1]
            command.expected += line + "\n"
            command.output_lines = range(command.output_lines.start, number)
    return found


# -- console commands ----------------------------------------------------------------


def argv(words: str) -> list[str]:
    """The process a shown command runs: ``symcheck …`` is ``python -m symcheck …`` in the repository."""
    parts = words_of(words)
    if parts[0] == "symcheck":
        return [sys.executable, "-m", "symcheck", *parts[1:]]
    if parts[0] == "python" and len(parts) > 1:
        return [sys.executable, *parts[1:]]
    raise ValueError(f"a console example runs symcheck, python or cat, not {parts[0]!r}: {words}")


def words_of(command: str) -> list[str]:
    """A shown command split as a shell would; pipes, redirections and ``;``/``&&`` are refused."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    parts = list(lexer)
    operators = [part for part in parts if part and set(part) <= set("|;&<>()")]
    if operators or "$" in command:
        raise ValueError(f"a console example is one plain command (no {operators or '$'}): {command}")
    return parts


def environment() -> dict[str, str]:
    """os.environ without pytest's own variables, plus `ENV`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(ENV)
    return env


def run(words: str) -> str:
    """What a user sees for a shown command: stdout and stderr as one stream, then ``[exit N]`` if N ≠ 0."""
    parts = words_of(words)
    if parts[0] == "cat":
        return "".join((ROOT / name).read_text(encoding="utf-8") for name in parts[1:])
    command = argv(words)
    if command[1:3] == ["-m", "symcheck"] and _Forks.available():
        output, code = _Forks.run(command[1:])
    else:
        done = subprocess.run(command, cwd=ROOT, env=environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=TIMEOUT)
        output, code = done.stdout.decode("utf-8", errors="replace"), done.returncode
    if code:
        output += ("" if output.endswith("\n") or not output else "\n") + f"[exit {code}]\n"
    return output


class _Forks:
    """``python -m symcheck …`` and a page's doctests, each forked from one process that has already
    imported sympy, rich and symcheck.

    Each still runs in a process of its own, started in the repository's root with `ENV`, exactly
    as ``python -m`` or ``python FILE`` runs it (`runpy`), but without a fresh interpreter's half a
    second of imports. POSIX only; set DOCS_EXAMPLES_FRESH=1 to start a fresh interpreter each time.
    """

    server: Optional[subprocess.Popen] = None

    @classmethod
    def available(cls) -> bool:
        return hasattr(os, "fork") and not os.environ.get("DOCS_EXAMPLES_FRESH")

    @classmethod
    def run(cls, args: list[str]) -> tuple[str, int]:
        import select

        if cls.server is None or cls.server.poll() is not None:
            cls.server = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve"], cwd=ROOT,
                                          env=environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            atexit.register(cls.stop)
        server = cls.server
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(json.dumps(args).encode() + b"\n")
        server.stdin.flush()
        ready, _, _ = select.select([server.stdout], [], [], TIMEOUT)
        if not ready:
            server.kill()
            raise TimeoutError(f"python {' '.join(args)} took more than {TIMEOUT} s")
        answer = json.loads(server.stdout.readline())
        return answer["output"], answer["code"]

    @classmethod
    def stop(cls) -> None:
        """End the server: it stops when its input closes."""
        server, cls.server = cls.server, None
        if server is not None and server.poll() is None:
            assert server.stdin is not None and server.stdout is not None
            server.stdin.close()
            server.wait(timeout=TIMEOUT)
            server.stdout.close()


def _serve() -> None:
    """Answer one JSON request per line, ``["-m", "symcheck", ARG, …]`` or ``[FILE, ARG, …]``,
    with ``{"output", "code"}``: what the command printed (stdout and stderr) and its exit code."""
    import random
    import runpy
    import traceback

    sys.path[0] = str(ROOT)  # ``python -m`` puts the working directory first
    import rich.console  # noqa: F401  -- what every command needs, loaded once
    import sympy  # noqa: F401

    import ag  # noqa: F401
    import symcheck.api  # noqa: F401
    import symcheck.cli  # noqa: F401

    for request in sys.stdin:
        args = json.loads(request)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the command's own process
            os.close(read)
            os.dup2(write, 1)
            os.dup2(write, 2)
            sys.stdin = open(os.devnull)
            sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)
            random.seed()
            code: object = 0
            try:
                if args[0] == "-m":
                    sys.argv = [args[1], *args[2:]]
                    runpy.run_module(args[1], run_name="__main__", alter_sys=True)
                else:
                    sys.argv = list(args)
                    runpy.run_path(args[0], run_name="__main__")
            except SystemExit as exit:
                code = exit.code
            except BaseException:  # noqa: BLE001 -- what an uncaught exception does to `python -m`
                traceback.print_exc()
                code = 1
            if isinstance(code, str):
                print(code, file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code if isinstance(code, int) else (0 if code is None else 1))
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            output = pipe.read().decode("utf-8", errors="replace")
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(json.dumps({"output": output, "code": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()


def normal(text: str) -> str:
    """Lines without trailing whitespace, and no blank lines at the end."""
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n") + "\n"


def matches(expected: str, actual: str) -> bool:
    """The shown output is the real one, where ``...`` stands for any text (doctest's ELLIPSIS).

    The exit code line is compared on its own: ``...`` never stands for it.
    """
    want, got = normal(expected), normal(actual)
    if _exit_line(want) != _exit_line(got):
        return False
    return want == got or doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)


def _exit_line(output: str) -> Optional[str]:
    last = output.rstrip("\n").rpartition("\n")[2]
    return last if re.fullmatch(r"\[exit -?\d+\]", last) else None


def difference(expected: str, actual: str) -> str:
    """A unified diff of shown and real output, for a failure message."""
    import difflib

    return "".join(difflib.unified_diff(normal(expected).splitlines(True), normal(actual).splitlines(True),
                                        "shown in the docs", "real output"))


# -- python blocks -------------------------------------------------------------------


def examples_in(block: Block) -> int:
    """How many ``>>>`` examples a python block holds."""
    return len(doctest.DocTestParser().get_examples(block.text))


def run_python(page: Path, slow: bool) -> list[dict]:
    """Run a page's python blocks (only the slow ones, or only the others) in a process of their own."""
    args = [str(Path(__file__).resolve()), "--python", str(page)] + (["--slow"] if slow else [])
    if _Forks.available():
        output, code = _Forks.run(args)
    else:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
        output, code = done.stdout, done.returncode
    if code:
        raise RuntimeError(f"running {page.name}'s python blocks crashed:\n{output}")
    return json.loads(output.splitlines()[-1])  # the last line: anything an example printed to stderr goes first


def _doctest_blocks(page: Path, slow: bool) -> list[dict]:
    """Each python block as a doctest in its own fresh namespace, from the repository's root."""
    results = []
    parser = doctest.DocTestParser()
    for block in blocks(page):
        if block.lang != "python" or block.slow != slow:
            continue
        test = parser.get_doctest(block.text, {"__name__": "__main__"}, block.where, str(page), block.line)
        report: list[str] = []
        runner = doctest.DocTestRunner(verbose=False)
        start = time.perf_counter()
        outcome = runner.run(test, out=report.append, clear_globs=True)
        results.append({"where": block.where, "attempted": outcome.attempted, "failed": outcome.failed,
                        "seconds": round(time.perf_counter() - start, 3), "report": "".join(report)})
    return results


# -- --update ------------------------------------------------------------------------


def update(page: Path) -> int:
    """Rewrite the shown output of every command whose real output differs; returns how many changed."""
    lines = page.read_text(encoding="utf-8").splitlines()
    changes = []
    for block in blocks(page):
        if block.lang != "console":
            continue
        for command in commands(block):
            actual = run(command.words)
            if not matches(command.expected, actual):
                changes.append((command.output_lines, normal(actual).splitlines()))
    for shown, real in reversed(changes):
        lines[shown.start:shown.stop] = real
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(changes)


def main(args: list[str]) -> int:
    if args[:1] == ["--python"]:
        sys.path.insert(0, str(ROOT))  # the repository's own code, as in a Python started in its root
        print(json.dumps(_doctest_blocks(Path(args[1]).resolve(), "--slow" in args)))
        return 0
    if args[:1] == ["--serve"]:
        _serve()
        return 0
    if args[:1] == ["--update"]:
        for name in args[1:]:
            print(f"{name}: {update(Path(name).resolve())} output(s) rewritten")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
