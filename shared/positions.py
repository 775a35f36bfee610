"""Where a stream reader has got to, kept beside (or with) its effect.

A reader resumes from its stored position + 1, so the position must never be ahead of the effects
that are stored. Three homes, one interface:

- ``KvPositions``: a key per reader in the ``READER_POSITIONS`` bucket, written after the effect.
  For readers whose effect is idempotent (a view published under its own subject, a command whose
  id derives from the event id): a crash between effect and position repeats the effect, harmlessly.
- ``MemoryPositions``: for a reader whose whole effect lives in memory (the deadline watch folds
  events into a dict), so effect and position die together and start again from 0.
- the SQL read model's own store (services/reporting/monitoring/readmodel), which writes the position in the
  same transaction as the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

POSITIONS_BUCKET = "READER_POSITIONS"


class PositionStore(Protocol):
    """``load`` the stored position (0: nothing read yet); ``save`` a newer one. ``stored_by_effect``
    is true when applying an event already stores its position (one SQL transaction), so the reader
    calls ``save`` only for what it parks."""

    stored_by_effect: bool

    async def load(self) -> int: ...

    async def save(self, seq: int, previous: int) -> None: ...


class KvPositions:
    stored_by_effect = False

    def __init__(self, js: Callable[[], JetStreamContext], reader: str) -> None:
        self._js = js  # asked when first needed: the connection is made after the reader
        self._key = reader
        self._kv: KeyValue | None = None

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            self._kv = await self._js().key_value(POSITIONS_BUCKET)
        return self._kv

    async def load(self) -> int:
        kv = await self._bucket()
        try:
            entry = await kv.get(self._key)
        except KeyNotFoundError:
            return 0
        return int(entry.value or b"0")

    async def save(self, seq: int, previous: int) -> None:
        await (await self._bucket()).put(self._key, str(seq).encode())


class MemoryPositions:
    stored_by_effect = False

    def __init__(self) -> None:
        self.seq = 0

    async def load(self) -> int:
        return self.seq

    async def save(self, seq: int, previous: int) -> None:
        self.seq = seq
