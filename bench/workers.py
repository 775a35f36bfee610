"""What the benchmarks share: running many awaited operations with a fixed number in flight."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def run_workers(concurrency: int, total: int, one: Callable[[int, int], Awaitable[None]]) -> float:
    """``total`` operations spread over ``concurrency`` workers, each waiting for its own; ops/second.
    ``one(w, n)`` gets the worker and the operation's number in the whole run (unique)."""
    per_worker = total // concurrency

    async def worker(w: int) -> None:
        for i in range(per_worker):
            await one(w, w * per_worker + i)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return per_worker * concurrency / (time.perf_counter() - started)
