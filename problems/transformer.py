"""Homework part 3 (bonus): a small Transformer, written with ag.Scalar's plain operations, learns to
reverse digit strings.

Everything is scalars: every weight is one `ag.Scalar`, every activation is
a node of one big graph, and one training step is one `loss.backward()` over
it. The model is written out with the operations any course engine has —
``+ - * / **``, ``exp``, ``log`` and ``relu`` — so it can be ported to
another engine line by line:

    token + position embeddings → RMSNorm → one block per layer:
        x = x + Attention(RMSNorm(x))      causal, multi-head, softmax over the past
        x = x + MLP(RMSNorm(x))            Linear → relu → Linear
    → logits (one score per token) → cross-entropy on the answer digits

The task (`problems.tasks`) is generated here, no downloads: read
``d₁ d₂ d₃ SEP`` and continue with the digits reversed. Every 3-digit string
is an example; 200 of them are held out, never trained on, and used to
measure exact-match accuracy with greedy decoding.

The same network is `ag.nn.GPT`, built from fused nodes (`ag.dot`,
`ag.softmax`): the fast path, `build_model(settings, seed, fused=True)`.
Both start from the same weights and compute the same loss and gradients
(tests/problems/test_transformer.py shows it). The harness — the gradient
check, progress bars, tables, the command line — lives in
`problems.transformer_run`.

Run it:  symcheck run transformer   (or: python -m problems.transformer)
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

from symcheck.own import ag  # symcheck's own ag, even beside a course's ag.py (see symcheck/own.py)

from .tasks import VOCAB_SIZE, Dataset, Example

Scalar = ag.Scalar
Vector = list[Scalar]
Matrix = list[Vector]

# ---------------------------------------------------------------------------
# Settings (the defaults reach 100 % held-out exact match in about a minute on 2 cores)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Every knob of a run; the defaults are the homework's configuration."""

    task: str = "reverse"  # "reverse" or "sort" (see problems.tasks)
    length: int = 3  # digits per string
    held_out: int = 200  # strings never trained on, for the accuracy
    n_embd: int = 8  # width of every position's vector
    n_head: int = 2  # attention heads (head width n_embd / n_head)
    n_layer: int = 1  # Transformer blocks
    mlp_width: int = 16  # hidden width of the MLP
    steps: int = 200  # optimisation steps
    batch_size: int = 8  # sequences per step
    lr: float = 0.02  # Adam's learning rate, decayed linearly to 10 % of it
    target_accuracy: float = 0.95  # what counts as "trained"
    gradcheck_directions: int = 4  # random directions for the finite-difference check

    @property
    def block_size(self) -> int:
        """The longest input: the digits, SEP, and the answer but its last digit."""
        return 2 * self.length


INIT_STD = 0.08  # every weight starts as N(0, 0.08²)
EPS = 1e-5  # keeps RMSNorm's division finite

# ---------------------------------------------------------------------------
# Building blocks, written with + - * / **, exp and log
# ---------------------------------------------------------------------------


def total(terms: Sequence[Scalar]) -> Scalar:
    """t₁ + t₂ + … + tₙ."""
    result = terms[0]
    for term in terms[1:]:
        result = result + term
    return result


def dot(u: Sequence[Scalar], v: Sequence[Scalar]) -> Scalar:
    """u · v = Σᵢ uᵢ vᵢ."""
    return total([a * b for a, b in zip(u, v)])


def linear(W: Matrix, x: Vector) -> Vector:
    """W x: one dot product per row of W (no bias anywhere in this model)."""
    return [dot(row, x) for row in W]


def rmsnorm(x: Vector) -> Vector:
    """xᵢ / √(mean of x² + ε): every vector scaled to a root-mean-square of about 1."""
    scale = (dot(x, x) / len(x) + EPS) ** -0.5
    return [xi * scale for xi in x]


def softmax(scores: Vector) -> Vector:
    """e^(sᵢ − m) / Σⱼ e^(sⱼ − m). Subtracting the constant m = max(s) changes nothing but keeps exp finite."""
    m = max(s.data for s in scores)
    exps = [(s - m).exp() for s in scores]
    norm = total(exps)
    return [e / norm for e in exps]


def logsumexp(scores: Vector) -> Scalar:
    """log Σⱼ e^(sⱼ) = m + log Σⱼ e^(sⱼ − m)."""
    m = max(s.data for s in scores)
    return total([(s - m).exp() for s in scores]).log() + m


