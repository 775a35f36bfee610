"""Stopping background tasks so that a service's shutdown cannot hang on one; running work for
many cases at once, each case's in order.

On Python 3.11 a cancellation can be lost: ``asyncio.wait_for`` (used inside nats-py's requests
and fetches) swallows it when its inner future completes at the same moment (CPython gh-86296,
fixed in 3.12). A loop that lost its cancellation carries on, e.g. into a 15-minute sleep, and a
plain ``cancel(); await task`` then waits for ever. So we cancel again until the task ends, within
a bounded grace period.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from shared.logging import get_logger

log = get_logger(__name__)


async def cancel_and_wait(tasks: Iterable[asyncio.Task[object]], grace_s: float = 5.0) -> None:
    """Cancel every task, re-cancelling any that swallowed it, until all end or ``grace_s`` passes."""
    tasks = list(tasks)
    pending = {t for t in tasks if not t.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_s
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(0.2, max(deadline - loop.time(), 0)))
        if pending and loop.time() >= deadline:
            log.warning("background tasks did not stop", tasks=sorted(t.get_name() for t in pending))
            break
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: a failure was logged by the task itself


K = TypeVar("K")
T = TypeVar("T")


async def each_case_concurrently(
    items: Iterable[T], case_of: Callable[[T], K], work: Callable[[T], Awaitable[None]], limit: int = 32
) -> None:
    """``work`` on every item: one case's items one after another in the order given, up to
    ``limit`` cases at a time. Every case runs to its end (or first failure) before this returns;
    then the first failure, in the order the cases came, is raised as it was (not wrapped), so a
    reader still tells a transient failure from a poisoned event."""
    cases: dict[K, list[T]] = {}
    for item in items:
        cases.setdefault(case_of(item), []).append(item)
    if len(cases) == 1:
        for item in next(iter(cases.values())):
            await work(item)
        return
    room = asyncio.Semaphore(limit)

    async def run(case_items: list[T]) -> None:
        async with room:
            for item in case_items:
                await work(item)

    outcomes = await asyncio.gather(*(run(i) for i in cases.values()), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
