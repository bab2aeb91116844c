"""Watching an engine's backward pass: each node's step reports itself when the engine runs it.

A step kept on the node itself (micrograd's ``_backward`` closure) is
replaced, for the run, by a wrapper that records the node's position and
calls it; a step that is a method of the node's class is shadowed by such a
wrapper on the node; where the node has no ``__dict__`` (``__slots__``) the
class's method is wrapped for the run instead. Everything is put back
afterwards, also when the engine raises.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

Restore = Callable[[], None]


def watch(nodes: list[Any], positions: list[int], name: str, record: Callable[[int], None]) -> Optional[Restore]:
    """Wrap attribute `name` of `nodes` (at `positions` in the graph) to call ``record(position)`` first.

    Returns the function that undoes it, or None when some node's step could not be wrapped.
    """
    shadowed: list[tuple[dict, Any]] = []  # (the node's __dict__, its own step or None): one entry per node
    undo: list[Restore] = [lambda: _unshadow(shadowed, name)]
    patched: dict[type, dict[int, int]] = {}
    for node, i in zip(nodes, positions):
        own = getattr(node, "__dict__", None)
        if isinstance(own, dict):
            mine = own.get(name)
            own[name] = _recorder(mine if mine is not None else getattr(node, name), i, record)
            shadowed.append((own, mine))
        elif callable(getattr(type(node), name, None)):
            patched.setdefault(type(node), {})[id(node)] = i
        else:
            _undo_all(undo)
            return None
    for kind, where in patched.items():
        undo.append(_patch_class(kind, name, where, record))
    return lambda: _undo_all(undo)


def _recorder(step: Callable[..., Any], i: int, record: Callable[[int], None]) -> Callable[..., Any]:
    def recorder(*args: Any, **kwargs: Any) -> Any:
        record(i)
        return step(*args, **kwargs)

    return recorder


def _unshadow(shadowed: list[tuple[dict, Any]], name: str) -> None:
    for own, mine in shadowed:
        if mine is not None:
            own[name] = mine
        else:
            own.pop(name, None)


def _patch_class(kind: type, name: str, where: dict[int, int], record: Callable[[int], None]) -> Restore:
    original = kind.__dict__.get(name)
    method = getattr(kind, name)

    def recorder(self: Any, *args: Any, **kwargs: Any) -> Any:
        i = where.get(id(self))
        if i is not None:
            record(i)
        return method(self, *args, **kwargs)

    setattr(kind, name, recorder)

    def restore() -> None:
        if original is None:
            delattr(kind, name)
        else:
            setattr(kind, name, original)

    return restore


def _undo_all(undo: list[Restore]) -> None:
    for restore in reversed(undo):
        restore()
