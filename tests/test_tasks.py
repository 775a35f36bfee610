"""Stopping background work: a task that swallowed its cancellation still ends, within the grace.
Working many cases at once: each case in order, failures raised as they are."""

from __future__ import annotations

import asyncio

import pytest

from shared.tasks import cancel_and_wait, each_case_concurrently


async def test_a_task_that_swallows_its_cancellation_is_cancelled_again() -> None:
    swallowed = asyncio.Event()

    async def loop_that_loses_a_cancellation() -> None:
        # What asyncio.wait_for can do on 3.11: the cancellation is lost, the loop goes to sleep.
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            swallowed.set()
        await asyncio.sleep(900)

    task = asyncio.create_task(loop_that_loses_a_cancellation())
    await asyncio.sleep(0)
    # Not cancelled again, the task would still be asleep when the grace ran out.
    await cancel_and_wait([task], grace_s=60.0)
    assert swallowed.is_set() and task.cancelled()


async def test_a_task_that_will_not_end_is_left_after_the_grace_without_hanging() -> None:
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    # Returns once the grace is over (the limit is for a hang, not a budget).
    await asyncio.wait_for(cancel_and_wait([task], grace_s=0.5), timeout=60)
    assert not task.done()
    released.set()
    task.cancel()
    await asyncio.wait({task}, timeout=60)
    assert task.done()


async def test_finished_and_failed_tasks_are_fine() -> None:
    async def fails() -> None:
        raise RuntimeError("logged by the task itself")

    done = asyncio.create_task(asyncio.sleep(0))
    failed = asyncio.create_task(fails())
    await asyncio.sleep(0.01)
    await cancel_and_wait([done, failed])
    assert done.done() and failed.done()


async def test_each_case_keeps_its_order_while_cases_run_side_by_side() -> None:
    done: list[tuple[str, int]] = []
    both_started = asyncio.Event()
    started: set[str] = set()

    async def work(item: tuple[str, int]) -> None:
        started.add(item[0])
        if len(started) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), timeout=10)  # only if the cases overlap
        done.append(item)

    items = [("A", 1), ("B", 1), ("A", 2), ("B", 2), ("A", 3)]
    await each_case_concurrently(items, lambda i: i[0], work)
    assert [n for c, n in done if c == "A"] == [1, 2, 3] and [n for c, n in done if c == "B"] == [1, 2]


async def test_each_case_runs_to_its_end_and_the_first_failure_comes_back_unwrapped() -> None:
    done: list[tuple[str, int]] = []

    async def work(item: tuple[str, int]) -> None:
        if item == ("A", 1):
            raise TimeoutError("A failed")
        done.append(item)

    with pytest.raises(TimeoutError):
        await each_case_concurrently([("A", 1), ("B", 1), ("A", 2), ("B", 2)], lambda i: i[0], work)
    assert done == [("B", 1), ("B", 2)]  # A stopped at its failure; B went on to its end
