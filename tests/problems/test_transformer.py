"""problems.transformer: the loss, greedy decoding, the gradient check of one step, short runs, the CLI."""

from __future__ import annotations

import json
import math

import pytest

import ag
import ag.nn
from problems import display
from problems import transformer as tf
from problems.tasks import make_dataset

TINY = dict(n_embd=8, n_head=2, mlp_width=8, length=2, held_out=20, batch_size=4)


def tiny_model(seed: int = 0) -> tuple[ag.nn.GPT, tf.Dataset]:
    settings = tf.make_settings(steps=None, lr=None, **TINY)
    return tf.build_model(settings, seed), make_dataset("reverse", length=2, held_out=20, seed=seed)


def test_answer_loss_starts_near_uniform_guessing() -> None:
    model, data = tiny_model()
    loss = tf.answer_loss(model, data.train[:8]).data
    # small initial weights: every token about equally likely, so loss ≈ log(vocabulary size)
    assert loss == pytest.approx(math.log(11), rel=0.1)


def test_the_loss_ignores_the_given_digits() -> None:
    # Changing a target token outside the answer positions must not change the loss.
    model, data = tiny_model()
    example = data.train[0]
    loss = tf.answer_loss(model, [example]).data
    logits = model(example.inputs)
    manual = sum(ag.logsumexp(logits[t]).data - logits[t][example.targets[t]].data
                 for t in example.answer_positions) / len(example.answer_positions)
    assert loss == pytest.approx(manual, rel=1e-12)


def test_prediction_is_greedy_and_answer_length() -> None:
    model, data = tiny_model()
    prediction = tf.predict(model, data.held_out[0])
    assert len(prediction) == 2 and all(0 <= t <= 9 for t in prediction)
    assert 0.0 <= tf.accuracy(model, data.held_out) <= 1.0


def test_directional_check_agrees_with_the_engine() -> None:
    model, data = tiny_model()
    batch = data.train[:3]
    loss = tf.answer_loss(model, batch)
    model.zero_grad()
    loss.backward()
    check = tf.directional_check(model, batch, directions=3, seed=1)
    assert check["ok"] and check["worst_relative_error"] < 1e-6
    assert all(abs(row["engine"]) > 1e-6 for row in check["rows"])  # non-trivial directions


def test_directional_check_catches_a_wrong_gradient() -> None:
    model, data = tiny_model()
    batch = data.train[:3]
    loss = tf.answer_loss(model, batch)
    model.zero_grad()
    loss.backward()
    for p in model.parameters()[:40]:  # corrupt the token embeddings' gradients
        p.grad = -p.grad + 0.1
    check = tf.directional_check(model, batch, directions=3, seed=1)
    assert not check["ok"] and check["worst_relative_error"] > 1e-3


def test_parameters_are_restored_after_the_check() -> None:
    model, data = tiny_model()
    before = [p.data for p in model.parameters()]
    tf.directional_check(model, data.train[:2], directions=2, seed=0)
    assert [p.data for p in model.parameters()] == before


def test_one_step_gradient_is_verified_over_the_whole_graph() -> None:
    model, data = tiny_model()
    check = tf.verify_step(model, data.train[:2], directions=2, seed=0)
    assert check["ok"] is True
    assert check["nodes"] > 500
    assert check["worst_relative_error"] < 1e-6


@pytest.mark.slow
def test_a_few_training_steps_lower_the_loss() -> None:
    model, data = tiny_model()
    settings = tf.make_settings(steps=20, lr=0.05, **{**TINY, "batch_size": 8})
    fixed = data.train[:16]
    before = tf.answer_loss(model, fixed).data
    trained = tf.train(model, data, settings, seed=0)
    assert len(trained["losses"]) == 20 and trained["diverged"] is None
    assert tf.answer_loss(model, fixed).data < 0.9 * before


def test_a_short_run_returns_the_fields() -> None:
    result = tf.run(steps=3, quiet=True, **TINY)
    losses = result["losses"]
    assert len(losses) == 3
    for key in ("accuracy", "final_loss", "steps", "seconds", "nodes_per_step", "seconds_per_step", "trained"):
        assert key in result
    assert result["nodes_per_step"] > 0 and result["steps"] == 3
    assert {"nodes", "ok", "worst_relative_error"} <= set(result["gradcheck"])
    assert result["gradcheck"]["ok"] is True
    assert len(result["predictions"]) == 8
    json.loads(json.dumps(result))


def test_a_huge_learning_rate_does_not_crash() -> None:
    result = tf.run(steps=6, quiet=True, lr=1e6, gradcheck=False, **TINY)
    assert result["trained"] is False
    assert result["diverged"] is None or "diverged at step" in result["diverged"]


