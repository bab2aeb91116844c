"""A Transformer run's settings, checked before anything is built: each one valid, and all of them
small enough to fit in memory.

`make_settings` fills in the defaults and `validate` rejects settings that
cannot run. `symcheck run transformer --n-embd 4096` would also build a graph
of billions of parent links and die of memory halfway through its first step:
`check_memory` counts, from the settings, the nodes and parent links one
training step creates (the scalar model's and the fused `ag.nn.GPT`'s, each
from its own structure), turns them into bytes, and refuses settings that would
not fit, naming the limit and the widest ``--n-embd`` that would.
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from typing import Optional

from . import runner
from .tasks import VOCAB_SIZE
from .transformer import Settings

GRAPH_BYTES = {"node": 150, "edge": 16, "parameter": 300}
"""Memory per Scalar node, per parent link and per parameter (its label and Adam's moments), measured
with ru_maxrss on runs of n_embd 16-128, n_layer 1-4, batch 16-64, then rounded up."""

BASE_BYTES = 40 * 2**20  # the interpreter and its imports
GRADCHECK_FACTOR = 2.5  # symcheck's node-by-node check holds its own copy of the graph beside ag's
GRADCHECK_BYTES = 64 * 2**20 + 350  # sympy's import, and per node
MEMORY_SHARE = 0.75  # of this machine's memory, what one run may plan on (others need some too)


class SettingError(runner.UsageError):
    """A setting the model or the task cannot take; says which and what would work."""


def make_settings(*, steps: Optional[int], lr: Optional[float], **overrides: object) -> Settings:
    """The default Settings with the given fields replaced (unknown names are an error)."""
    fields = asdict(Settings())
    unknown = set(overrides) - set(fields)
    if unknown:
        raise TypeError(f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(fields)}")
    if steps is not None:
        overrides["steps"] = steps
    if lr is not None:
        overrides["lr"] = lr
    settings = replace(Settings(), **overrides)  # type: ignore[arg-type]
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Reject settings that cannot run, before any training starts."""
    if settings.n_embd % settings.n_head:
        raise SettingError(f"n_embd ({settings.n_embd}) must be a multiple of n_head ({settings.n_head})")
    if not 1 <= settings.length <= 5:
        raise SettingError(f"length must be 1 to 5 digits, got {settings.length}")
    train_size = 10**settings.length - settings.held_out
    if train_size < 1 or settings.held_out < 1:
        raise SettingError(f"held_out must be between 1 and {10**settings.length - 1} for length {settings.length}")
    if settings.batch_size > train_size:
        raise SettingError(f"batch_size ({settings.batch_size}) exceeds the {train_size} training strings")


# -- counting one training step's graph ------------------------------------------------------


class _Count:
    """Nodes and parent links, added up as the model's code would create them."""

    def __init__(self) -> None:
        self.nodes = self.links = 0

    def binary(self, n: int = 1) -> None:  # a + b, a * b, a / b between two Scalars
        self.nodes += n
        self.links += 2 * n

    def unary(self, n: int = 1) -> None:  # exp, log, relu, ** constant
        self.nodes += n
        self.links += n

    def with_constant(self, n: int = 1) -> None:  # s - m, x * 0.5: the float becomes a leaf of its own
        self.nodes += 2 * n
        self.links += 2 * n

    def dot(self, n: int, times: int = 1) -> None:  # n products, n - 1 additions
        self.binary(times * (2 * n - 1))

    def linear(self, rows: int, cols: int) -> None:  # one dot product per row
        self.dot(cols, times=rows)

    def rmsnorm(self, n: int) -> None:  # x·x, / n, + ε, ** -0.5, then n products
        self.dot(n)
        self.with_constant(2)
        self.unary()
        self.binary(n)

    def softmax(self, n: int) -> None:  # s - m, exp, the sum, n divisions
        self.with_constant(n)
        self.unary(n)
        self.binary(n - 1)
        self.binary(n)

    def logsumexp(self, n: int) -> None:  # s - m, exp, the sum, log, + m
        self.with_constant(n)
        self.unary(n)
        self.binary(n - 1)
        self.unary()
        self.with_constant()


def _scalar_model_step(settings: Settings) -> tuple[int, int]:
    """(nodes, links) of one step of `problems.transformer.Transformer`, following its code line by line."""
    d, heads, m, vocab = settings.n_embd, settings.n_head, settings.mlp_width, VOCAB_SIZE
    hd, positions = d // heads, 2 * settings.length
    count = _Count()
    for t in range(positions):
        count.binary(d)  # token + position
        count.rmsnorm(d)
        for _ in range(settings.n_layer):
            count.rmsnorm(d)
            count.linear(3 * d, d)  # queries, keys, values
            for _ in range(heads):
                count.with_constant(hd)  # q · hd^-½
                count.dot(hd, times=t + 1)  # the scores
                count.softmax(t + 1)
                count.dot(t + 1, times=hd)  # the weighted values
            count.linear(d, d)  # wo
            count.binary(d)  # residual
            count.rmsnorm(d)
            count.linear(m, d)
            count.unary(m)  # relu
            count.linear(d, m)
            count.binary(d)  # residual
        count.linear(vocab, d)  # logits
    answers = settings.length
    for _ in range(answers):
        count.logsumexp(vocab)
        count.binary()  # - the right token's logit
    per_sequence = (count.nodes, count.links)
    terms = settings.batch_size * answers
    nodes = settings.batch_size * per_sequence[0] + 2 * (terms - 1) + 2  # the total, / its count
    links = settings.batch_size * per_sequence[1] + 2 * (terms - 1) + 2
    return nodes, links


def _fused_model_step(settings: Settings) -> tuple[int, int]:
    """(nodes, links) of one step of `ag.nn.GPT`, counted from its structure.

    Per sequence of T = 2·length positions, d = n_embd, m = mlp_width, H heads: the embedding and its
    norm, then per layer the norms, W_q/W_k/W_v/W_o (one dot node of 2d parents per output), the causal
    attention (t + 1 scores and softmax nodes per head at position t), the MLP and two residual adds;
    finally the logits (vocabulary dots) and the loss at the answer positions.
    """
    d, heads, m, layers = settings.n_embd, settings.n_head, settings.mlp_width, settings.n_layer
    length, batch, vocab = settings.length, settings.batch_size, VOCAB_SIZE
    positions = 2 * length
    pairs = positions * (positions + 1) // 2  # Σ (t + 1): attention's scores per head
    squares = positions * (positions + 1) * (2 * positions + 1) // 6  # Σ (t + 1)²: its softmax links
    nodes = (positions * (2 * d + 6 + vocab) + 2 * length
             + layers * (positions * (11 * d + 2 * m + 12) + 2 * heads * pairs + 1))
    links = (positions * (6 * d + 5 + 2 * d * vocab) + length * (vocab + 2)
             + layers * (positions * (8 * d * d + 4 * d * m + 14 * d + m + 10) + 4 * d * pairs + heads * squares))
    return batch * nodes + 1, batch * (links + length)


def graph_size(settings: Settings, *, fused: bool = False) -> tuple[int, int, int]:
    """(nodes, parent links, parameters) that one training step creates (the parameters not counted as nodes)."""
    d, m, layers, vocab = settings.n_embd, settings.mlp_width, settings.n_layer, VOCAB_SIZE
    nodes, links = _fused_model_step(settings) if fused else _scalar_model_step(settings)
    parameters = 2 * vocab * d + settings.block_size * d + layers * (4 * d * d + 2 * d * m)
    return nodes, links, parameters


def memory_needed(settings: Settings, *, gradcheck: bool, fused: bool = False) -> int:
    """Bytes a run with these settings needs at its peak (an estimate that errs on the high side)."""
    nodes, links, parameters = graph_size(settings, fused=fused)
    graph = GRAPH_BYTES["node"] * nodes + GRAPH_BYTES["edge"] * links + GRAPH_BYTES["parameter"] * parameters
    if not gradcheck:
        return BASE_BYTES + graph
    return BASE_BYTES + int(GRADCHECK_FACTOR * graph) + GRADCHECK_BYTES + 350 * nodes


# -- the limit -----------------------------------------------------------------------------


def memory_limit() -> tuple[int, str]:
    """The memory a run may plan on, and how to name that limit in an error."""
    limits = []
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limits.append((int(MEMORY_SHARE * total), f"{MEMORY_SHARE:.0%} of this machine's {_bytes(total)} of memory"))
    except (ValueError, OSError, AttributeError):  # no sysconf for it on this system
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            limits.append((soft, f"the process's memory limit (ulimit -v) of {_bytes(soft)}"))
    except (ImportError, ValueError, OSError):
        pass
    cgroup = _cgroup_limit()
    if cgroup is not None:
        limits.append((cgroup, f"the container's memory limit of {_bytes(cgroup)}"))
    return min(limits) if limits else (2**63, "no known limit")


def _cgroup_limit() -> Optional[int]:
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as file:
            text = file.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _bytes(count: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count / 1e3:.0f} kB"


def _count(number: int) -> str:
    for word, size in (("billion", 1e9), ("million", 1e6)):
        if number >= size:
            value = number / size
            return f"{value:.0f} {word}" if value >= 10 else f"{value:.1f} {word}"
    return f"{number:,}"


def check_memory(settings: Settings, *, gradcheck: bool, fused: bool = False) -> None:
    """Refuse settings whose graph would not fit in memory (`memory_needed` over `memory_limit`)."""
    needed = memory_needed(settings, gradcheck=gradcheck, fused=fused)
    limit, named = memory_limit()
    if needed <= limit:
        return
    nodes, links, _ = graph_size(settings, fused=fused)
    fits = _widest_that_fits(settings, gradcheck, fused, limit)
    hint = f"--n-embd {fits} would fit" if fits else "a smaller --n-embd would not be enough"
    raise SettingError(
        f"n_embd {settings.n_embd}, n_layer {settings.n_layer}, batch_size {settings.batch_size}, length "
        f"{settings.length} make a graph of about {_count(nodes)} nodes and {_count(links)} parent links per training "
        f"step, needing about {_bytes(needed)} of memory; the limit is {named}: {hint} (or lower --batch-size, "
        f"--n-layer{'' if not gradcheck else ', or add --no-gradcheck'})")


def _widest_that_fits(settings: Settings, gradcheck: bool, fused: bool, limit: int) -> Optional[int]:
    """The largest n_embd (a multiple of n_head) whose run fits, everything else unchanged; None if none does."""
    low, high = 0, settings.n_embd // settings.n_head  # in units of n_head
    while low < high:
        middle = (low + high + 1) // 2
        trial = replace(settings, n_embd=middle * settings.n_head)
        if memory_needed(trial, gradcheck=gradcheck, fused=fused) <= limit:
            low = middle
        else:
            high = middle - 1
    return low * settings.n_head or None
