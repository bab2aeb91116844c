"""problems.display: sparklines, checkpoints, tables, the silent console."""

from __future__ import annotations

import math

import pytest
from rich.console import Console

from problems import display


def test_sparkline_of_a_geometric_decay_is_a_straight_staircase() -> None:
    # On a log scale 10^-k falls evenly: the first bucket is the highest bar, the last the lowest.
    line = display.sparkline([10.0**-k for k in range(8)], width=8)
    assert line == "█▇▆▅▄▃▂▁"


def test_sparkline_linear_scale_and_bucketing() -> None:
    line = display.sparkline(list(range(100)), width=10, log=False)
    assert len(line) == 10 and line[0] == "▁" and line[-1] == "█"
    assert list(line) == sorted(line)


def test_sparkline_marks_non_finite_values() -> None:
    assert display.sparkline([1.0, 0.5, math.inf], width=3) == "█▁!"
    assert display.sparkline([math.nan, math.nan]) == "!!"


def test_checkpoints_start_at_zero_end_at_the_last_step_and_grow() -> None:
    steps = display.checkpoint_steps(1000)
    assert steps[0] == 0 and steps[-1] == 999 and steps == sorted(set(steps))
    assert display.checkpoint_steps(0) == [] and display.checkpoint_steps(1) == [0]


def test_loss_table_renders_numbers_right_aligned() -> None:
    console = Console(width=60, color_system=None, record=True)
    console.print(display.loss_table("loss", ["step", "loss"], [(0, 2.5), (10, 0.00012345678)]))
    text = console.export_text()
    assert "0.000123457" in text and "2.5" in text


def test_quiet_console_prints_nothing_to_the_terminal(capsys) -> None:
    display.make_console(None, quiet=True).print("hidden")
    assert capsys.readouterr().out == ""


def test_a_plot_with_nothing_to_draw_is_still_written_without_warnings(tmp_path, recwarn) -> None:
    pytest.importorskip("matplotlib")
    target = display.save_plot({"diverged at once": []}, tmp_path / "empty.png", title="nothing")
    assert target.read_bytes()[:4] == b"\x89PNG"
    assert not [w for w in recwarn if "legend" in str(w.message)]


def _terminal(stream) -> Console:
    return Console(file=stream, force_terminal=True, color_system=None, width=120)


def test_a_bar_shows_a_dash_until_the_first_loss_then_the_loss_the_speed_and_the_time_left() -> None:
    import io

    stream = io.StringIO()
    with display.Bars(_terminal(stream), unit="seq", per_step=8) as bars:
        bar = bars.bar("training", 4)
        bars._progress.refresh()  # what is shown before the first step
        before = stream.getvalue()
        for loss in (2.5, 1.25, 0.5, 0.25):
            bar.step(loss)
    assert "loss –" in before and "nan" not in before
    after = stream.getvalue()[len(before):]
    assert "4/4" in after and "loss 0.25" in after and "eta" in after and "seq/s" in after


def test_bars_without_a_console_show_nothing(capsys) -> None:
    with display.Bars(None) as bars:
        bars.bar("training", 3).step(1.0)
    assert capsys.readouterr() == ("", "")


def test_progress_goes_to_stderr_only_when_it_is_a_terminal(monkeypatch) -> None:
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("TERM", raising=False)
    assert display.progress_console(quiet=False, stream=Terminal()) is not None
    assert display.progress_console(quiet=True, stream=Terminal()) is None
    assert display.progress_console(quiet=False, stream=io.StringIO()) is None