def matrix(rows: int, cols: int, rng: random.Random, name: str) -> Matrix:
    """A rows × cols matrix of fresh weights, each N(0, INIT_STD²), drawn row by row."""
    return [[Scalar(rng.gauss(0.0, INIT_STD), f"{name}[{j}][{i}]") for i in range(cols)] for j in range(rows)]


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


@dataclass
class Layer:
    """One Transformer block's weights."""

    wq: Matrix  # queries, n_embd × n_embd
    wk: Matrix  # keys
    wv: Matrix  # values
    wo: Matrix  # the heads' outputs mixed back into the residual stream
    fc1: Matrix  # MLP in, mlp_width × n_embd
    fc2: Matrix  # MLP out, n_embd × mlp_width


class Transformer:
    """A decoder-only Transformer on scalars: the model itself, every step of its forward pass in view.

    Weights are drawn in `ag.nn.GPT`'s order (wte, wpe, lm_head, then per layer wq, wk, wv, wo,
    fc1, fc2), so the same seed gives both models the same weights.
    """

    def __init__(self, settings: Settings, seed: int) -> None:
        rng = random.Random(seed)
        d, width = settings.n_embd, settings.mlp_width
        self.n_head = settings.n_head
        self.wte = matrix(VOCAB_SIZE, d, rng, "wte")  # one vector per token
        self.wpe = matrix(settings.block_size, d, rng, "wpe")  # one vector per position
        self.lm_head = matrix(VOCAB_SIZE, d, rng, "lm_head")  # one score per token
        self.layers = []
        for i in range(settings.n_layer):
            attn, mlp = f"layer{i}.attn", f"layer{i}.mlp"
            wq, wk, wv, wo = (matrix(d, d, rng, f"{attn}.{w}") for w in ("wq", "wk", "wv", "wo"))
            fc1 = matrix(width, d, rng, f"{mlp}.fc1")
            fc2 = matrix(d, width, rng, f"{mlp}.fc2")
            self.layers.append(Layer(wq, wk, wv, wo, fc1, fc2))

    def __call__(self, tokens: Sequence[int]) -> list[Vector]:
        """The logits at every position: position t predicts the token after tokens[t]."""
        # embeddings: what the token is, plus where it stands, normalised
        xs = [rmsnorm([a + b for a, b in zip(self.wte[token], self.wpe[t])]) for t, token in enumerate(tokens)]
        for layer in self.layers:
            # attention: each position reads the positions up to itself
            attended = self.attention(layer, [rmsnorm(x) for x in xs])
            xs = [[xi + ai for xi, ai in zip(x, a)] for x, a in zip(xs, attended)]
            # MLP: each position on its own
            xs = [[xi + mi for xi, mi in zip(x, self.mlp(layer, rmsnorm(x)))] for x in xs]
        return [linear(self.lm_head, x) for x in xs]

    def attention(self, layer: Layer, xs: list[Vector]) -> list[Vector]:
        """Causal multi-head self-attention.

        For each head h (a slice of hd = n_embd / n_head components) and position t:
        scores sₜᵤ = qₜ·kᵤ / √hd for u ≤ t, weights aₜ = softmax(sₜ), output Σᵤ aₜᵤ vᵤ.
        """
        queries = [linear(layer.wq, x) for x in xs]
        keys = [linear(layer.wk, x) for x in xs]
        values = [linear(layer.wv, x) for x in xs]
        hd = len(xs[0]) // self.n_head
        outputs = []
        for t, q in enumerate(queries):
            heads: Vector = []
            for head in range(self.n_head):
                part = range(head * hd, (head + 1) * hd)  # this head's components
                q_h = [q[i] * hd**-0.5 for i in part]
                scores = [dot(q_h, [k[i] for i in part]) for k in keys[: t + 1]]  # only the past and now
                weights = softmax(scores)
                heads += [dot(weights, [v[i] for v in values[: t + 1]]) for i in part]
            outputs.append(linear(layer.wo, heads))
        return outputs

    def mlp(self, layer: Layer, x: Vector) -> Vector:
        """fc2 · relu(fc1 · x)."""
        return linear(layer.fc2, [hidden.relu() for hidden in linear(layer.fc1, x)])

    def parameters(self) -> list[Scalar]:
        """Every weight, in the order they were drawn."""
        matrices = [self.wte, self.wpe, self.lm_head]
        for layer in self.layers:
            matrices += [layer.wq, layer.wk, layer.wv, layer.wo, layer.fc1, layer.fc2]
        return [w for rows in matrices for row in rows for w in row]

    def num_parameters(self) -> int:
        return len(self.parameters())


