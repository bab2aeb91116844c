"""Switching graph recording off (`with ag.no_grad():`), per thread and per asyncio task.

The switch is a count of the `no_grad` blocks open in the current context (a
`contextvars.ContextVar`): every thread starts with its own context, and every
asyncio task runs in a copy of the context that created it, so a block in one
thread or task never stops recording in another. Entering a block adds one,
leaving it takes one away: blocks nested, overlapping or left in any order
(``a.__enter__(); b.__enter__(); a.__exit__(); b.__exit__()``) give back
exactly the state they found once all are closed, and recording is off while
any of them is open. Operations read the count once per node (`recording`).

>>> import ag
>>> w = ag.Scalar(2.0)
>>> with no_grad(): v = w * 3             # records nothing: v is a plain leaf
>>> (v.data, v.parents, is_grad_enabled())
(6.0, (), True)
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar
from typing import Any

_open_blocks: ContextVar[int] = ContextVar("ag_open_no_grad_blocks", default=0)

recording_paused = _open_blocks.get
"""The number of `no_grad` blocks open in this context: 0 means operations record (the hot path's test)."""


class no_grad(ContextDecorator):  # noqa: N801 - named like the function it replaces, and like torch.no_grad
    """Build no graph inside the block (or the decorated function): results are plain leaves.

    Only this thread (or asyncio task) stops recording; others go on. Blocks
    nest and overlap: recording resumes when the last open one is left, even
    when an exception leaves it.

    >>> import ag
    >>> x = ag.Scalar(1.5)
    >>> with no_grad():
    ...     with no_grad():
    ...         inner = x * 2
    ...     outer = x * 2
    >>> (inner.op, outer.op, (x * 2).op)
    ('input', 'input', 'mul')
    """

    def __enter__(self) -> None:
        _open_blocks.set(_open_blocks.get() + 1)

    def __exit__(self, *exc_info: Any) -> None:
        depth = _open_blocks.get()
        if depth:  # left in another context than the one it was entered in: nothing to close here
            _open_blocks.set(depth - 1)


def is_grad_enabled() -> bool:
    """True unless a `no_grad()` block is open in this thread (or asyncio task)."""
    return not _open_blocks.get()
