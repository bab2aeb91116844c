"""ag.nn: every module's gradients against central finite differences, causality, seeding, errors."""

from __future__ import annotations

import doctest
import importlib
import math
import random
from typing import Callable, Sequence

import pytest

import ag
import ag.nn as nn

# Central differences with h = 1e-6 have truncation error ~h²·|f'''| ≈ 1e-12 and
# rounding error ~ε·|f|/h ≈ 1e-10 on these order-1 losses, so 1e-5 relative
# (plus 1e-8 absolute, for gradients near 0) leaves a wide margin while a wrong
# local derivative (off by a factor or a term) misses by far more.
H = 1e-6
RTOL = 1e-5
ATOL = 1e-8


def scalars(values: Sequence[float], name: str = "x") -> list[ag.Scalar]:
    return [ag.Scalar(v, f"{name}[{i}]") for i, v in enumerate(values)]


def probe(outputs: Sequence[ag.Scalar], seed: int = 1) -> ag.Scalar:
    """A scalar that depends on every output with its own weight: Σ cᵢ·outᵢ, cᵢ fixed."""
    rng = random.Random(seed)
    return ag.dot([rng.uniform(0.5, 1.5) * rng.choice((-1, 1)) for _ in outputs], list(outputs))


def assert_matches_finite_differences(loss_fn: Callable[[], ag.Scalar], leaves: Sequence[ag.Scalar]) -> None:
    """Backward's grad of every leaf equals the central difference of loss_fn in that leaf."""
    assert leaves, "nothing to check"
    for leaf in leaves:
        leaf.grad = 0.0
    loss_fn().backward()
    largest = 0.0
    for leaf in leaves:
        original = leaf.data
        with ag.no_grad():
            leaf.data = original + H
            up = loss_fn().data
            leaf.data = original - H
            down = loss_fn().data
        leaf.data = original
        fd = (up - down) / (2 * H)
        largest = max(largest, abs(fd))
        assert abs(leaf.grad - fd) <= ATOL + RTOL * abs(fd), f"{leaf.label}: backward {leaf.grad!r}, fd {fd!r}"
    assert largest > 1e-3, "every gradient is ~0: the check would pass by accident"


def sequence(length: int, dim: int, seed: int = 3) -> list[list[ag.Scalar]]:
    rng = random.Random(seed)
    return [scalars([rng.uniform(-1, 1) for _ in range(dim)], f"x{t}") for t in range(length)]


TINY = nn.GPTConfig(vocab_size=5, n_embd=4, n_head=2, n_layer=1, block_size=3)


# -- Linear and MLP ----------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients_match_finite_differences(bias: bool) -> None:
    layer = nn.Linear(3, 2, bias=bias, seed=4)
    x = scalars([0.3, -1.2, 0.8])
    if bias:  # a zero bias would hide a bias that is ignored on the forward pass
        layer.bias[0].data, layer.bias[1].data = 0.4, -0.7
    assert_matches_finite_differences(lambda: probe(layer(x)), layer.parameters() + x)


def test_linear_computes_wx_plus_b() -> None:
    layer = nn.Linear(2, 1, seed=0)
    layer.weight[0][0].data, layer.weight[0][1].data, layer.bias[0].data = 2.0, -3.0, 0.5
    (y,) = layer([ag.Scalar(1.5), ag.Scalar(2.0)])
    assert y.data == 2.0 * 1.5 - 3.0 * 2.0 + 0.5
    assert y.op == "dot"  # one fused node per output


def test_linear_parameters_and_labels() -> None:
    layer = nn.Linear(3, 2, name="fc", seed=0)
    names = [name for name, _ in layer.named_parameters()]
    assert names == ["fc[0][0]", "fc[0][1]", "fc[0][2]", "fc[1][0]", "fc[1][1]", "fc[1][2]", "fc.bias[0]", "fc.bias[1]"]
    assert len(nn.Linear(3, 2, bias=False).parameters()) == 6


