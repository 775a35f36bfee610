"""What the benchmarks share: running many awaited operations with a fixed number in flight, and
the percentiles of what they measured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


def percentile(samples: list[float], p: float) -> float:
    """The ``p``th percentile of ``samples`` (the nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


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
