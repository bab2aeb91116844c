"""symcheck's own `ag` and `problems`, reached by where they are installed, never by name alone.

symcheck is installed with two sibling packages: `ag`, the engine it builds
and runs graphs with, and `problems`, the homework's built-in problems. A
student's homework folder often holds its own ``ag.py`` (the course's engine,
whose values are also ``ag.Scalar``) or a ``problems/`` folder, and Python
looks in the current folder first (``python -m symcheck``, Jupyter). A bare
``import ag`` inside symcheck would then get the course's engine, and
``import problems`` the student's folder. So symcheck never imports them by
name: it writes

    from symcheck.own import ag          # symcheck's own engine
    from symcheck.own import problems    # symcheck's own built-in problems

and this module finds each package in the folder that holds ``symcheck/``
(site-packages, or a source checkout):

1. when the name is already imported and that module is ours (a user's
   ``import ag`` found symcheck's), that module is used: the user and
   symcheck share one ``ag.Scalar`` class;
2. when nothing has the name yet and Python would find ours under it, it is
   imported under its own name, exactly as ``import ag`` would;
3. otherwise, the name belongs to someone else (a course's ``ag.py``, a
   ``problems/`` folder), and ours is loaded from its file under a private
   alias, ``_symcheck_ag`` or ``_symcheck_problems``. The user's module is
   left alone, and a course ``ag.Scalar`` is then simply a foreign engine to
   symcheck. `ag` and `problems` import their own modules relatively
   (``from .engine import Scalar``), so they work under either name.

>>> from symcheck.own import ag
>>> (ag.Scalar(2.0) * 3).data
6.0
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Optional

from symcheck.errors import SetupError

if TYPE_CHECKING:  # pragma: no cover - what type checkers see behind `from symcheck.own import ag`
    import ag as ag
    import problems as problems

PACKAGES = ("ag", "problems")
"""The packages installed beside symcheck that symcheck reaches through this module."""

ALIAS_PREFIX = "_symcheck_"
"""Ours is loaded as ``_symcheck_ag`` (``_symcheck_problems``) when the plain name is someone else's."""

HOME = Path(__file__).resolve().parent.parent
"""The folder that holds ``symcheck/``, and beside it ``ag/`` and ``problems/``."""

_loaded: dict[str, ModuleType] = {}
_lock = threading.RLock()


def package(name: str) -> ModuleType:
    """symcheck's own package `name` (``"ag"`` or ``"problems"``), loaded once per process.

    >>> package("ag").__name__ in ("ag", "_symcheck_ag")
    True
    """
    if name not in PACKAGES:
        raise ValueError(f"symcheck ships no package named {name!r}; it ships {', '.join(PACKAGES)}")
    module = _loaded.get(name)
    if module is None:
        with _lock:
            module = _loaded.get(name) or _resolve(name)
            _loaded[name] = module
    return module


def loaded(name: str) -> Optional[ModuleType]:
    """symcheck's own package `name` if this process has loaded it already, else None (loads nothing)."""
    return _loaded.get(name)


def version() -> str:
    """The installed symcheck distribution's version, from its metadata (its one source: pyproject.toml)."""
    from importlib import metadata

    try:
        return metadata.version("symcheck")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def init_file(name: str) -> Path:
    """The ``__init__.py`` of symcheck's own package `name`."""
    return HOME / name / "__init__.py"


def is_own(module: Optional[ModuleType], name: str) -> bool:
    """True when `module` is symcheck's own package `name` (by its file, whatever it is called)."""
    return module is not None and _same_file(getattr(module, "__file__", None), init_file(name))


def _resolve(name: str) -> ModuleType:
    """Steps 1 to 3 of the module docstring."""
    if not init_file(name).is_file():
        raise SetupError(f"symcheck's own package '{name}' is missing from {HOME}",
                         hint="reinstall symcheck (pip install --force-reinstall symcheck)")
    taken = sys.modules.get(name)
    if is_own(taken, name):
        return taken  # type: ignore[return-value]
    if taken is None and _would_import_ours(name):
        return importlib.import_module(name)
    return _load_under_alias(name, ALIAS_PREFIX + name)


def _would_import_ours(name: str) -> bool:
    """Whether ``import name`` would find our package first on the current `sys.path`."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    return spec is not None and _same_file(spec.origin, init_file(name))


def _load_under_alias(name: str, alias: str) -> ModuleType:
    """Our package `name` executed from its file as the module `alias` (its submodules follow)."""
    existing = sys.modules.get(alias)
    if is_own(existing, name):
        return existing  # type: ignore[return-value]
    init = init_file(name)
    spec = importlib.util.spec_from_file_location(alias, init, submodule_search_locations=[str(init.parent)])
    if spec is None or spec.loader is None:  # pragma: no cover - a regular file always has a spec
        raise SetupError(f"cannot load symcheck's own package '{name}' from {init}", hint="reinstall symcheck")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for loaded in [key for key in sys.modules if key == alias or key.startswith(alias + ".")]:
            del sys.modules[loaded]
        raise
    return module


def _same_file(path: Optional[str], expected: Path) -> bool:
    if not path:
        return False
    try:
        return Path(path).resolve() == expected
    except OSError:  # pragma: no cover - an unreadable path is not ours
        return False


def __getattr__(name: str) -> ModuleType:
    """``from symcheck.own import ag`` (or ``problems``): the package, loaded on first use."""
    if name in PACKAGES:
        return package(name)
    raise AttributeError(f"module 'symcheck.own' has no attribute {name!r}")
