"""The benchmark's model math, once per style.

`plain_*` functions are written with plain operators only and are generic over
the value class (micrograd's Value or the microgpt-style Value), so both
baselines build exactly the same graph. `ag_*` functions compute the same math
with ag's own API (`ag.nn`, fused ops). All engines start from the same
parameter values: the baselines copy them from the seeded ag model, in
`parameters()` order.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence

import ag
import ag.nn

# -- workload (a): a 2-16-16-1 ReLU MLP, mean squared error on 32 points -------------

MLP_SIZES = [2, 16, 16, 1]
MLP_POINTS = 32


def mlp_data(seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """32 points in [-1, 1]² and targets sin(2x)·y + 0.3."""
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(MLP_POINTS)]
    import math

    ys = [math.sin(2 * x) * y + 0.3 for x, y in xs]
    return xs, ys


def ag_mlp_model(seed: int = 0) -> ag.nn.MLP:
    return ag.nn.MLP(MLP_SIZES, activation="relu", seed=seed)


def ag_mlp_loss(model: ag.nn.MLP, xs: list[list[float]], ys: list[float]) -> ag.Scalar:
    """mean over points of (MLP(x) − y)², the inputs as constant leaves."""
    errors = []
    for point, target in zip(xs, ys):
        (out,) = model([ag.Scalar(v, op="const") for v in point])
        errors.append((out - target) ** 2)
    return ag.mean(errors)


def plain_mlp_params(model: ag.nn.MLP, Value: type) -> list[tuple[list[list[Any]], list[Any]]]:
    """The ag MLP's weights and biases copied into `Value`s, layer by layer."""
    layers = []
    for layer in model.layers:
        weight = [[Value(w.data) for w in row] for row in layer.weight]
        bias = [Value(b.data) for b in layer.bias]
        layers.append((weight, bias))
    return layers


def plain_mlp_loss(layers: list, xs: list[list[float]], ys: list[float], Value: type) -> Any:
    """The same loss with plain operators, as micrograd's own MLP writes it."""
    total = 0
    for point, target in zip(xs, ys):
        h = [Value(v) for v in point]
        for k, (weight, bias) in enumerate(layers):
            h = [sum((wi * xi for wi, xi in zip(row, h)), b) for row, b in zip(weight, bias)]
            if k < len(layers) - 1:
                h = [hi.relu() for hi in h]
        total = total + (h[0] - target) ** 2
    return total * (1.0 / len(xs))


def plain_mlp_flat(layers: list) -> list[Any]:
    """Parameters in ag's `parameters()` order: per layer, weight rows, then biases."""
    flat = []
    for weight, bias in layers:
        for row in weight:
            flat.extend(row)
        flat.extend(bias)
    return flat


# -- workload (b): one training step of a microgpt-sized GPT ---------------------------

GPT_CONFIG = ag.nn.GPTConfig(vocab_size=27, n_embd=16, n_head=4, n_layer=1, block_size=8, mlp_width=64)
GPT_TOKENS = [26, 4, 12, 12, 0, 26, 1, 4, 11]  # a name between BOS tokens: 8 inputs, 8 targets


def ag_gpt_model(seed: int = 42) -> ag.nn.GPT:
    return ag.nn.GPT(GPT_CONFIG, seed=seed)


def ag_gpt_loss(model: ag.nn.GPT) -> ag.Scalar:
    return model.loss(GPT_TOKENS[:-1], GPT_TOKENS[1:])


def plain_gpt_params(model: ag.nn.GPT, Value: type) -> dict[str, list[list[Any]]]:
    """The ag GPT's matrices copied into `Value`s, keyed as in microgpt's state_dict."""
    def copy(matrix: Sequence[Sequence[ag.Scalar]]) -> list[list[Any]]:
        return [[Value(w.data) for w in row] for row in matrix]

    state = {"wte": copy(model.wte.weight), "wpe": copy(model.wpe.weight), "lm_head": copy(model.lm_head.weight)}
    for i, block in enumerate(model.layers):
        attn, mlp = block.attn, block.mlp
        for name, layer in (("wq", attn.wq), ("wk", attn.wk), ("wv", attn.wv), ("wo", attn.wo)):
            state[f"layer{i}.attn_{name}"] = copy(layer.weight)
        state[f"layer{i}.mlp_fc1"] = copy(mlp.layers[0].weight)
        state[f"layer{i}.mlp_fc2"] = copy(mlp.layers[1].weight)
    return state


