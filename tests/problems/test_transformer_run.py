"""problems.transformer_run: the gradient check of one step, short runs, progress, the command line."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from problems import display
from problems import transformer as tf
from problems import transformer_settings as memory
from problems import transformer_run as harness
from problems.tasks import make_dataset

TINY = dict(n_embd=8, n_head=2, mlp_width=8, length=2, held_out=20, batch_size=4)
TINY_ARGS = ["--n-embd", "8", "--n-head", "2", "--mlp-width", "8", "--length", "2", "--batch-size", "4",
             "--held-out", "20"]


def tiny(seed: int = 0, *, fused: bool = False):
    settings = harness.make_settings(steps=None, lr=None, **TINY)
    return tf.build_model(settings, seed, fused=fused), make_dataset("reverse", length=2, held_out=20, seed=seed)


def backward(model, batch) -> None:
    loss = tf.answer_loss(model, batch)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()


def test_directional_check_agrees_with_the_engine() -> None:
    model, data = tiny()
    batch = data.train[:3]
    backward(model, batch)
    check = harness.directional_check(model, batch, directions=3, seed=1)
    assert check["ok"] and check["worst_relative_error"] < 1e-6
    assert all(abs(row["engine"]) > 1e-6 for row in check["rows"])  # non-trivial directions


def test_directional_check_catches_a_wrong_gradient() -> None:
    model, data = tiny()
    batch = data.train[:3]
    backward(model, batch)
    for p in model.parameters()[:40]:  # corrupt the token embeddings' gradients
        p.grad = -p.grad + 0.1
    check = harness.directional_check(model, batch, directions=3, seed=1)
    assert not check["ok"] and check["worst_relative_error"] > 1e-3


def test_parameters_are_restored_after_the_check() -> None:
    model, data = tiny()
    before = [p.data for p in model.parameters()]
    harness.directional_check(model, data.train[:2], directions=2, seed=0)
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("fused", [False, True])
def test_one_step_gradient_is_verified_over_the_whole_graph(fused: bool) -> None:
    model, data = tiny(fused=fused)
    check = harness.verify_step(model, data.train[:2], directions=2, seed=0)
    assert check["ok"] is True and check["worst_relative_error"] < 1e-6
    assert check["nodes"] > (500 if fused else 3000)


def test_the_gradient_check_shows_its_progress_on_a_terminal() -> None:
    stream = io.StringIO()
    terminal = Console(file=stream, force_terminal=True, color_system=None, width=100)
    model, data = tiny()
    harness.verify_step(model, data.train[:2], directions=2, seed=0, progress=terminal)
    shown = stream.getvalue()
    assert "verifying one step's gradient" in shown and "3/3" in shown


def test_a_short_run_returns_the_fields() -> None:
    result = harness.run(steps=3, quiet=True, **TINY)
    assert len(result["losses"]) == 3
    for key in ("accuracy", "final_loss", "steps", "seconds", "nodes_per_step", "seconds_per_step", "trained"):
        assert key in result
    assert result["nodes_per_step"] > 3000 and result["steps"] == 3 and result["model"] == "scalar"
    assert result["gradcheck"]["ok"] is True
    assert len(result["predictions"]) == 8
    json.loads(json.dumps(result))


def test_the_fused_run_trains_the_same_network_faster_per_node() -> None:
    scalar = harness.run(steps=2, quiet=True, gradcheck=False, **TINY)
    fused = harness.run(steps=2, quiet=True, gradcheck=False, fused=True, **TINY)
    assert fused["model"] == "fused" and fused["nodes_per_step"] < scalar["nodes_per_step"] / 3
    assert fused["losses"] == pytest.approx(scalar["losses"], rel=1e-9)


def test_the_training_bar_shows_the_loss_from_the_first_step_and_a_time_left() -> None:
    stream = io.StringIO()
    terminal = Console(file=stream, force_terminal=True, color_system=None, width=120)
    harness.run(steps=3, console=display.quiet_console(), progress=terminal, gradcheck=False, **TINY)
    shown = stream.getvalue()
    assert "training" in shown and "3/3" in shown and "eta" in shown
    assert "loss nan" not in shown and "loss 2." in shown


def test_no_bar_when_stderr_is_not_a_terminal_or_the_run_is_quiet() -> None:
    assert display.progress_console(quiet=False, stream=io.StringIO()) is None
    assert display.progress_console(quiet=True) is None


def test_results_go_to_the_console_and_never_the_bar(capsys) -> None:
    harness.run(steps=2, gradcheck=False, **TINY)
    captured = capsys.readouterr()
    assert "held-out" in captured.out and captured.err == ""  # stderr is not a terminal here: no bar


def test_a_huge_learning_rate_does_not_crash() -> None:
    result = harness.run(steps=6, quiet=True, lr=1e6, gradcheck=False, **TINY)
    assert result["trained"] is False
    assert result["diverged"] is None or "diverged at step" in result["diverged"]


def test_an_overflowing_learning_rate_stops_training_and_skips_evaluation() -> None:
    result = harness.run(steps=4, quiet=True, lr=1e300, gradcheck=False, **TINY)
    assert result["diverged"].startswith("diverged at step") and "smaller --lr (e.g. 0.02)" in result["diverged"]
    assert result["accuracy"] is None and result["predictions"] == [] and result["trained"] is False
    json.loads(json.dumps(result, allow_nan=False))


def test_bad_settings_are_rejected_before_training() -> None:
    with pytest.raises(harness.SettingError, match="multiple of n_head"):
        harness.make_settings(steps=None, lr=None, n_embd=10, n_head=4)
    with pytest.raises(TypeError, match="unknown setting"):
        harness.make_settings(steps=None, lr=None, width=3)


def test_main_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--steps", "2", "--json", "--no-gradcheck", *TINY_ARGS]) == 1  # 2 steps cannot reach 95 %
    printed = json.loads(capsys.readouterr().out)
    assert printed["trained"] is False and "losses" not in printed
    assert harness.main(["--n-embd", "10", "--n-head", "4", "--json"]) == 2
    assert "multiple of n_head" in capsys.readouterr().err
    assert harness.main(["--steps", "-1"]) == 2
    assert capsys.readouterr().err.count("\n") == 1  # a usage error is one line
    assert harness.main(["--steps", "0"], prog="symcheck run transformer") == 2
    assert capsys.readouterr().err.startswith("symcheck run transformer: error: argument --steps")
    assert harness.main(["--steps", "2", "--plot", "/no/such/folder/loss.png", *TINY_ARGS]) == 2  # refused first
    err = capsys.readouterr().err
    assert ("does not exist" if display.matplotlib_available() else "pip install 'symcheck[plot]'") in err


def test_help_describes_the_two_models(capsys) -> None:
    assert harness.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--fused" in out and "plain scalar operations" in out and "examples:" in out


def test_plot_writes_a_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "loss.png"
    assert harness.main(["--steps", "2", "--no-gradcheck", "--plot", str(target), *TINY_ARGS]) == 1
    assert target.read_bytes()[:4] == b"\x89PNG"


# -- the memory guard -------------------------------------------------------------------------


@pytest.mark.parametrize("fused", [False, True], ids=["scalar", "fused"])
@pytest.mark.parametrize("overrides", [
    TINY, {}, {"n_embd": 16, "n_head": 4}, {"n_layer": 2}, {"length": 3, "held_out": 500, "batch_size": 2},
])
def test_graph_size_counts_the_parameters_exactly_and_bounds_the_graph(overrides: dict, fused: bool) -> None:
    import ag

    settings = harness.make_settings(steps=None, lr=None, **overrides)
    nodes, links, parameters = memory.graph_size(settings, fused=fused)
    model = tf.build_model(settings, 0, fused=fused)
    assert parameters == model.num_parameters()
    data = make_dataset(settings.task, length=settings.length, held_out=settings.held_out, seed=0)
    order = ag.backward_order(tf.answer_loss(model, data.train[: settings.batch_size]))
    reached_nodes = len(order) - model.num_parameters()  # what the step built, minus the leaves it only uses
    reached_links = sum(len(node.parents) for node in order)
    # The estimate counts every node the step creates; the graph that stays is the part the loss reaches
    # (a position's own logits are built and dropped when it is no answer position).
    assert reached_nodes <= nodes <= 2 * reached_nodes
    assert reached_links <= links <= 2 * reached_links


def test_settings_that_would_not_fit_are_refused_naming_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "memory_limit", lambda: (2 * 10**9, "the test's limit of 2.0 GB"))
    settings = harness.make_settings(steps=None, lr=None, n_embd=4096)
    with pytest.raises(harness.SettingError) as refused:
        memory.check_memory(settings, gradcheck=True)
    message = str(refused.value)
    assert message.startswith("n_embd 4096, n_layer 1, batch_size 8, length 3 make a graph of about ")
    assert "the limit is the test's limit of 2.0 GB" in message
    fits = int(message.split("--n-embd ")[1].split()[0])
    assert fits % 2 == 0 and memory.memory_needed(harness.make_settings(steps=None, lr=None, n_embd=fits),
                                                  gradcheck=True) <= 2 * 10**9
    assert memory.memory_needed(harness.make_settings(steps=None, lr=None, n_embd=fits + 2), gradcheck=True) > 2 * 10**9
    memory.check_memory(harness.make_settings(steps=None, lr=None), gradcheck=True)  # the default fits
    memory.check_memory(harness.make_settings(steps=None, lr=None), gradcheck=True, fused=True)


def test_a_run_too_big_for_memory_is_a_usage_error_before_anything_is_built(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(memory, "memory_limit", lambda: (10**9, "the test's limit of 1.0 GB"))
    monkeypatch.setattr(harness, "build_model", lambda *a, **k: pytest.fail("the model was built"))
    assert harness.main(["--n-embd", "4096", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the limit is the test's limit of 1.0 GB" in err
    assert harness.main(["--n-embd", "4096", "--fused", "--no-gradcheck"]) == 2
    assert "add --no-gradcheck" not in capsys.readouterr().err
