"""Stopping background work: a task that swallowed its cancellation still ends, within the grace."""

from __future__ import annotations

import asyncio

from shared.tasks import cancel_and_wait


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
    await asyncio.wait_for(cancel_and_wait([task], grace_s=5.0), timeout=3.0)
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
    await asyncio.wait_for(cancel_and_wait([task], grace_s=0.5), timeout=3.0)
    assert not task.done()
    released.set()
    task.cancel()
    await asyncio.wait({task}, timeout=1.0)
    assert task.done()


async def test_finished_and_failed_tasks_are_fine() -> None:
    async def fails() -> None:
        raise RuntimeError("logged by the task itself")

    done = asyncio.create_task(asyncio.sleep(0))
    failed = asyncio.create_task(fails())
    await asyncio.sleep(0.01)
    await cancel_and_wait([done, failed])
    assert done.done() and failed.done()
