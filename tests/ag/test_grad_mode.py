"""Tests for ag.grad_mode: no_grad per thread and per asyncio task, nested and overlapping blocks."""

from __future__ import annotations

import asyncio
import threading
from typing import Callable

import pytest

import ag
from ag import Scalar

TIMEOUT = 10.0  # seconds: a bound on every wait, so a broken switch fails instead of hanging


def records() -> bool:
    """Whether an op in the calling thread builds a graph node (the switch seen through its effect)."""
    x = Scalar(2.0)
    node = x * x
    recorded = node.op == "mul" and node.parents == (x, x)
    assert recorded == ag.is_grad_enabled()  # the function and the engine agree
    return recorded


def run_threads(*targets: Callable[[], None]) -> None:
    """Run the targets in threads; re-raise the first failure (an AssertionError) in the caller."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as error:  # noqa: BLE001 - handed to the main thread
                errors.append(error)
        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread did not finish: a wait was never released"
    if errors:
        raise errors[0]


def test_overlapping_blocks_in_two_threads_switch_only_their_own_thread() -> None:
    # A enters, B enters, A leaves while B is still inside, then B leaves: the order that left
    # a process-wide flag off for good. Each step asserts what every thread records.
    a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
    seen: dict[str, bool] = {}

    def thread_a() -> None:
        with ag.no_grad():
            seen["a inside"] = records()
            a_in.set()
            assert b_in.wait(TIMEOUT)
        seen["a after its block, b still inside"] = records()
        a_out.set()
        assert b_out.wait(TIMEOUT)
        seen["a at the end"] = records()

    def thread_b() -> None:
        assert a_in.wait(TIMEOUT)
        with ag.no_grad():
            seen["b inside, a inside"] = records()
            b_in.set()
            assert a_out.wait(TIMEOUT)
            seen["b inside, a gone"] = records()
        seen["b at the end"] = records()
        b_out.set()

    def main_thread_during_both() -> None:
        assert b_in.wait(TIMEOUT)
        seen["a third thread while a and b are inside"] = records()

    run_threads(thread_a, thread_b, main_thread_during_both)
    assert seen == {
        "a inside": False,
        "b inside, a inside": False,
        "a third thread while a and b are inside": True,
        "a after its block, b still inside": True,
        "b inside, a gone": False,
        "b at the end": True,
        "a at the end": True,
    }
    assert records()  # and the thread that started them


def test_many_threads_entering_and_leaving_at_random_leave_everyone_recording() -> None:
    start = threading.Barrier(8, timeout=TIMEOUT)
    outside: list[bool] = []
    inside: list[bool] = []

    def worker(seed: int) -> None:
        start.wait()
        for i in range(300):
            depth = (seed + i) % 3 + 1
            blocks = [ag.no_grad() for _ in range(depth)]
            for block in blocks:
                block.__enter__()
            inside.append(records())
            for block in blocks[:: (-1) ** i]:  # left in order and in reverse order, alternately
                block.__exit__(None, None, None)
            outside.append(records())

    run_threads(*[lambda seed=seed: worker(seed) for seed in range(8)])
    assert len(inside) == len(outside) == 8 * 300
    assert not any(inside) and all(outside)
    assert records()


def test_a_block_left_out_of_order_in_one_thread_restores_recording() -> None:
    first, second = ag.no_grad(), ag.no_grad()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not records()  # the second block is still open
    second.__exit__(None, None, None)
    assert records()


def test_nested_blocks_and_an_exception_restore_what_they_found() -> None:
    with pytest.raises(ag.DomainError):
        with ag.no_grad():
            with ag.no_grad():
                assert not records()
            assert not records()
            Scalar(-1.0).log()
    assert records()


def test_no_grad_as_a_decorator_pauses_only_the_call() -> None:
    @ag.no_grad()
    def predict(w: Scalar) -> Scalar:
        return w * 3

    w = Scalar(2.0)
    assert predict(w).parents == ()
    assert (w * 3).parents[0] is w


def test_a_new_thread_records_even_when_started_inside_a_block() -> None:
    seen: list[bool] = []
    with ag.no_grad():
        run_threads(lambda: seen.append(records()))
        assert not records()
    assert seen == [True]


def test_asyncio_tasks_each_have_their_own_switch() -> None:
    async def paused(started: asyncio.Event, release: asyncio.Event) -> bool:
        with ag.no_grad():
            started.set()
            await release.wait()  # another task runs while this block is open
            return records()

    async def recording(started: asyncio.Event, release: asyncio.Event) -> bool:
        await started.wait()
        result = records()
        release.set()
        return result

    async def main() -> tuple[bool, bool]:
        started, release = asyncio.Event(), asyncio.Event()
        return tuple(await asyncio.wait_for(asyncio.gather(paused(started, release), recording(started, release)),
                                            TIMEOUT))  # type: ignore[return-value]

    assert asyncio.run(main()) == (False, True)
    assert records()
