"""A scratch JetStream stream of a test's own: a fresh name, in memory, direct gets allowed, every
subject under its name, deleted afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig


@contextlib.asynccontextmanager
async def scratch_stream(js: JetStreamContext, prefix: str) -> AsyncIterator[str]:
    """The stream's name (``<prefix>_<8 hex>``); its subjects are ``<name>.>``."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await js.add_stream(
        StreamConfig(name=name, subjects=[f"{name}.>"], storage=StorageType.MEMORY, allow_direct=True)
    )
    try:
        yield name
    finally:
        await js.delete_stream(name)
