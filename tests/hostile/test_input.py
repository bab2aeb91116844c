"""Hostile input: files that are not program files, huge files, and the small slips of typed text.

Every case runs the real command line in a child process with its own bound on
time and memory (tests/bounded.py): it must answer with one line on stderr
and exit code 2 within the bound, never hang, never grow without limit, never
print a traceback. The bounds are generous (a shared 2-core machine may be
busy); what each case would do without its fix is far outside them (a FIFO
blocks forever, a 3 GB file took 42 s and 3.2 GB).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bounded import GB, symcheck_batch, symcheck_bounded

SECONDS = 30.0
MEMORY = GB


def assert_usage_error(outcome, *fragments: str) -> str:
    """Exit 2, one line on stderr holding every fragment, no traceback; returns the line."""
    assert not outcome.timed_out, outcome.describe()
    assert outcome.returncode == 2, outcome.describe()
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in outcome.stderr, outcome.describe()
    for fragment in fragments:
        assert fragment in lines[0], outcome.describe()
    return lines[0]


# -- files -------------------------------------------------------------------------------------


def test_a_3_gb_file_is_refused_after_reading_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.sc"
    with big.open("wb") as file:  # sparse: 3 GB long, no disk used
        file.truncate(3 * 10**9)
    outcome = symcheck_bounded("check", str(big), seconds=SECONDS, memory=MEMORY)
    assert_usage_error(outcome, f"'{big}' is 3.0 GB, more than the 1,000,000 characters symcheck reads")
    assert outcome.peak_bytes < 300 * 2**20, outcome.describe()  # the cap is read, never the file


def test_a_file_one_character_over_the_cap_is_refused_and_one_at_the_cap_is_read(tmp_path: Path) -> None:
    body = "x = 1.5\ny = x * x\n"
    at_cap = tmp_path / "at_cap.sc"
    at_cap.write_text(body + "#" * (1_000_000 - len(body)), encoding="utf-8")
    over = tmp_path / "over.sc"
    over.write_text(body + "#" * (1_000_001 - len(body)), encoding="utf-8")
    read = symcheck_bounded("check", str(at_cap), seconds=SECONDS, memory=MEMORY)
    assert read.returncode == 0, read.describe()
    assert_usage_error(symcheck_bounded("check", str(over), seconds=SECONDS, memory=MEMORY),
                       "more than the 1,000,000 characters symcheck reads")


@pytest.mark.parametrize(("make", "kind"), [
    (lambda path: os.mkfifo(path), "a named pipe (FIFO)"),
    (lambda path: path.mkdir(), "a directory"),
])
def test_a_fifo_or_a_directory_is_named_as_what_it_is_and_nothing_blocks(tmp_path: Path, make, kind: str) -> None:
    path = tmp_path / "prog.sc"
    make(path)
    outcome = symcheck_bounded("check", str(path), seconds=SECONDS, memory=MEMORY)
    assert_usage_error(outcome, f"'{path}' is {kind}, not a program file")


def test_a_device_is_named_as_a_device() -> None:
    devices = [d for d in ("/dev/zero", "/dev/null", "/dev/urandom") if os.path.exists(d)]
    assert devices, "no character device to try"
    results, outcome = symcheck_batch([("trace", device) for device in devices], seconds=SECONDS, memory=MEMORY)
    assert len(results) == len(devices), outcome.describe()
    for device, result in zip(devices, results):
        assert (result.returncode, result.stderr) == (
            2, f"symcheck: error: '{device}' is a character device, not a program file; give a program file "
               f"(text with one assignment per line)\n")


def test_a_file_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.sc"
    path.write_bytes(b"x = 1\n" * 30_000 + b"y = x * 2 # caf\xe9\n")
    outcome = symcheck_bounded("check", str(path), seconds=SECONDS, memory=MEMORY)
    assert_usage_error(outcome, f"cannot read '{path}': it is not UTF-8 text (invalid continuation byte at "
                                f"byte {30_000 * 6 + 15})")  # the é after 15 ASCII bytes of the last line


def test_an_unreadable_file_says_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.sc"
    path.write_text("x = 1\ny = x\n", encoding="utf-8")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything
        pytest.skip("this user can read a file with mode 000")
    assert_usage_error(symcheck_bounded("check", str(path), seconds=SECONDS, memory=MEMORY),
                       f"cannot read '{path}': Permission denied")


# -- the small slips ------------------------------------------------------------------------------


SLIPS = [
    (("check", "x*х"), "'х' (U+0445 CYRILLIC SMALL LETTER HA) in the name 'х' looks like the Latin 'x' "
                       "(U+0078 LATIN SMALL LETTER X)"),
    (("check", "x*y", "--at", "х=1"), "<--at>:1:1: 'х' (U+0445 CYRILLIC SMALL LETTER HA)"),
    (("check", "x*y", "--at", "x=١"), "<--at>:1:3: '١' (U+0661) is not a number symcheck reads; write 1"),
    (("check", "x*١"), "<expression>:1:3: '١' (U+0661) is not a number symcheck reads; write 1"),
    (("check", "x*y", "--at", "x=1e-400"), "'1e-400' is too small for a float: it would be 0"),
    (("check", "x*1e-400"), "'1e-400' is too small for a float: it would be 0"),
    (("check", "x + 1e400"), "'1e400' is too large for a float"),
    (("check", "x*(10**1000)**1000"), "the constant expression 10**1000 is too large for a float"),
    (("check", "x*1j"), "complex numbers are not supported ('1j' is imaginary)"),
    (("claim", "x", "f == 2.5j*x"), "complex numbers are not supported ('2.5j' is imaginary)"),
    (("check", "x*y", "--at", "x=" + "1" * 90_000 + "a"), "(90,001 characters) is not a number"),
    (("check", "x*y", "--at", "q" * 90_000 + "=1"), "--at names 'qqqqqqqqqqqqqqqqqqqq…qqqqqqqqqqqqqqqqqqqq' "
                                                     "(90,000 characters)"),
]


def test_each_slip_is_one_short_line_saying_what_is_wrong() -> None:
    results, outcome = symcheck_batch([words for words, _ in SLIPS], seconds=SECONDS, memory=MEMORY)
    assert len(results) == len(SLIPS), outcome.describe()
    for (words, fragment), result in zip(SLIPS, results):
        lines = result.stderr.splitlines()
        assert result.returncode == 2 and len(lines) == 1, (words[:3], result)
        assert fragment in lines[0] and len(lines[0]) < 400, (words[:3], lines[0][:500])
