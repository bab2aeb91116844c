"""Run one case in a child process with a bound on its time and memory, and measure both.

The hostile-input tests (tests/hostile/) use it: a case that hangs or grows
without bound must fail its test, not take the suite down with it. The child's
address space is capped with ``RLIMIT_AS`` (a runaway allocation is a
MemoryError in the child, not the machine swapping), its wall time with a
timeout after which it is killed, and its peak resident memory and wall time
are measured (``os.wait4``) so a test can assert them, not only survive them.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
GB = 1 << 30


@dataclass
class Outcome:
    """What a bounded child did: exit code (None if killed at the timeout), output, time and peak memory."""

    returncode: Optional[int]
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def describe(self) -> str:
        return (f"exit {self.returncode}, {self.seconds:.1f} s, peak {self.peak_bytes / 2**20:.0f} MiB\n"
                f"stdout: {self.stdout[-1500:]}\nstderr: {self.stderr[-1500:]}")


def run_bounded(
    argv: Sequence[str],
    *,
    seconds: float = 30.0,
    memory: int = GB,
    stdin: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[Path] = None,
    stdout: Optional[int] = None,
) -> Outcome:
    """Run `argv` with at most `memory` bytes of address space, killed after `seconds` of wall time.

    `stdout` may be a file descriptor to write to instead of a pipe (``/dev/full``, a closed one: -1).
    """
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "NO_COLOR": "1", **(env or {})}

    def limit() -> None:  # runs in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if stdout == -1:
            os.close(1)

    start = time.perf_counter()
    child = subprocess.Popen(
        list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE if stdout in (None, -1) else stdout,
        stderr=subprocess.PIPE, env=environment, cwd=cwd or ROOT, preexec_fn=limit,
    )
    outputs = {"stdout": b"", "stderr": b""}
    readers = [threading.Thread(target=_drain, args=(stream, outputs, key))
               for key, stream in (("stdout", child.stdout), ("stderr", child.stderr)) if stream is not None]
    for reader in readers:
        reader.start()
    if child.stdin is not None:
        try:
            child.stdin.write((stdin or "").encode())
            child.stdin.close()
        except BrokenPipeError:
            pass
    returncode, peak = _wait(child.pid, seconds)
    child.returncode = -9 if returncode is None else returncode  # reaped here, not by Popen
    for reader in readers:
        reader.join(5)
    return Outcome(returncode, outputs["stdout"].decode("utf-8", "replace"),
                   outputs["stderr"].decode("utf-8", "replace"), time.perf_counter() - start, peak)


def symcheck_bounded(*words: str, **options: object) -> Outcome:
    """``python -m symcheck WORDS`` with `run_bounded`'s limits."""
    return run_bounded([sys.executable, "-m", "symcheck", *words], **options)  # type: ignore[arg-type]


def python_bounded(code: str, **options: object) -> Outcome:
    """``python -c CODE`` with `run_bounded`'s limits (the repository's packages importable)."""
    return run_bounded([sys.executable, "-c", code], **options)  # type: ignore[arg-type]


_BATCH = """
import contextlib, io, json, sys
from symcheck.cli import main
for words in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(words)
    print(json.dumps([code, out.getvalue(), err.getvalue()]), file=sys.__stdout__, flush=True)
"""


@dataclass
class CliResult:
    """One command of `symcheck_batch`: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def symcheck_batch(commands: Sequence[Sequence[str]], **options: object) -> tuple[list[CliResult], Outcome]:
    """Run several ``symcheck`` commands (`symcheck.cli.main`) in one bounded child, one after another.

    Cheaper than a process per command; the bound holds for all of them
    together. Returns each command's result and the child's `Outcome`.
    """
    import json

    outcome = python_bounded(_BATCH, stdin=json.dumps([list(c) for c in commands]), **options)
    results = [CliResult(*json.loads(line)) for line in outcome.stdout.splitlines() if line.startswith("[")]
    return results, outcome


def _drain(stream: IO[bytes], outputs: dict, key: str) -> None:
    outputs[key] = stream.read()


def _wait(pid: int, seconds: float) -> tuple[Optional[int], int]:
    """Wait for `pid` (killing it after `seconds`); its exit code (None if killed) and peak RSS in bytes."""
    deadline = time.monotonic() + seconds
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss * scale
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            _, _, usage = os.wait4(pid, 0)
            return None, usage.ru_maxrss * 1024
        time.sleep(0.02)
