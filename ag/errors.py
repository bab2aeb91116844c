"""Errors that ag raises for values outside an op's domain."""

from __future__ import annotations

from typing import Optional


class DomainError(ValueError):
    """An op was applied where it is undefined or its result is not a finite float.

    Carries the op's name, the offending argument and the node's label (when it
    has one), so the message says exactly which node failed.
    """

    def __init__(self, op: str, value: float, label: Optional[str], reason: str) -> None:
        self.op = op
        self.value = value
        self.label = label
        self.reason = reason
        where = f" at node {label!r}" if label else ""
        super().__init__(f"{op}({value!r}){where}: {reason}")
