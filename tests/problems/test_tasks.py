"""problems.tasks: the generated digit-string tasks and their train / held-out split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.tasks import SEP, VOCAB_SIZE, make_dataset, make_example


@pytest.mark.parametrize("task", ["reverse", "sort"])
@pytest.mark.parametrize("length, held_out", [(2, 20), (3, 200)])
def test_split_is_disjoint_and_covers_every_string(task: str, length: int, held_out: int) -> None:
    data = make_dataset(task, length=length, held_out=held_out, seed=0)
    train = {e.digits for e in data.train}
    held = {e.digits for e in data.held_out}
    assert not train & held
    assert len(held) == held_out and len(train | held) == 10**length
    assert data.block_size == 2 * length


def test_split_depends_on_the_seed_only() -> None:
    a, b, c = (make_dataset(seed=s) for s in (0, 0, 1))
    assert [e.digits for e in a.held_out] == [e.digits for e in b.held_out]
    assert [e.digits for e in a.held_out] != [e.digits for e in c.held_out]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=5), st.sampled_from(["reverse", "sort"]))
def test_example_layout(digits: list[int], task: str) -> None:
    example = make_example(task, digits)
    n = len(digits)
    expected = digits[::-1] if task == "reverse" else sorted(digits)
    assert example.sequence == [*digits, SEP, *expected]
    assert example.inputs == example.sequence[:-1] and example.targets == example.sequence[1:]
    # the targets at the answer positions are exactly the answer
    assert [example.targets[t] for t in example.answer_positions] == expected
    assert example.prompt == [*digits, SEP] and len(example.inputs) == 2 * n
    assert max(example.sequence) < VOCAB_SIZE


def test_bad_requests_say_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="reverse, sort"):
        make_dataset("shuffle")
    with pytest.raises(ValueError, match="between 1 and 99"):
        make_dataset(length=2, held_out=100)
    with pytest.raises(ValueError, match="1 to 5"):
        make_dataset(length=7)