def test_linear_wrong_input_length_says_expected_and_got() -> None:
    with pytest.raises(ValueError, match="expected an input of length 3, got 2"):
        nn.Linear(3, 2)([ag.Scalar(1.0), ag.Scalar(2.0)])


@pytest.mark.parametrize("nin", [0, -1, 2.5, True])
def test_linear_rejects_bad_sizes(nin: object) -> None:
    with pytest.raises(ValueError, match="Linear nin must be a positive int"):
        nn.Linear(nin, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_gradients_match_finite_differences(activation: str) -> None:
    mlp = nn.MLP([3, 5, 2], activation=activation, seed=2)
    for b in mlp.layers[0].bias:  # spread the hidden units' operating points
        b.data = 0.1
    x = scalars([0.9, -0.4, 0.6])
    assert_matches_finite_differences(lambda: probe(mlp(x)), mlp.parameters() + x)


def test_mlp_layer_names_and_errors() -> None:
    mlp = nn.MLP([2, 3, 1], name="net")
    assert mlp.named_parameters()[0][0] == "net.fc1[0][0]"
    assert mlp.named_parameters()[-1][0] == "net.fc2.bias[0]"
    with pytest.raises(ValueError, match="unknown activation 'gelu'; choose one of relu, tanh, sigmoid"):
        nn.MLP([2, 3, 1], activation="gelu")
    with pytest.raises(ValueError, match="at least two sizes"):
        nn.MLP([2])


# -- Embedding -----------------------------------------------------------------------------


def test_embedding_gradients_match_finite_differences() -> None:
    emb = nn.Embedding(4, 3, seed=1)
    loss_fn = lambda: probe([*emb(2), *emb(0), *emb(2)])  # noqa: E731 - row 2 used twice
    assert_matches_finite_differences(loss_fn, emb.parameters())
    assert all(p.grad == 0.0 for p in emb.weight[1] + emb.weight[3])  # unused rows


def test_embedding_returns_the_row_itself() -> None:
    emb = nn.Embedding(4, 3, name="wte", seed=1)
    assert emb(3) is emb.weight[3]
    assert emb(3)[1].label == "wte[3][1]"


def test_embedding_id_out_of_range_names_id_and_size() -> None:
    emb = nn.Embedding(4, 3, name="wte")
    with pytest.raises(IndexError, match=r"id 4 is out of range for a table of 4 \(ids 0..3\)"):
        emb(4)
    with pytest.raises(IndexError, match="id -1 is out of range"):
        emb(-1)
    with pytest.raises(TypeError, match="an id must be an int, got float"):
        emb(1.0)  # type: ignore[arg-type]


# -- norms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_class", [nn.RMSNorm, nn.LayerNorm])
@pytest.mark.parametrize("affine", [False, True])
def test_norm_gradients_match_finite_differences(norm_class: type, affine: bool) -> None:
    norm = norm_class(4, affine=affine)
    for i, p in enumerate(norm.parameters()):  # move gain/bias off 1 and 0
        p.data += 0.1 * (i + 1)
    x = scalars([0.7, -1.3, 0.2, 2.1])
    assert_matches_finite_differences(lambda: probe(norm(x)), norm.parameters() + x)


def test_rmsnorm_output_has_unit_root_mean_square() -> None:
    y = nn.RMSNorm(4, eps=1e-12)(scalars([1.0, -2.0, 0.5, 3.0]))
    assert math.isclose(math.sqrt(sum(v.data**2 for v in y) / 4), 1.0, rel_tol=1e-9)
    assert nn.RMSNorm(4).parameters() == []
    assert [n for n, _ in nn.RMSNorm(2, affine=True, name="ln").named_parameters()] == ["ln.gain[0]", "ln.gain[1]"]


def test_layernorm_output_has_zero_mean_and_unit_variance() -> None:
    y = [v.data for v in nn.LayerNorm(4, eps=1e-12)(scalars([1.0, -2.0, 0.5, 3.0]))]
    assert abs(sum(y) / 4) < 1e-12
    assert math.isclose(sum(v * v for v in y) / 4, 1.0, rel_tol=1e-9)


@pytest.mark.parametrize("norm_class", [nn.RMSNorm, nn.LayerNorm])
def test_norm_errors(norm_class: type) -> None:
    with pytest.raises(ValueError, match="expected an input of length 4, got 3"):
        norm_class(4)(scalars([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="eps must be a positive number"):
        norm_class(4, eps=0.0)


# -- attention and block ---------------------------------------------------------------------


def test_attention_gradients_match_finite_differences() -> None:
    attn = nn.CausalSelfAttention(4, 2, seed=5, std=0.8)  # large weights: softmax far from uniform
    xs = sequence(3, 4)
    loss_fn = lambda: probe([v for y in attn(xs) for v in y])  # noqa: E731
    assert_matches_finite_differences(loss_fn, attn.parameters() + [v for x in xs for v in x])


def test_attention_is_causal() -> None:
    attn = nn.CausalSelfAttention(4, 2, seed=5, std=0.8)
    xs = sequence(3, 4)
    before = [[v.data for v in y] for y in attn(xs)]
    xs[2] = scalars([5.0, -5.0, 5.0, -5.0])
    after = [[v.data for v in y] for y in attn(xs)]
    assert after[:2] == before[:2]
    assert after[2] != before[2]


def test_attention_first_position_returns_projected_value() -> None:
    # One key only: the softmax weight is 1, so y₀ = Wo (Wv x₀).
    attn = nn.CausalSelfAttention(4, 2, seed=5)
    x = sequence(1, 4)[0]
    (y,) = attn([x])
    expected = attn.wo(attn.wv(x))
    assert [v.data for v in y] == pytest.approx([v.data for v in expected], rel=1e-12)


def test_attention_errors() -> None:
    with pytest.raises(ValueError, match=r"n_embd \(6\) must be a multiple of n_head \(4\)"):
        nn.CausalSelfAttention(6, 4)
    with pytest.raises(ValueError, match="empty sequence"):
        nn.CausalSelfAttention(4, 2)([])
    with pytest.raises(ValueError, match="expected an input of length 4, got 3"):
        nn.CausalSelfAttention(4, 2)([scalars([1.0, 2.0, 3.0])])


@pytest.mark.parametrize("norm", ["rms", "layer"])
def test_block_gradients_match_finite_differences(norm: str) -> None:
    block = nn.Block(4, 2, mlp_width=6, norm=norm, norm_affine=True, std=0.6, seed=6)
    xs = sequence(3, 4)
    loss_fn = lambda: probe([v for y in block(xs) for v in y])  # noqa: E731
    assert_matches_finite_differences(loss_fn, block.parameters() + [v for x in xs for v in x])


def test_block_unknown_norm() -> None:
    with pytest.raises(ValueError, match="unknown norm 'batch'; choose one of rms, layer"):
        nn.Block(4, 2, norm="batch")


# -- GPT -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm", ["rms", "layer"])
def test_gpt_loss_gradients_match_finite_differences(norm: str) -> None:
    model = nn.GPT(nn.GPTConfig(vocab_size=5, n_embd=4, n_head=2, n_layer=1, block_size=3, norm=norm, init_std=0.5))
    tokens, targets = [1, 4, 1], [4, 1, 0]
    used = {p for t in (1, 4) for p in model.wte.weight[t]}
    params = [p for p in model.parameters() if not p.label.startswith("wte") or p in used]
    assert_matches_finite_differences(lambda: model.loss(tokens, targets), params)


def test_gpt_forward_matches_the_documented_math() -> None:
    """A plain-float transcription of GPT's docstring gives the same loss (the benchmark baseline's contract)."""
    model = nn.GPT(nn.GPTConfig(vocab_size=5, n_embd=4, n_head=2, n_layer=2, block_size=3, init_std=0.5), seed=9)
    tokens, targets = [3, 0, 2], [0, 2, 4]
    assert model.loss(tokens, targets).data == pytest.approx(reference_loss(model, tokens, targets), rel=1e-12)


def reference_loss(model: nn.GPT, tokens: list[int], targets: list[int]) -> float:
    c = model.config
    hd = c.n_embd // c.n_head
    val = lambda m: [[p.data for p in row] for row in m]  # noqa: E731
    matvec = lambda w, x: [sum(wi * xi for wi, xi in zip(row, x)) for row in w]  # noqa: E731

    def rms(v: list[float]) -> list[float]:
        s = (sum(x * x for x in v) / len(v) + c.eps) ** -0.5
        return [x * s for x in v]

    wte, wpe, lm = val(model.wte.weight), val(model.wpe.weight), val(model.lm_head.weight)
    hs = [rms([a + b for a, b in zip(wte[tok], wpe[t])]) for t, tok in enumerate(tokens)]
    for layer in model.layers:
        wq, wk, wv, wo = (val(getattr(layer.attn, n).weight) for n in ("wq", "wk", "wv", "wo"))
        w1, w2 = val(layer.mlp.layers[0].weight), val(layer.mlp.layers[1].weight)
        ns = [rms(h) for h in hs]
        q, k, v = ([matvec(w, n) for n in ns] for w in (wq, wk, wv))
        new = []
        for t, h in enumerate(hs):
            o = []
            for head in range(c.n_head):
                s = slice(head * hd, (head + 1) * hd)
                scores = [sum(a * b for a, b in zip(q[t][s], k[u][s])) / math.sqrt(hd) for u in range(t + 1)]
                e = [math.exp(x - max(scores)) for x in scores]
                a = [x / sum(e) for x in e]
                o += [sum(a[u] * v[u][j] for u in range(t + 1)) for j in range(s.start, s.stop)]
            h = [x + y for x, y in zip(h, matvec(wo, o))]
            h = [x + y for x, y in zip(h, matvec(w2, [max(z, 0.0) for z in matvec(w1, rms(h))]))]
            new.append(h)
        hs = new
    total = 0.0
    for h, y in zip(hs, targets):
        logits = matvec(lm, h)
        total += math.log(sum(math.exp(z) for z in logits)) - logits[y]
    return total / len(tokens)


def test_gpt_is_causal() -> None:
    model = nn.GPT(TINY, seed=2)
    before = [[v.data for v in row] for row in model([1, 2, 3])]
    after = [[v.data for v in row] for row in model([1, 2, 0])]
    assert after[:2] == before[:2]
    assert after[2] != before[2]


def test_gpt_same_seed_same_parameters() -> None:
    data = lambda m: [p.data for p in m.parameters()]  # noqa: E731
    assert data(nn.GPT(TINY, seed=7)) == data(nn.GPT(TINY, seed=7))
    assert data(nn.GPT(TINY, seed=7)) != data(nn.GPT(TINY, seed=8))


def test_gpt_parameter_order_labels_and_count() -> None:
    model = nn.GPT(TINY)
    names = [name for name, _ in model.named_parameters()]
    d, v, b, w = 4, 5, 3, 16
    assert len(names) == model.num_parameters() == v * d + b * d + v * d + 4 * d * d + 2 * d * w
    assert names[0] == "wte[0][0]" and names[v * d] == "wpe[0][0]" and names[v * d + b * d] == "lm_head[0][0]"
    assert names.index("layer0.attn.wq[3][1]") < names.index("layer0.attn.wo[0][0]") < names.index("layer0.mlp.fc1[0][0]")
    assert names[-1] == "layer0.mlp.fc2[3][15]"
    assert len(set(names)) == len(names)


def test_gpt_initialisation_follows_the_documented_draw_order() -> None:
    model = nn.GPT(TINY, seed=11)
    rng = random.Random(11)
    assert [p.data for p in model.parameters()] == [rng.gauss(0.0, 0.08) for _ in model.parameters()]


def test_gpt_loss_is_mean_cross_entropy() -> None:
    model = nn.GPT(TINY, seed=3)
    logits = [[v.data for v in row] for row in model([0, 1])]
    expected = sum(-math.log(math.exp(row[y]) / sum(math.exp(z) for z in row)) for row, y in zip(logits, [1, 2])) / 2
    assert model.loss([0, 1], [1, 2]).data == pytest.approx(expected, rel=1e-12)


def test_gpt_errors() -> None:
    model = nn.GPT(TINY)
    with pytest.raises(ValueError, match="sequence of 4 tokens, longer than block_size 3"):
        model([0, 1, 2, 3])
    with pytest.raises(IndexError, match="GPT token: id 5 is out of range for a table of 5"):
        model([0, 5])
    with pytest.raises(IndexError, match="GPT target: id 7 is out of range"):
        model.loss([0, 1], [1, 7])
    with pytest.raises(ValueError, match="one target per token: 2 tokens, 1 targets"):
        model.loss([0, 1], [1])
    with pytest.raises(ValueError, match="empty sequence"):
        model([])
    with pytest.raises(TypeError, match="GPT takes a GPTConfig"):
        nn.GPT({"vocab_size": 5})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be an int"):
        nn.GPT(TINY, seed="0")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="GPT.loss takes a list of target ids, got int"):
        model.loss([0, 1], 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="GPT takes a list of token ids, got int"):
        model(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("layer", [nn.Linear(2, 2), nn.MLP([2, 2]), nn.RMSNorm(2), nn.LayerNorm(2)])
@pytest.mark.parametrize("bad", [ag.Scalar(1.0), 3])
def test_layer_given_a_non_vector_is_a_type_error_naming_it(layer: nn.Module, bad: object) -> None:
    with pytest.raises(TypeError, match=f"takes a list of Scalars, got {type(bad).__name__}"):
        layer(bad)  # type: ignore[operator]


def test_layers_accept_a_tuple_of_the_right_length() -> None:
    values = (ag.Scalar(1.0), ag.Scalar(2.0))
    assert len(nn.Linear(2, 3)(values)) == 3 and len(nn.RMSNorm(2)(values)) == 2


def test_inference_under_no_grad_builds_no_graph() -> None:
    model = nn.GPT(TINY)
    with ag.no_grad():
        loss = model.loss([0, 1, 2], [1, 2, 3])
        logits = model([0, 1])
    assert loss.parents == () and loss.op == "input" and math.isfinite(loss.data)
    assert all(v.parents == () for row in logits for v in row)
    assert model.loss([0, 1, 2], [1, 2, 3]).data == loss.data  # the same math, with a graph


# -- Module --------------------------------------------------------------------------------------


def test_module_zero_grad_clears_every_parameter() -> None:
    model = nn.GPT(TINY, seed=1)
    model.loss([0, 1, 2], [1, 2, 3]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_parameters_are_labelled_leaves() -> None:
    for _, p in nn.GPT(TINY).named_parameters():
        assert p.op == "input" and p.parents == () and p.label


@pytest.mark.parametrize(
    "module", ["ag.nn", "ag.nn.module", "ag.nn.linear", "ag.nn.embedding", "ag.nn.norm", "ag.nn.attention",
               "ag.nn.transformer"],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), extraglobs={"ag": ag})
    assert result.failed == 0 and result.attempted > 0


def test_nn_reachable_after_import_ag() -> None:
    assert ag.nn is nn and ag.optim.Adam is not None


# -- python -m ag: the ag.nn demo -------------------------------------------------------------------


def test_demo_trains_and_prints_gradients(capsys: pytest.CaptureFixture[str]) -> None:
    from ag.__main__ import main

    assert main(["--steps", "30", "--show", "2"]) == 0
    out = capsys.readouterr().out
    losses = [float(line.split()[3]) for line in out.splitlines() if line.startswith("step")]
    assert losses[-1] < losses[0] / 10
    assert "mlp.fc1[0][0]" in out and "grad" in out


@pytest.mark.parametrize("argv", [["--show", "-1"], ["--steps", "0"], ["--model", "cnn"]])
def test_demo_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from ag.__main__ import main

    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "error:" in capsys.readouterr().err
