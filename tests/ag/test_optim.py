"""ag.optim: SGD and Adam updates against hand computation, convergence, and every documented error."""

from __future__ import annotations

import doctest
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ag
import ag.nn as nn
from ag.optim import SGD, Adam

finite = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False)


def param(value: float, grad: float, label: str = "w") -> ag.Scalar:
    p = ag.Scalar(value, label)
    p.grad = grad
    return p


# -- SGD -------------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(value=finite, grad=finite, lr=st.floats(min_value=1e-4, max_value=1.0))
def test_sgd_step_is_p_minus_lr_grad(value: float, grad: float, lr: float) -> None:
    p = param(value, grad)
    SGD([p], lr=lr).step()
    assert p.data == value - lr * grad


def test_sgd_momentum_accumulates_the_velocity() -> None:
    p = param(1.0, 0.5)
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # b = 0.5
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5, rel=1e-15)
    opt.step()  # b = 0.9·0.5 + 0.5 = 0.95 (same grad again)
    assert p.data == pytest.approx(1.0 - 0.05 - 0.1 * 0.95, rel=1e-15)
    plain = param(1.0, 0.5)
    SGD([plain], lr=0.1).step()
    SGD([plain], lr=0.1).step()
    assert plain.data != p.data  # momentum matters


def test_sgd_weight_decay_adds_lambda_p_to_the_grad() -> None:
    p = param(2.0, 0.5)
    SGD([p], lr=0.1, weight_decay=0.01).step()
    assert p.data == pytest.approx(2.0 - 0.1 * (0.5 + 0.01 * 2.0), rel=1e-15)
    q = param(2.0, 0.0)
    SGD([q], lr=0.1, weight_decay=0.5).step()
    assert q.data == pytest.approx(2.0 * (1 - 0.05), rel=1e-15)  # decay alone shrinks p


def test_sgd_updates_data_without_building_a_graph() -> None:
    p = param(1.0, 1.0)
    SGD([p], lr=0.5).step()
    assert p.parents == () and p.op == "input" and isinstance(p.data, float)


# -- Adam ------------------------------------------------------------------------------------------


def test_adam_first_two_steps_match_hand_computation() -> None:
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = param(1.0, 0.5)
    opt = Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    opt.step()
    # m = 0.1·0.5, v = 0.001·0.25; bias-corrected: m̂ = 0.5, v̂ = 0.25 → step lr·0.5/(0.5 + eps)
    assert p.data == pytest.approx(1.0 - lr * 0.5 / (0.5 + eps), rel=1e-14)
    first = p.data
    p.grad = -1.0
    opt.step()
    m = b1 * (1 - b1) * 0.5 + (1 - b1) * -1.0
    v = b2 * (1 - b2) * 0.25 + (1 - b2) * 1.0
    expected = first - lr * (m / (1 - b1**2)) / (math.sqrt(v / (1 - b2**2)) + eps)
    assert p.data == pytest.approx(expected, rel=1e-14)


def test_adam_weight_decay_matters() -> None:
    # With a zero grad, plain Adam does not move; with decay g = λ·p and the first
    # bias-corrected step is lr·g/(|g| + eps) ≈ lr toward 0.
    still, decayed = param(3.0, 0.0), param(3.0, 0.0)
    Adam([still], lr=0.1).step()
    Adam([decayed], lr=0.1, weight_decay=0.5).step()
    assert still.data == 3.0
    assert decayed.data == pytest.approx(3.0 - 0.1 * 1.5 / (1.5 + 1e-8), rel=1e-14)


def test_lr_can_follow_a_schedule() -> None:
    p = param(1.0, 1.0)
    opt = SGD([p], lr=0.1)
    opt.lr = 0.01
    opt.step()
    assert p.data == pytest.approx(0.99)
    with pytest.raises(ValueError, match="lr must be in"):
        opt.lr = -0.1


# -- convergence -------------------------------------------------------------------------------


def fit_line(optimizer_factory, steps: int) -> float:
    """Fit y = 2x − 1 on five points with a 1→1 Linear; return the final mean squared error."""
    layer = nn.Linear(1, 1, seed=0)
    xs = [-1.0, -0.5, 0.0, 0.5, 1.0]
    opt = optimizer_factory(layer.parameters())
    loss = None
    for _ in range(steps):
        loss = ag.mean([(layer([ag.Scalar(x)])[0] - (2 * x - 1)) ** 2 for x in xs])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.data


def test_sgd_with_momentum_fits_a_line() -> None:
    assert fit_line(lambda ps: SGD(ps, lr=0.1, momentum=0.8), 150) < 1e-8


def test_adam_fits_a_line() -> None:
    assert fit_line(lambda ps: Adam(ps, lr=0.1), 300) < 1e-6


def test_adam_trains_a_tiny_gpt() -> None:
    model = nn.GPT(nn.GPTConfig(vocab_size=5, n_embd=8, n_head=2, block_size=4), seed=0)
    opt = Adam(model.parameters(), lr=0.05)
    tokens, targets = [0, 1, 2, 3], [1, 2, 3, 4]
    first = model.loss(tokens, targets).data
    for _ in range(30):
        loss = model.loss(tokens, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert first > 1.5 and loss.data < 0.1


def test_zero_grad_clears_every_parameter() -> None:
    ps = [param(1.0, 0.3, "a"), param(2.0, -0.4, "b")]
    Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.0, -0.1, math.nan, math.inf, "0.1", None, True])
@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_bad_lr_is_a_clear_value_error(optimizer, lr: object) -> None:
    with pytest.raises(ValueError, match="lr must be"):
        optimizer([param(1.0, 0.0)], lr=lr)


@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_empty_parameter_list(optimizer) -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        optimizer([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optimizer(nn.RMSNorm(3).parameters(), lr=0.1)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_non_finite_grad_names_the_parameter_and_changes_nothing(optimizer, bad: float) -> None:
    ok, broken = param(1.0, 0.5, "layer0.ok"), param(2.0, bad, "layer0.mlp.fc1[3][1]")
    opt = optimizer([ok, broken], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 'layer0.mlp.fc1\[3\]\[1\]' has a non-finite grad"):
        opt.step()
    assert (ok.data, broken.data) == (1.0, 2.0)


def test_non_finite_grad_of_an_unlabelled_parameter_gives_its_position() -> None:
    ps = [ag.Scalar(1.0), ag.Scalar(2.0)]
    ps[1].grad = math.nan
    with pytest.raises(ValueError, match=r"parameter #1 \(unlabelled\)"):
        SGD(ps, lr=0.1).step()


def test_parameter_list_errors() -> None:
    p = param(1.0, 0.0, "w")
    with pytest.raises(ValueError, match=r"parameter #1 \(w\) appears twice"):
        SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="parameter #1 is a float"):
        SGD([p, 1.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="result of an operation, not a leaf"):
        SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Scalars"):
        SGD(p, lr=0.1)  # type: ignore[arg-type]


def test_hyperparameter_errors() -> None:
    p = [param(1.0, 0.0)]
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGD(p, lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="weight_decay must be in"):
        SGD(p, lr=0.1, weight_decay=-1e-3)
    with pytest.raises(ValueError, match="beta2 must be in"):
        Adam(p, betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam(p, betas=(0.9,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"eps must be in \(0, inf\)"):
        Adam(p, eps=0.0)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(ag.optim, extraglobs={"ag": ag})
    assert result.failed == 0 and result.attempted == 4
