"""Checking engines other people wrote: read any common style, judge every node, name the root cause.

`check_engine(out)` (what `symcheck.check(out)` does with a foreign value)
reads the graph behind `out` through the adapter of its family (micrograd and
its variants, one class per op, the method protocol, stored local gradients,
minitorch's history, ag), found by discovery or declared with a `Reader`;
runs each local step alone and the engine's own backward once; and reports
which op's step is wrong and how, or what the backward pass itself gets wrong,
next to the usual three-witness comparison.
"""

from symcheck.engines.adapters import Adapter, EngineAdapter
from symcheck.engines.check import check_engine
from symcheck.engines.discovery import Layout, UnreadableEngineError
from symcheck.engines.families import (
    AgAdapter, ClosureAdapter, HistoryAdapter, ReturningAdapter, StoredAdapter, adapter_for,
)
from symcheck.engines.graph import EngineCycleError, EngineGraph, capture_engine
from symcheck.engines.opnames import alias_op, canonical_op
from symcheck.engines.reader import Reader
from symcheck.engines.run import EngineLimitError
from symcheck.ops import register_op

__all__ = [
    "Adapter", "AgAdapter", "ClosureAdapter", "EngineAdapter", "EngineCycleError", "EngineGraph", "EngineLimitError",
    "HistoryAdapter", "Layout", "Reader", "ReturningAdapter", "StoredAdapter", "UnreadableEngineError", "adapter_for",
    "alias_op", "canonical_op", "capture_engine", "check_engine", "register_op",
]
