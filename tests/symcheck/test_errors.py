"""The shape of user-facing errors: one line from str(), a caret from detail()."""

from __future__ import annotations

import pytest

from symcheck.errors import InputError, SymcheckError, UnknownOpError
from symcheck.ir import SourceLocation

LOCATION = SourceLocation("prog.sc", 3, 6, "z5 = sine(z4)")


def test_str_is_one_line_with_location_message_and_hint() -> None:
    error = InputError("unknown function 'sine'", location=LOCATION, hint="did you mean 'sin'?")
    assert str(error) == "prog.sc:3:6: unknown function 'sine'; did you mean 'sin'?"
    assert "\n" not in str(error)


def test_detail_adds_the_line_and_a_caret_under_the_column() -> None:
    error = InputError("unknown function 'sine'", location=LOCATION, hint="did you mean 'sin'?", width=4)
    assert error.detail() == (
        "prog.sc:3:6: unknown function 'sine'; did you mean 'sin'?\n"
        "    z5 = sine(z4)\n"
        "         ^^^^"
    )


def test_caret_keeps_tabs_so_it_lines_up() -> None:
    error = InputError("bad", location=SourceLocation("p", 1, 3, "\tx$"))
    assert error.detail().splitlines()[-1] == "    \t ^"


def test_caret_width_is_clipped_to_the_line() -> None:
    error = InputError("bad", location=SourceLocation("p", 1, 2, "ab"), width=50)
    assert error.detail().splitlines()[-1] == "     ^"


def test_without_location_a_node_name_says_where() -> None:
    error = InputError("log of a negative number", node="z3", hint="choose another point with --at")
    assert str(error) == "node z3: log of a negative number; choose another point with --at"
    assert error.detail() == str(error)


def test_without_location_or_hint_it_is_just_the_message() -> None:
    assert str(InputError("no such file: 'a.sc'")) == "no such file: 'a.sc'"


def test_hierarchy_and_attributes() -> None:
    error = UnknownOpError("op 'foo' is unknown", hint="register it")
    assert isinstance(error, SymcheckError) and isinstance(InputError("x"), SymcheckError)
    assert error.location is None and error.hint == "register it" and error.message == "op 'foo' is unknown"
    with pytest.raises(SymcheckError):
        raise error
