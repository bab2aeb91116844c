"""problems.transformer: the model written with plain scalar operations, and the same network fused.

The teaching model and `ag.nn.GPT` start from the same weights and compute the
same loss and gradients; the model uses only operations a course engine has;
greedy decoding, the loss's answer positions and training behave.
"""

from __future__ import annotations

import ast
import inspect
import math

import pytest

import ag
import ag.nn
from problems import transformer as tf
from problems.tasks import make_dataset
from problems.transformer_run import make_settings

TINY = dict(n_embd=8, n_head=2, mlp_width=8, length=2, held_out=20, batch_size=4)


def tiny(seed: int = 0, *, fused: bool = False, **overrides):
    settings = make_settings(steps=None, lr=None, **{**TINY, **overrides})
    return tf.build_model(settings, seed, fused=fused), make_dataset("reverse", length=settings.length,
                                                                      held_out=settings.held_out, seed=seed)


# -- the two models are one network ----------------------------------------------------


@pytest.mark.parametrize("overrides", [{}, {"n_layer": 2, "n_head": 4, "mlp_width": 12}, {"length": 3, "held_out": 50}])
def test_the_scalar_model_and_the_fused_one_compute_the_same_loss_and_gradients(overrides: dict) -> None:
    scalar, data = tiny(seed=3, **overrides)
    fused, _ = tiny(seed=3, fused=True, **overrides)
    assert isinstance(fused, ag.nn.GPT) and isinstance(scalar, tf.Transformer)
    params = scalar.parameters(), fused.parameters()
    assert [p.label for p in params[0]] == [p.label for p in params[1]]
    assert [p.data for p in params[0]] == [p.data for p in params[1]]  # the same weights, drawn in one order
    batch = data.train[:4]
    losses = [tf.answer_loss(model, batch) for model in (scalar, fused)]
    for loss in losses:
        loss.backward()
    assert losses[0].data == pytest.approx(losses[1].data, rel=1e-12, abs=0)
    for a, b in zip(*params):  # sums run in another order: equal to rounding, and of order 0.01-1
        assert a.grad == pytest.approx(b.grad, rel=1e-9, abs=1e-15)
    assert max(abs(p.grad) for p in params[0]) > 1e-3


def test_the_scalar_model_has_far_more_and_smaller_nodes() -> None:
    scalar, data = tiny()
    fused, _ = tiny(fused=True)
    ops = [{node.op for node in ag.backward_order(tf.answer_loss(m, data.train[:2]))} for m in (scalar, fused)]
    assert ops[0] <= {"input", "const", "add", "sub", "mul", "div", "pow", "exp", "log", "relu"}
    assert {"dot", "softmax"} <= ops[1]


def test_the_model_s_code_calls_only_what_a_course_engine_has() -> None:
    """The model's source uses Scalar methods exp, log, relu and operators; no ag function, no fused op."""
    source = inspect.getsource(tf)
    model_part = source[source.index("# Building blocks"): source.index("def build_model")]
    called = {node.func.attr for node in ast.walk(ast.parse(model_part))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("self", "random", "rng"))}
    assert called == {"exp", "log", "relu", "append"}, called  # Scalar methods, and a list's append
    assert "ag." not in model_part.replace("ag.nn.GPT", "")


# -- the loss and predictions ------------------------------------------------------------


@pytest.mark.parametrize("fused", [False, True])
def test_the_loss_starts_near_uniform_guessing(fused: bool) -> None:
    model, data = tiny(fused=fused)
    # small initial weights: every token about equally likely, so loss ≈ log(vocabulary size)
    assert tf.answer_loss(model, data.train[:8]).data == pytest.approx(math.log(11), rel=0.1)


def test_the_loss_is_the_mean_cross_entropy_of_the_answer_positions_only() -> None:
    model, data = tiny()
    example = data.train[0]
    logits = model(example.inputs)
    manual = sum(math.log(sum(math.exp(v.data) for v in logits[t])) - logits[t][example.targets[t]].data
                 for t in example.answer_positions) / len(example.answer_positions)
    assert tf.answer_loss(model, [example]).data == pytest.approx(manual, rel=1e-12)


def test_softmax_and_logsumexp_are_stable_for_large_scores() -> None:
    scores = [ag.Scalar(1000.0), ag.Scalar(1001.0), ag.Scalar(999.0)]
    weights = tf.softmax(scores)
    assert sum(w.data for w in weights) == pytest.approx(1.0) and weights[1].data == pytest.approx(0.6652409557748219)
    assert tf.logsumexp(scores).data == pytest.approx(1001.0 + math.log(1 + math.exp(-1) + math.exp(-2)))


def test_attention_is_causal() -> None:
    model, _ = tiny()
    before = model([1, 2, 3])[1]
    after = model([1, 2, 7])[1]  # a later token cannot change an earlier position's logits
    assert [v.data for v in before] == [v.data for v in after]
    assert model([1, 2, 3])[2][0].data != model([1, 2, 7])[2][0].data


def test_prediction_is_greedy_and_answer_length() -> None:
    model, data = tiny()
    prediction = tf.predict(model, data.held_out[0])
    assert len(prediction) == 2 and all(0 <= t <= 9 for t in prediction)
    assert 0.0 <= tf.accuracy(model, data.held_out) <= 1.0


# -- training -------------------------------------------------------------------------------


def test_adam_s_first_step_moves_each_weight_by_the_learning_rate() -> None:
    w = ag.Scalar(1.0)
    optimizer = tf.Adam([w], lr=0.01)
    (w * w).backward()
    optimizer.step()
    assert w.data == pytest.approx(0.99)  # m̂/√v̂ = ±1 on the first step


@pytest.mark.slow
@pytest.mark.parametrize("fused", [False, True])
def test_a_few_training_steps_lower_the_loss(fused: bool) -> None:
    model, data = tiny(fused=fused)
    settings = make_settings(steps=20, lr=0.05, **{**TINY, "batch_size": 8})
    fixed = data.train[:16]
    before = tf.answer_loss(model, fixed).data
    seen = []
    losses = tf.train(model, data, settings, seed=0, on_step=lambda step, loss: seen.append((step, loss.data)))
    assert len(losses) == 20 and seen == list(enumerate(losses))
    assert tf.answer_loss(model, fixed).data < 0.9 * before


def test_an_overflowing_learning_rate_raises_diverged() -> None:
    model, data = tiny()
    settings = make_settings(steps=5, lr=1e300, **TINY)
    with pytest.raises(tf.Diverged, match="diverged at step"):
        tf.train(model, data, settings, seed=0)