def plain_gpt_flat(state: dict[str, list[list[Any]]]) -> list[Any]:
    """Parameters in ag's `parameters()` order (the order of `plain_gpt_params`)."""
    return [w for matrix in state.values() for row in matrix for w in row]


def plain_linear(x: Sequence[Any], w: Sequence[Sequence[Any]]) -> list[Any]:
    """W·x as one ``sum`` of products per output row (``wo`` is a row of W)."""
    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def plain_softmax(logits: Sequence[Any]) -> list[Any]:
    """softmax(logits), shifted by the largest logit's value (a plain number) for stability."""
    max_val = max(val.data for val in logits)
    exps = [(val - max_val).exp() for val in logits]
    total = sum(exps)
    return [e / total for e in exps]


def plain_rmsnorm(x: Sequence[Any], eps: float) -> list[Any]:
    """x / sqrt(mean(x²) + eps), without a learned gain (as ag.nn.RMSNorm)."""
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + eps) ** -0.5
    return [xi * scale for xi in x]


def plain_gpt_logits(
    state: dict[str, list[list[Any]]], config: Any, token_id: int, pos_id: int, keys: list, values: list
) -> list[Any]:
    """microgpt's forward pass for one token: its logits; appends this position's keys and values per layer.

    `config` has n_embd, n_head, n_layer and eps (an `ag.nn.GPTConfig`).
    """
    head_dim = config.n_embd // config.n_head
    x = plain_rmsnorm([t + p for t, p in zip(state["wte"][token_id], state["wpe"][pos_id])], config.eps)
    for li in range(config.n_layer):
        x_residual = x
        x = plain_rmsnorm(x, config.eps)
        q = plain_linear(x, state[f"layer{li}.attn_wq"])
        keys[li].append(plain_linear(x, state[f"layer{li}.attn_wk"]))
        values[li].append(plain_linear(x, state[f"layer{li}.attn_wv"]))
        x_attn = []
        for h in range(config.n_head):
            hs = h * head_dim
            logits = [sum(q[hs + j] * k[hs + j] for j in range(head_dim)) / head_dim**0.5 for k in keys[li]]
            weights = plain_softmax(logits)
            x_attn.extend(sum(w * v[hs + j] for w, v in zip(weights, values[li])) for j in range(head_dim))
        x = [a + b for a, b in zip(plain_linear(x_attn, state[f"layer{li}.attn_wo"]), x_residual)]
        x_residual = x
        hidden = [xi.relu() for xi in plain_linear(plain_rmsnorm(x, config.eps), state[f"layer{li}.mlp_fc1"])]
        x = [a + b for a, b in zip(plain_linear(hidden, state[f"layer{li}.mlp_fc2"]), x_residual)]
    return plain_linear(x, state["lm_head"])


def plain_gpt_loss(state: dict[str, list[list[Any]]], Value: type) -> Any:
    """microgpt's loss over `GPT_TOKENS` (next-token cross-entropy), with plain operators only."""
    c = GPT_CONFIG
    tokens = GPT_TOKENS
    n = min(c.block_size, len(tokens) - 1)
    keys, values = [[] for _ in range(c.n_layer)], [[] for _ in range(c.n_layer)]
    losses = []
    for pos_id in range(n):
        probs = plain_softmax(plain_gpt_logits(state, c, tokens[pos_id], pos_id, keys, values))
        losses.append(-probs[tokens[pos_id + 1]].log())
    return (1 / n) * sum(losses)


# -- workload (c): a chain of multiplications by one shared leaf -----------------------


def chain(Value: type, depth: int) -> tuple[Any, Any, Any]:
    """y = x · k · k · … · k (depth multiplications): returns (x, k, y)."""
    x, k = Value(1.0), Value(1.0)
    y = x
    for _ in range(depth):
        y = y * k
    return x, k, y


def count_nodes(output: Any, children: Callable[[Any], Sequence[Any]]) -> int:
    """How many distinct nodes are reachable from `output` (iteratively)."""
    seen = {id(output)}
    stack = [output]
    while stack:
        for child in children(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)
