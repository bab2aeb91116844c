"""What the runnable problems show while they run: progress bars, loss tables, sparklines, plots.

Shared by `problems.gradient_descent` and `problems.transformer_run`, so that
the problems themselves read as the mathematics and the training loop only.

Results (tables, lines) go to the console a problem is given (stdout), and
nothing at all with ``quiet=True`` (`quiet_console`; ``--json`` runs quietly).
Progress goes to stderr, and only when stderr is a terminal
(`progress_console`): a log, a pipe or a notebook gets results, not bars.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Iterable, Optional, Sequence

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"
PLOT_FORMATS = ("png", "svg", "pdf")  # what --plot FILE may end with


class PlotUnavailable(RuntimeError):
    """--plot was asked for but matplotlib is not installed."""

    def __init__(self) -> None:
        super().__init__("--plot needs matplotlib; install it with: pip install 'symcheck[plot]'")


def quiet_console() -> Console:
    """A console that swallows everything (for ``quiet=True`` and tests)."""
    return Console(file=io.StringIO(), width=100, color_system=None)


def make_console(console: Optional[Console], quiet: bool, *, plain: bool = False) -> Console:
    """The console a problem prints its results to: the given one, a silent one, or stdout
    (without colour when `plain`: ``--no-color``; a non-empty NO_COLOR does the same)."""
    if quiet:
        return quiet_console()
    if console is not None:
        return console
    return Console(color_system=None) if plain else Console()


def progress_console(*, quiet: bool, plain: bool = False, stream: Optional[IO[str]] = None) -> Optional[Console]:
    """Where progress goes: stderr (or `stream`) when it is a terminal and the run is not quiet, else nowhere."""
    if quiet:
        return None
    console = Console(file=stream if stream is not None else sys.stderr, color_system=None if plain else "auto")
    return console if console.is_terminal else None


def sparkline(values: Sequence[float], *, width: int = 60, log: bool = True) -> str:
    """A one-line picture of a curve: each character is the mean of one bucket of values.

    With ``log=True`` (and all values positive) the heights follow log10 of the
    values, which is how a loss that shrinks geometrically is best seen.
    Non-finite values are drawn as "!".
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "!" * min(len(values), width)
    use_log = log and min(finite) > 0.0
    buckets = _buckets(list(values), width)
    heights = [_bucket_height(bucket, use_log) for bucket in buckets]
    known = [h for h in heights if h is not None]
    low, high = min(known), max(known)
    span = high - low or 1.0
    return "".join(
        "!" if h is None else BARS[min(len(BARS) - 1, int((h - low) / span * len(BARS)))] for h in heights
    )


def _buckets(values: list[float], width: int) -> list[list[float]]:
    if len(values) <= width:
        return [[v] for v in values]
    size = len(values) / width
    return [values[int(i * size) : max(int((i + 1) * size), int(i * size) + 1)] for i in range(width)]


def _bucket_height(bucket: list[float], use_log: bool) -> Optional[float]:
    if not all(math.isfinite(v) for v in bucket):
        return None
    mean = sum(bucket) / len(bucket)
    return math.log10(mean) if use_log else mean


class _Loss(ProgressColumn):
    """The loss of the latest step; a dash until the first step has one."""

    def render(self, task: Task) -> Text:
        loss = task.fields.get("loss")
        return Text("loss –" if loss is None else f"loss {loss:.4g}")


class _Rate(ProgressColumn):
    """Throughput in the bar's unit per second (steps, or sequences: steps × per_step)."""

    def __init__(self, unit: str, per_step: int) -> None:
        super().__init__()
        self.unit, self.per_step = unit, per_step

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed * self.per_step:,.0f} {self.unit}/s")


class Bar:
    """One task's bar; `step(loss)` after each step (does nothing when the bars are silent)."""

    def __init__(self, progress: Optional[Progress], description: str, total: int) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=total, loss=None) if progress is not None else None

    def step(self, loss: Optional[float] = None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, **({} if loss is None else {"loss": loss}))


class Bars:
    """Progress bars on stderr: a bar per task with steps done, the loss, the speed and the time left.

    ``with Bars(console, unit="seq", per_step=16) as bars: bar = bars.bar("training", 200)``, then
    ``bar.step(loss)`` per step. Work without a loss or a meaningful speed (a gradient check's parts)
    passes ``loss=False, unit=None``. With ``console=None`` (quiet, or stderr not a terminal)
    nothing is shown and nothing is slowed down.
    """

    def __init__(self, console: Optional[Console], *, unit: Optional[str] = "steps", per_step: int = 1,
                 loss: bool = True) -> None:
        columns: list[ProgressColumn] = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()]
        if loss:
            columns.append(_Loss())
        if unit is not None:
            columns.append(_Rate(unit, per_step))
        columns += [TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
        self._progress = Progress(*columns, console=console, transient=False) if console is not None else None

    def __enter__(self) -> "Bars":
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, kind: Optional[type], error: Optional[BaseException], trace: Optional[TracebackType]) -> None:
        if self._progress is not None:
            self._progress.stop()

    def bar(self, description: str, total: int) -> Bar:
        """A new bar of `total` steps."""
        return Bar(self._progress, description, total)


def checkpoint_steps(total: int, count: int = 8) -> list[int]:
    """Steps worth a row in a loss table: 0, then roughly geometric up to the last step."""
    if total <= 0:
        return []
    steps = {0, total - 1}
    for k in range(1, count):
        steps.add(min(total - 1, round((total - 1) ** (k / count))))
    return sorted(steps)


def loss_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    """A right-aligned table of numbers (loss at checkpoints, predictions)."""
    table = Table(title=title, title_justify="left")
    for name in columns:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def save_plot(curves: dict[str, Sequence[float]], path: str | Path, *, title: str, log: bool = True) -> Path:
    """Write a PNG of each loss curve (one line per name) to `path`; needs matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable() from None
    figure, axes = plt.subplots(figsize=(7, 4))
    drawn = {name: values for name, values in curves.items() if len(values)}
    for name, values in drawn.items():
        axes.plot(range(len(values)), values, label=name)
    if log and drawn:
        axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(title)
    if drawn:
        axes.legend()
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format=Path(path).suffix.lstrip(".").lower() or "png", dpi=120)
    plt.close(figure)
    write_file(path, image.getvalue())
    return Path(path)


class PlotWriteError(OSError):
    """--plot's file could not be written (a full disk, a folder made read-only meanwhile): the environment's error."""


def write_file(path: str | Path, data: bytes) -> None:
    """Write `data` to `path`; on failure remove the partial file it created and raise `PlotWriteError`."""
    existed = os.path.lexists(path)
    try:
        with open(path, "wb") as file:
            file.write(data)
    except OSError as error:
        if not existed:
            with contextlib.suppress(OSError):
                os.remove(path)
        raise PlotWriteError(error.errno, f"--plot {path}: cannot write it: {error.strerror or error}") from None


def matplotlib_available() -> bool:
    """True when --plot can work."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True
