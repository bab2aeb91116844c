"""Hostile inputs for the claims' time budget: it holds in any thread and against C code.

Each case has a generous time bound (a hang fails the test instead of
stalling the suite); none of them measures speed.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import sympy

from homework import backprop_program
from symcheck.claims import judge_claim
from symcheck.errors import InputError
from symcheck.parse import parse_expression, parse_program
from symcheck.symbolic.budget import CLAIM_SECONDS, OutOfTime, run_bounded

ROOT = Path(__file__).resolve().parents[2]
SLACK = 1.0
"""What the documented guarantee allows past a budget: starting and killing the worker."""


def in_a_thread(work: Callable[[], Any]) -> Any:
    """`work()` run in a thread that is not the main one (where no signal ever arrives)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as error:  # noqa: BLE001 -- handed back to the test
            box["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the bounded work outlived its thread's join"
    if "error" in box:
        raise box["error"]
    return box["result"]


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    start = time.monotonic()
    result = work()
    return result, time.monotonic() - start


@pytest.mark.parametrize("where", ["main thread", "worker thread"])
def test_a_billion_digit_integer_inside_c_is_killed_at_the_budget(where: str) -> None:
    def work() -> Any:
        return run_bounded(lambda: sympy.Integer(10) ** (10**9), 1.0)  # computed by the integer library, in C

    runner = in_a_thread if where == "worker thread" else (lambda w: w())
    start = time.monotonic()
    with pytest.raises(OutOfTime):
        runner(work)
    assert time.monotonic() - start < 1.0 + SLACK + 2.0  # generous: the bound is what matters, not the speed


@pytest.mark.parametrize("where", ["main thread", "worker thread"])
def test_a_claim_sympy_cannot_finish_is_undecided_within_its_budget(where: str) -> None:
    program = parse_expression("x")
    work = lambda: judge_claim(program, "f == exp(exp(exp(exp(100))))", seconds=2.0)  # noqa: E731
    verdict, elapsed = timed(lambda: in_a_thread(work) if where == "worker thread" else work())
    assert verdict.undecided and not verdict.holds and verdict.method == "undecided"
    assert verdict.message.startswith("undecided: sympy did not finish within 2 s, the claim's time budget")
    assert elapsed < 2.0 + SLACK + 2.0


def test_the_31_character_claim_from_the_issue_ends_at_once_from_the_command_line() -> None:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "symcheck", "claim", "x", "f == ((10**1000)**1000)**1000"],
                          cwd=ROOT, capture_output=True, text=True, timeout=CLAIM_SECONDS + 60)
    assert time.monotonic() - start < CLAIM_SECONDS + SLACK + 30  # start-up included, generous
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("symcheck: error: <claim>:1:1: the constant (10**1000)**1000 is about 10^1000000: too "
                           "large to compare with a value at the point (floats reach about 10^±308); write a number "
                           "within a float's range\n")


@pytest.mark.parametrize(("claim", "message"), [
    ("f == 2**(2**(2**(2**10)))", "the exponent in 2**2**10 is about 1024: too large (the limit is ±1000)"),
    ("f == 10**(10**3) * 10**(10**3) * 10**(10**3) * 10**(10**3) * 10**(10**3)", "too large to compare"),
    ("f == (1/10)**1000 * (1/10)**1000 * (1/10)**1000 * (1/10)**1000 * (1/10)**1000", "too small to compare"),
])
def test_exact_constants_are_measured_by_their_logarithm_before_sympy_computes_them(claim: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        in_a_thread(lambda: judge_claim(parse_expression("x"), claim, seconds=10.0))
    assert message in str(caught.value)


def test_the_tanh_mlp_claim_from_the_issue_is_decided_within_the_budget_in_a_thread() -> None:
    program = parse_program((ROOT / "docs" / "examples" / "mlp.sc").read_text(encoding="utf-8"))
    verdict, elapsed = timed(lambda: in_a_thread(
        lambda: judge_claim(program, "D(f, w11) == err*v1*(1 - h1**2)*x1")))
    assert verdict.holds and verdict.method == "symbolic"
    assert verdict.lhs_symbolic == "err*v1*x1*(1 - h1**2)"  # in the student's own names
    assert elapsed < CLAIM_SECONDS + SLACK + 10


def test_an_error_in_the_worker_comes_back_as_itself_with_its_location() -> None:
    with pytest.raises(InputError) as caught:
        in_a_thread(lambda: judge_claim(backprop_program(), "log(z4 - 3) == 0"))
    assert str(caught.value).startswith("<claim>:1:1: the left side log(z4 - 3) has no real value")


def test_many_claims_in_many_threads_each_get_their_own_worker() -> None:
    program = backprop_program()
    claims = ["∂z8/∂z3 == z7", "D(f, z3) == z7", "grad(z3, before=z4) == z7", "D(f, x) ≈ 0.5067"] * 2
    results: list[Any] = [None] * len(claims)

    def judge(index: int) -> None:
        results[index] = judge_claim(program, claims[index]).holds

    threads = [threading.Thread(target=judge, args=(i,)) for i in range(len(claims))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [True, False, True, True] * 2
