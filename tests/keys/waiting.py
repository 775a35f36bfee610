"""Waiting on a condition with a generous deadline (the machine is shared), never a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any


async def until(
    probe: Callable[[], Any], what: str, *, is_async: bool = False, seconds: float = 30.0
) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        value = probe()
        if is_async or inspect.isawaitable(value):
            value = await value
        if value:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds:.0f} s")
