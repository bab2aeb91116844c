"""The progress reporter: silent for 2 s, silent off a terminal, one line rewritten in place, wiped at the end."""

from __future__ import annotations

import io

import pytest

import symcheck
from symcheck.render.progress import Silent, TerminalProgress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reporter(clock: Clock) -> TerminalProgress:
    return TerminalProgress(io.StringIO(), clock=clock, force=True)


def test_nothing_is_drawn_during_the_first_two_seconds() -> None:
    clock = Clock()
    progress = reporter(clock)
    progress.begin("finite differences", 300)
    clock.now += 1.9
    progress.advance(100)
    assert progress.stream.getvalue() == ""


def test_after_two_seconds_one_line_is_rewritten_in_place_and_wiped_at_the_end() -> None:
    clock = Clock()
    progress = reporter(clock)
    progress.begin("finite differences", 30_000)
    clock.now += 2.5
    progress.advance(1_204)
    drawn = progress.stream.getvalue()
    assert drawn == "\rsymcheck: finite differences  1,204/30,000  (4 %)  2.5 s"
    clock.now += 0.05
    progress.advance(10)  # within the redraw interval: not drawn again
    assert progress.stream.getvalue() == drawn
    progress.begin("running your backward()")
    second = "symcheck: running your backward()  2.5 s"
    assert progress.stream.getvalue().endswith("\r" + second + " " * (len(drawn) - 1 - len(second)))  # the rest wiped
    progress.close()
    assert progress.stream.getvalue().endswith("\r" + " " * len("symcheck: running your backward()  2.5 s") + "\r")
    progress.advance(5)
    assert progress.stream.getvalue().endswith("\r")  # nothing after close


def test_a_stream_that_is_no_terminal_gets_nothing() -> None:
    clock = Clock()
    progress = TerminalProgress(io.StringIO(), clock=clock)
    progress.begin("reading your graph", 10)
    clock.now += 10
    progress.advance(10)
    progress.done()
    progress.close()
    assert progress.stream.getvalue() == ""


def test_a_check_reports_each_stage_to_the_progress_it_is_given() -> None:
    class Recorder(Silent):
        def __init__(self) -> None:
            self.stages: list[str] = []

        def begin(self, title: str, total: object = None) -> None:
            self.stages.append(title)

    from micrograd.engine import Value

    recorder = Recorder()
    x = Value(0.5)
    assert symcheck.check((x * x).relu() + x, progress=recorder).ok
    assert recorder.stages == ["reading your graph", "checking each local step", "running your backward()",
                               "finite differences"]
    recorder.stages.clear()
    symcheck.check("x*sin(y)", progress=recorder)
    assert recorder.stages == ["finite differences"]


@pytest.mark.parametrize("progress", [False, True])
def test_a_check_prints_nothing_of_its_own_by_default(progress: bool, capsys: pytest.CaptureFixture[str]) -> None:
    symcheck.check("x*sin(y)", progress=progress)
    assert capsys.readouterr() == ("", "")
