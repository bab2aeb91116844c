"""Progress of long work, drawn on a terminal's stderr only once the work has taken a while.

Work that may run for seconds (checking a big graph, taking many finite
differences) accepts an optional `Progress`: it calls ``begin(title, total)``
for each stage, ``advance(n)`` as it goes and ``done()`` at the stage's end,
and says nothing when it is given none. `TerminalProgress` is the one that
draws: a single line on stderr, rewritten in place, such as

    symcheck: finite differences  1,204/30,000  (4 %)  3.1 s

It draws nothing during the first `DELAY` seconds (most checks end before),
nothing when the stream is not a terminal (a pipe, a file, CI logs) and
nothing after `close()`, which also wipes the line, so the result printed next
starts on a clean line.

>>> import io
>>> progress = TerminalProgress(io.StringIO())      # not a terminal: silent
>>> progress.begin("reading the graph", 3); progress.advance(3); progress.done(); progress.close()
>>> progress.stream.getvalue()
''
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Optional, Protocol, TextIO

DELAY = 2.0
"""Seconds of work before anything is drawn."""

INTERVAL = 0.1
"""Seconds between two redraws."""


class Progress(Protocol):
    """What long work reports to: stages with a title and an optional total, and the work done in each."""

    def begin(self, title: str, total: Optional[int] = None) -> None:
        """A stage starts: `total` units of work (None when unknown)."""

    def advance(self, amount: int = 1) -> None:
        """`amount` more units of the current stage are done."""

    def done(self) -> None:
        """The current stage is finished."""


class Silent:
    """A `Progress` that shows nothing (the default of every checking function)."""

    def begin(self, title: str, total: Optional[int] = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


class TerminalProgress:
    """A `Progress` drawn as one line on `stream` (stderr), after `delay` seconds, only on a terminal.

    Use it as a context manager, or call `close()` when the work is over.
    `clock` is for tests (default ``time.monotonic``).
    """

    def __init__(self, stream: Optional[TextIO] = None, *, delay: float = DELAY, interval: float = INTERVAL,
                 clock: Callable[[], float] = time.monotonic, force: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.delay, self.interval, self.clock = delay, interval, clock
        self.enabled = force or _is_terminal(self.stream)
        self.started = clock()
        self.title = ""
        self.total: Optional[int] = None
        self.count = 0
        self._drawn_at: Optional[float] = None
        self._width = 0

    def begin(self, title: str, total: Optional[int] = None) -> None:
        self.title, self.total, self.count = title, total, 0
        self._draw(force=True)

    def advance(self, amount: int = 1) -> None:
        self.count += amount
        self._draw()

    def done(self) -> None:
        if self.total is not None:
            self.count = self.total
        self._draw(force=True)

    def close(self) -> None:
        """Wipe the line (if one was drawn) and draw nothing more."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
        self.enabled = False

    def __enter__(self) -> "TerminalProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def line(self, now: float) -> str:
        """The line as it would be drawn at time `now`."""
        parts = [f"symcheck: {self.title}"]
        if self.total:
            parts.append(f"{self.count:,}/{self.total:,}  ({100 * self.count // self.total} %)")
        elif self.count:
            parts.append(f"{self.count:,}")
        parts.append(f"{now - self.started:.1f} s")
        return "  ".join(parts)

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.delay:
            return
        if not force and self._drawn_at is not None and now - self._drawn_at < self.interval:
            return
        text = self.line(now)
        padding = " " * max(0, self._width - len(text))
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self._width = len(text)
        self._drawn_at = now


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