def test_an_overflowing_learning_rate_stops_training_and_skips_evaluation() -> None:
    # lr = 1e300 overflows the forward pass on the second step; the weights are then no model,
    # so nothing is evaluated on them (evaluating used to crash with DomainError).
    result = tf.run(steps=4, quiet=True, lr=1e300, gradcheck=False, **TINY)
    assert result["diverged"].startswith("diverged at step") and "smaller --lr (e.g. 0.01)" in result["diverged"]
    assert result["accuracy"] is None and result["predictions"] == [] and result["trained"] is False
    json.loads(json.dumps(result, allow_nan=False))


def test_bad_settings_are_rejected_before_training() -> None:
    with pytest.raises(tf.SettingError, match="multiple of n_head"):
        tf.make_settings(steps=None, lr=None, n_embd=10, n_head=4)
    with pytest.raises(TypeError, match="unknown setting"):
        tf.make_settings(steps=None, lr=None, width=3)


def test_main_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    tiny = ["--n-embd", "8", "--n-head", "2", "--length", "2", "--batch-size", "4", "--held-out", "20",
            "--no-gradcheck"]
    assert tf.main(["--steps", "2", "--json", *tiny]) == 1  # two steps cannot reach 95 %
    printed = json.loads(capsys.readouterr().out)
    assert printed["trained"] is False and "losses" not in printed
    assert tf.main(["--n-embd", "10", "--n-head", "4", "--json"]) == 2
    assert "multiple of n_head" in capsys.readouterr().err
    assert tf.main(["--steps", "-1"]) == 2
    assert capsys.readouterr().err.count("\n") == 1  # a usage error is one line
    assert tf.main(["--steps", "0"], prog="symcheck run transformer") == 2
    assert capsys.readouterr().err.startswith("symcheck run transformer: error: argument --steps")
    assert tf.main(["--steps", "2", "--plot", "/no/such/folder/loss.png", *tiny]) == 2  # refused before training
    err = capsys.readouterr().err
    # without matplotlib the missing extra is what is refused first
    assert ("does not exist" if display.matplotlib_available() else "pip install 'symcheck[plot]'") in err


def test_plot_writes_a_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "loss.png"
    tiny = ["--n-embd", "8", "--n-head", "2", "--length", "2", "--batch-size", "4", "--held-out", "20"]
    assert tf.main(["--steps", "2", "--no-gradcheck", "--plot", str(target), *tiny]) == 1
    assert target.read_bytes()[:4] == b"\x89PNG"


# -- the memory guard -------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    TINY, {}, {"n_embd": 32, "n_head": 8}, {"n_layer": 3}, {"length": 5, "held_out": 1000, "batch_size": 2},
])
def test_graph_size_counts_the_parameters_exactly_and_bounds_the_graph(overrides: dict) -> None:
    settings = tf.make_settings(steps=None, lr=None, **overrides)
    nodes, links, parameters = tf.graph_size(settings)
    model = tf.build_model(settings, 0)
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
    monkeypatch.setattr(tf, "memory_limit", lambda: (2 * 10**9, "the test's limit of 2.0 GB"))
    settings = tf.make_settings(steps=None, lr=None, n_embd=4096)
    with pytest.raises(tf.SettingError) as refused:
        tf.check_memory(settings, gradcheck=True)
    message = str(refused.value)
    assert message.startswith("n_embd 4096, n_layer 1, batch_size 16, length 3 make a graph of about 5.1 million "
                              "nodes and 13 billion parent links per training step, needing about 572.7 GB")
    assert "the limit is the test's limit of 2.0 GB" in message
    fits = int(message.split("--n-embd ")[1].split()[0])
    assert fits % 4 == 0 and tf.memory_needed(tf.make_settings(steps=None, lr=None, n_embd=fits),
                                              gradcheck=True) <= 2 * 10**9
    assert tf.memory_needed(tf.make_settings(steps=None, lr=None, n_embd=fits + 4), gradcheck=True) > 2 * 10**9
    tf.check_memory(tf.make_settings(steps=None, lr=None), gradcheck=True)  # the default fits


def test_a_run_too_big_for_memory_is_a_usage_error_before_anything_is_built(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(tf, "memory_limit", lambda: (10**9, "the test's limit of 1.0 GB"))
    monkeypatch.setattr(tf, "build_model", lambda *a, **k: pytest.fail("the model was built"))
    assert tf.main(["--n-embd", "4096", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the limit is the test's limit of 1.0 GB" in err
