"""Switching graph recording off (`with ag.no_grad():`)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from ag.engine import _grad_mode


@contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: results are plain leaves.

    >>> with no_grad():
    ...     w = w - 0.1 * w.grad      # an optimizer update that records nothing
    """
    previous = _grad_mode.enabled
    _grad_mode.enabled = False
    try:
        yield
    finally:
        _grad_mode.enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`."""
    return _grad_mode.enabled
