"""What the runnable problems show while they train: a progress bar, loss tables, sparklines, plots.

Shared by `problems.gradient_descent` and `problems.transformer`, so that the
problems themselves read as the mathematics and the training loop only.
Everything here prints nothing when given ``console=None`` through
`quiet_console()`; the problems pass that for ``quiet=True``.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from pathlib import Path
from typing import Iterable, Optional, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

BARS = "▁▂▃▄▅▆▇█"
PLOT_FORMATS = ("png", "svg", "pdf")  # what --plot FILE may end with


class PlotUnavailable(RuntimeError):
    """--plot was asked for but matplotlib is not installed."""

    def __init__(self) -> None:
        super().__init__("--plot needs matplotlib; install it with: pip install 'symcheck[plot]'")


def quiet_console() -> Console:
    """A console that swallows everything (for ``quiet=True`` and tests)."""
    return Console(file=io.StringIO(), width=100, color_system=None)


def make_console(console: Optional[Console], quiet: bool) -> Console:
    """The console a problem prints to: the given one, a silent one, or the terminal."""
    if quiet:
        return quiet_console()
    return console if console is not None else Console()


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


def progress_bar(console: Console, *, unit: str = "steps") -> Progress:
    """A rich progress bar showing steps done, the current loss and throughput (`unit`/s).

    Update the task with ``progress.update(task, advance=1, loss=..., rate=...)``.
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4g}"),
        TextColumn("{task.fields[rate]:,.0f} " + unit + "/s"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


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
