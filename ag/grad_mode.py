"""Switching graph recording off (`with ag.no_grad():`)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from .engine import Scalar, _grad_mode  # noqa: F401 (Scalar: used in the example)


@contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: results are plain leaves.

    >>> w = Scalar(2.0)
    >>> with no_grad(): v = w * 3             # records nothing: v is a plain leaf
    >>> (v.data, v.parents)
    (6.0, ())
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
