"""Tolerances: one validator and one wording for ``--rtol``/``--atol``, the pytest options and the Python API.

A tolerance is a finite number ≥ 0: a negative or NaN one would fail every
node, an infinite one pass every node. Text is read as ``--at`` reads numbers
(ASCII digits); a Python number is taken as it is (a bool is not a number).
"""

from __future__ import annotations

import math
from typing import Any, Optional

from symcheck.errors import InputError
from symcheck.parse.literals import NUMBER_TEXT, quoted, shortened

DEFAULTS = {"rtol": 1e-6, "atol": 1e-9}


def tolerance_problem(value: Any) -> Optional[str]:
    """What is wrong with `value` as a tolerance (``"'loose' is not a number"``), or None when it is fine.

    >>> tolerance_problem("1e-6"), tolerance_problem("-1"), tolerance_problem(float("nan"))
    (None, "'-1' is not a finite number ≥ 0", 'nan is not a finite number ≥ 0')
    """
    shown = quoted(value.strip()) if isinstance(value, str) else shortened(repr(value))
    number = _as_number(value)
    if number is None:
        return f"{shown} is not a number"
    if not 0.0 <= number < math.inf:
        return f"{shown} is not a finite number ≥ 0"
    return None


def tolerance(value: Any, name: str) -> float:
    """`value` as the tolerance `name` ("rtol" or "atol"): a finite float ≥ 0, else an `InputError`.

    >>> tolerance("1e-5", "rtol")
    1e-05
    >>> tolerance("loose", "rtol")
    Traceback (most recent call last):
      ...
    symcheck.errors.InputError: rtol='loose' is not a number; give a finite number ≥ 0, e.g. rtol=1e-06
    """
    problem = tolerance_problem(value)
    if problem is not None:
        raise InputError(f"{name}={problem}", hint=f"give a finite number ≥ 0, e.g. {name}={DEFAULTS.get(name, 0.0):g}")
    return float(_as_number(value))  # type: ignore[arg-type]


def _as_number(value: Any) -> Optional[float]:
    if isinstance(value, str):
        text = value.strip()
        if not NUMBER_TEXT.fullmatch(text) and text.lower().lstrip("+-") not in ("inf", "infinity", "nan"):
            return None
        value = text
    elif isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None
