"""problems.runner: the shared command line of the runnable problems (usage errors, --plot, --json, exit codes)."""

from __future__ import annotations

import json
import math
import os

import pytest

from problems import runner


def tiny_problem(result: dict):
    """A parser and a run function standing in for a problem module."""
    parser = runner.problem_parser("tiny", "a stand-in problem", steps_help="steps", lr_help="lr")
    parser.add_argument("--fail", action="store_true")

    def run(args) -> dict:
        if args.fail:
            raise runner.UsageError("n_embd (10) must be a multiple of n_head (4)")
        return {**result, "steps": args.steps, "losses": [1.0, 0.5]}

    return parser, run


def test_a_usage_error_is_one_line_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    parser, run = tiny_problem({"ok": True})
    for argv in (["--steps", "0"], ["--steps", "x"], ["--lr", "nan"], ["--lr", "-1"], ["--bogus"], ["--fail"]):
        assert runner.run_main(parser, argv, run, lambda r: r["ok"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("tiny: error: "), err


def test_exit_code_follows_the_target_and_json_is_strict(capsys: pytest.CaptureFixture[str]) -> None:
    parser, run = tiny_problem({"ok": False, "worst": math.nan, "nested": [{"losses": [1.0], "gap": math.inf}]})
    assert runner.run_main(parser, ["--json", "--steps", "3"], run, lambda r: r["ok"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"ok": False, "worst": None, "nested": [{"gap": None}], "steps": 3}
    parser, run = tiny_problem({"ok": True})
    assert runner.run_main(parser, [], run, lambda r: r["ok"]) == 0


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    parser, run = tiny_problem({"ok": True})
    assert runner.run_main(parser, ["--help"], run, lambda r: r["ok"]) == 0
    assert "--steps" in capsys.readouterr().out


def test_an_unwritable_plot_is_refused_before_running(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    ran = []
    parser, run = tiny_problem({"ok": True})
    for target, complaint in ((tmp_path / "missing" / "a.png", "does not exist"), (tmp_path / "a.txt", ".png"),
                              (tmp_path, "is a folder")):
        code = runner.run_main(parser, ["--plot", str(target)], lambda a: ran.append(a) or run(a), lambda r: True)
        assert code == 2 and complaint in capsys.readouterr().err
    assert not ran
    runner.check_plot_target(str(tmp_path / "loss.PNG"))  # a good name passes


def test_without_matplotlib_plot_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.display, "matplotlib_available", lambda: False)
    with pytest.raises(runner.UsageError, match=r"pip install 'symcheck\[plot\]'"):
        runner.check_plot_target("loss.png")


def test_ctrl_c_is_exit_130_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    parser, _ = tiny_problem({"ok": True})

    def interrupted(args) -> dict:
        raise KeyboardInterrupt

    assert runner.run_main(parser, [], interrupted, lambda r: True) == 130
    assert capsys.readouterr().err == "tiny: interrupted\n"


def test_a_reader_that_leaves_early_is_one_line_and_exit_code_4(capsys: pytest.CaptureFixture[str]) -> None:
    # `python -m problems.gradient_descent --json | head -3`: the pipe closes while printing.
    parser, _ = tiny_problem({"ok": False})

    def pipe_closed(args) -> dict:
        raise BrokenPipeError

    assert runner.run_main(parser, [], pipe_closed, lambda r: True) == 4
    assert capsys.readouterr().err == ("tiny: error: stdout was closed by the program reading it (EPIPE); "
                                       "the output is incomplete\n")


def test_a_plot_that_cannot_be_written_is_one_line_and_exit_code_4(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full to stand for a full disk on this system")
    full = tmp_path / "loss.png"
    full.symlink_to("/dev/full")  # every write to it fails with ENOSPC, as on a full disk
    monkeypatch.setattr(runner.display, "matplotlib_available", lambda: True)
    parser, run = tiny_problem({"ok": True})

    def run_and_plot(args) -> dict:
        result = run(args)
        runner.display.write_file(args.plot, b"\x89PNG" + bytes(1 << 20))  # what save_plot does after drawing
        return result

    assert runner.run_main(parser, ["--plot", str(full)], run_and_plot, lambda r: True) == 4
    assert capsys.readouterr().err == f"tiny: error: --plot {full}: cannot write it: No space left on device\n"


def test_write_file_removes_the_partial_file_it_created(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "loss.png"

    class Full:
        def __enter__(self):
            target.write_bytes(b"part")  # some bytes made it before the disk filled
            return self

        def __exit__(self, *exc):
            return False

        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("builtins.open", lambda *a, **k: Full())
    with pytest.raises(runner.display.PlotWriteError, match="cannot write it: No space left on device"):
        runner.display.write_file(target, b"png")
    monkeypatch.undo()
    assert not target.exists()
