"""Checking engines other people wrote: any micrograd-style value, node by node.

`check_engine(out)` reads the graph behind `out` through an adapter (ag,
micrograd 0.1.0, course variants), runs the engine's own backward once and
each local step alone, and reports which op's backward is wrong and how
(kinds ``local``, ``missing``, ``accumulation``, ``order``, ``stale``), next to
the usual three-witness comparison.
"""

from symcheck.engines.adapters import (
    Adapter, AgAdapter, AgNode, EngineNode, MicrogradAdapter, MicrogradNode, adapter_for, canonical_op,
)
from symcheck.engines.check import check_engine
from symcheck.engines.graph import EngineGraph, alias_op, capture_engine
from symcheck.engines.run import EngineLimitError
from symcheck.ops import register_op

__all__ = [
    "Adapter", "AgAdapter", "AgNode", "EngineGraph", "EngineLimitError", "EngineNode", "MicrogradNode", "MicrogradAdapter", "adapter_for", "alias_op",
    "canonical_op", "capture_engine", "check_engine", "register_op",
]
