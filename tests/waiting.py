"""Waiting on a condition, never on the clock: a busy 2-core machine may take long, so the deadline
is generous and only there so a broken test ends."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

DEADLINE_S = 120.0


async def until(
    probe: Callable[[], Any], what: str | Callable[[], str], seconds: float = DEADLINE_S, every: float = 0.05
) -> Any:
    """Call ``probe`` until it returns something truthy, and return that; fail naming ``what`` (a
    callable is asked at the end, so it can say how far things got)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting: {what() if callable(what) else what}")
        await asyncio.sleep(every)
