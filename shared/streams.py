"""The settings the history's streams share. CASES and CHECKPOINTS are records: on disk,
replicated, immutable (no message deleted, no purge), read by direct get, and idempotent to a
publisher that retries inside the duplicate window."""

from __future__ import annotations

from typing import Any

from nats.js.api import StorageType, StreamConfig


def record_stream_config(
    name: str, subjects: list[str], replicas: int = 1, duplicate_window_s: float = 120.0, **settings: Any
) -> StreamConfig:
    """A record stream's definition; ``settings`` are the stream's own, on top of the shared ones."""
    return StreamConfig(
        name=name,
        subjects=subjects,
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=duplicate_window_s,
        deny_delete=True,
        deny_purge=True,
        allow_direct=True,
        **settings,
    )
