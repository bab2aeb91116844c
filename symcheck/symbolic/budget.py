"""Time bounds for sympy's work, holding in any thread and against C code.

Two layers, used together by claims and grading:

* `run_bounded(work, seconds)` runs ``work()`` in a forked worker process and
  kills it once `seconds` have passed (`OutOfTime`). A kill stops anything,
  C code included (sympy computing an exact 10^(10^9) inside the integer
  library), and it works from any thread, where signals never arrive. The
  worker is a fork of the caller, so it sees the caller's state (programs,
  registered ops, warm caches) without pickling; only the result travels
  back, pickled. A fork with sympy loaded costs a few milliseconds
  (``bench/bench_budget.py``).
* `time_limit(seconds)` interrupts Python code in the main thread with
  `OutOfTime` through the interval timer. Inside a worker (whose only thread
  is its main thread) it bounds single steps, a proof or a message's
  simplification, so that running out of time there degrades one answer
  (a proof falls back to sampling) instead of losing the whole result.

Where there is no ``fork`` (Windows), `run_bounded` runs the work in-process
under `time_limit`, which then bounds it only in the main thread.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")

CLAIM_SECONDS = 15.0
"""The whole budget of one claim (translation, proof, sampling, the verdict's sentence); past it the
claim is undecided. Its parts have budgets of their own within it (`symcheck.claims.decide`)."""

_in_worker = False
"""True inside a worker process: nested bounded work runs inline (the worker's own kill bounds it)."""


class OutOfTime(Exception):
    """The bounded work ran out of time."""


class WorkerFailed(RuntimeError):
    """The worker raised an error that could not travel back as itself; carries its traceback."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block with `OutOfTime` after `seconds` (only in the main thread, where signals arrive).

    Elsewhere the block runs unbounded: call it inside `run_bounded`, whose
    worker's only thread is its main thread.
    """
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable or seconds <= 0:
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise OutOfTime()

    previous = signal.signal(signal.SIGALRM, interrupt)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:  # someone else's alarm was pending: give it back what is left of it
            left = max(outer_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


def run_bounded(work: Callable[[], T], seconds: float) -> T:
    """``work()``'s result, computed within `seconds` of wall time, or `OutOfTime`.

    An exception raised by `work` is raised here, as itself when it pickles
    (symcheck's errors do), else as `WorkerFailed` with the worker's traceback.
    """
    if _in_worker or not hasattr(os, "fork"):
        with time_limit(seconds):
            return work()
    deadline = time.monotonic() + seconds
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python ≥ 3.12 warns about fork() in a process with threads: the worker only computes
        # and exits, and a worker that hung on a lock another thread held is killed at the deadline.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker; coverage cannot follow a fork
        os.close(read_end)
        _serve(work, write_end)
    os.close(write_end)
    try:
        payload = _collect(read_end, pid, deadline, seconds)
    finally:
        os.close(read_end)
    return _unpack(payload)


def _serve(work: Callable[[], Any], write_end: int) -> None:  # pragma: no cover - runs in the worker
    """The worker: run, send the pickled outcome, and leave without running the parent's exit handlers."""
    global _in_worker
    _in_worker = True
    code = 0
    try:
        try:
            outcome: tuple[str, Any] = ("result", work())
        except BaseException as error:  # noqa: BLE001 -- everything travels back to the caller
            outcome = ("error", error)
        try:
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 -- an unpicklable result or error: send its traceback
            data = pickle.dumps(("failed", "".join(traceback.format_exception(outcome[1]))
                                 if outcome[0] == "error" else traceback.format_exc()))
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view):]
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _collect(read_end: int, pid: int, deadline: float, seconds: float) -> bytes:
    """Read the worker's pickled outcome until it closes the pipe; kill it at the deadline."""
    chunks: list[bytes] = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise OutOfTime(f"the work did not finish within {seconds:g} s")
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:  # out of time, Ctrl-C, anything: the worker must not outlive the call
        _kill(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if not chunks:
        raise WorkerFailed(f"the worker process ended without a result (wait status {status})")
    return b"".join(chunks)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _unpack(payload: bytes) -> Any:
    kind, value = pickle.loads(payload)  # noqa: S301 -- our own worker's bytes, never user data
    if kind == "result":
        return value
    if kind == "error":
        raise value
    raise WorkerFailed(f"the worker failed:\n{value}")