Model = Union[Transformer, "ag.nn.GPT"]
"""Either model: this one, or the fused `ag.nn.GPT` (the same network, fewer and bigger nodes)."""


def build_model(settings: Settings, seed: int, *, fused: bool = False) -> Model:
    """The Transformer for the task, or with ``fused=True`` the same network as `ag.nn.GPT`."""
    if not fused:
        return Transformer(settings, seed)
    config = ag.nn.GPTConfig(vocab_size=VOCAB_SIZE, n_embd=settings.n_embd, n_head=settings.n_head,
                             n_layer=settings.n_layer, block_size=settings.block_size,
                             mlp_width=settings.mlp_width, init_std=INIT_STD, eps=EPS)
    return ag.nn.GPT(config, seed=seed)


# ---------------------------------------------------------------------------
# The loss, and what the model predicts
# ---------------------------------------------------------------------------


def answer_loss(model: Model, batch: Sequence[Example]) -> Scalar:
    """Mean cross-entropy on the answer digits only (the given digits are not predicted).

    At each answer position t, with logits ℓₜ and the right token yₜ:
    −log softmax(ℓₜ)[yₜ] = logsumexp(ℓₜ) − ℓₜ[yₜ].
    """
    terms = []
    for example in batch:
        logits = model(example.inputs)
        for t in example.answer_positions:
            terms.append(logsumexp(logits[t]) - logits[t][example.targets[t]])
    return total(terms) / len(terms)


def predict(model: Model, example: Example) -> list[int]:
    """Greedy decoding: from ``digits SEP``, append the most likely digit, one answer digit at a time."""
    sequence = example.prompt
    with ag.no_grad():  # no graph is needed to predict
        for _ in example.answer:
            last = model(sequence)[-1]
            sequence.append(max(range(10), key=lambda token: last[token].data))
    return sequence[len(example.prompt) :]


def accuracy(model: Model, examples: Sequence[Example]) -> float:
    """Exact match: the fraction of examples whose whole answer is predicted right."""
    return sum(predict(model, e) == list(e.answer) for e in examples) / len(examples)


# ---------------------------------------------------------------------------
# Training: Adam on random batches
# ---------------------------------------------------------------------------


class Adam:
    """Adam: per weight, running means of the gradient (m) and of its square (v), bias-corrected.

    w ← w − lr · m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    """

    def __init__(self, params: list[Scalar], lr: float, beta1: float = 0.9, beta2: float = 0.99) -> None:
        self.params, self.lr, self.beta1, self.beta2 = params, lr, beta1, beta2
        self.m = [0.0] * len(params)
        self.v = [0.0] * len(params)
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        self.t += 1
        for i, p in enumerate(self.params):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad**2
            m_hat = self.m[i] / (1 - self.beta1**self.t)
            v_hat = self.v[i] / (1 - self.beta2**self.t)
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + 1e-8)


class Diverged(Exception):
    """Training overflowed: the learning rate is too large for these weights."""

    def __init__(self, step: int, why: str) -> None:
        super().__init__(f"diverged at step {step}: {why}")


def train(model: Model, data: Dataset, settings: Settings, *, seed: int,
          on_step: Optional[Callable[[int, Scalar], None]] = None) -> list[float]:
    """Adam on random batches of training strings; returns the loss of every step.

    `on_step(step, loss)` is called after each step (the harness shows a progress bar with it).
    Raises `Diverged` when the loss or a weight stops being a finite number.
    """
    rng = random.Random(seed)
    optimizer = Adam(model.parameters(), lr=settings.lr)
    losses: list[float] = []
    for step in range(settings.steps):
        batch = rng.sample(data.train, settings.batch_size)
        try:
            loss = answer_loss(model, batch)  # forward: one graph for the whole batch
        except (ag.DomainError, OverflowError) as error:  # weights so large that the forward pass overflows
            raise Diverged(step, str(error)) from None
        if not math.isfinite(loss.data):
            raise Diverged(step, f"the loss became {loss.data}")
        optimizer.zero_grad()
        loss.backward()  # backward: every weight's .grad
        optimizer.lr = settings.lr * (1.0 - 0.9 * step / settings.steps)  # decayed linearly to 10 %
        optimizer.step()  # update
        if not all(math.isfinite(p.data) for p in optimizer.params):
            raise Diverged(step, "a weight overflowed to inf/NaN")
        losses.append(loss.data)
        if on_step is not None:
            on_step(step, loss)
    return losses


if __name__ == "__main__":  # python -m problems.transformer: the whole run, with its harness
    from .transformer_run import main

    raise SystemExit(main(prog="python -m problems.transformer"))
