"""The reporting service's checkpoints of every case's head (shared/checkpoints.py).

It follows CASES from the start with a kernel reader (shared.reader, its position in memory),
keeping the last (sequence, hash) of each case changed since its last checkpoint, and every
``interval_s`` publishes a signed checkpoint for each such case. It keeps nothing on disk: at
start it reads the newest checkpoints back, so a restart re-reads the stream but republishes only
the heads that moved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from shared.checkpoints import (
    CHECKPOINT_STREAM,
    BadCheckpoint,
    Checkpoint,
    checkpoint_subject,
    decode_checkpoint,
)
from shared.directget import batches, last_by_subject
from shared.errors import EventStoreUnavailable
from shared.logging import get_logger
from shared.positions import MemoryPositions
from shared.reader import CaseReader
from shared.signing import Signer

log = get_logger(__name__)
DEFAULT_INTERVAL_S = 5.0
READER = "reporting-checkpoints"


async def _raw(seq: int, subject: str, data: bytes) -> tuple[int, str, bytes]:
    return seq, subject, data


class Checkpointer:
    def __init__(
        self, nc: NATS, signer: Signer, interval_s: float = DEFAULT_INTERVAL_S, consumer: str = READER
    ) -> None:
        self._nc = nc
        self._signer = signer
        self._interval = interval_s
        self._dirty: dict[str, tuple[int, str]] = {}
        self._published: dict[str, str] = {}  # case id -> hash of its newest checkpoint
        self.position = 0  # the last CASES sequence read
        # A fetch's events in one call: the heads are only noted, nothing here can fail.
        self.reader: CaseReader[tuple[int, str, bytes]] = CaseReader(
            READER, ["case.>"], _raw, self._on_event, MemoryPositions(), apply_batch=self._on_batch
        )
        self.reader.consumer = consumer

    async def start(self) -> None:
        for case_id in await checkpointed_case_ids(self._nc):
            newest = await newest_checkpoint(self._nc, case_id)
            if newest is not None:
                self._published[case_id] = newest.hash
        await self.reader.start(self._nc)

    async def stop(self) -> None:
        await self.reader.stop()

    async def run(self) -> None:
        """Start, then checkpoint every interval until cancelled."""
        await self.start()
        try:
            while True:
                await asyncio.sleep(self._interval)
                try:
                    await self.flush()
                except Exception as exc:  # retried at the next tick; never stops the service
                    log.warning("checkpoint publish failed", error=type(exc).__name__)
        finally:
            await self.stop()

    async def _on_batch(self, batch: Sequence[tuple[int, tuple[int, str, bytes]]]) -> None:
        for _, record in batch:
            self._note(record)

    async def _on_event(self, record: tuple[int, str, bytes]) -> None:
        self._note(record)

    def _note(self, record: tuple[int, str, bytes]) -> None:
        seq, subject, data = record
        self.position = seq
        try:
            head = orjson.loads(data).get("hash")
        except (orjson.JSONDecodeError, AttributeError):
            return  # not an event record: verify reports it; nothing to anchor
        if isinstance(head, str):
            self._dirty[subject.split(".")[1]] = (seq, head)

    async def flush(self) -> int:
        """Publish a signed checkpoint for each case whose head moved; returns how many."""
        js = self._nc.jetstream()
        published = 0
        for case_id, (seq, head) in list(self._dirty.items()):
            if self._published.get(case_id) != head:
                checkpoint = Checkpoint(case_id, seq, head, at=datetime.now(UTC).isoformat()).signed(
                    self._signer
                )
                # The same head published twice inside the duplicate window is stored once.
                await js.publish(
                    checkpoint_subject(case_id),
                    checkpoint.encode(),
                    headers={"Nats-Msg-Id": f"{case_id}:{head}"},
                )
                self._published[case_id] = head
                published += 1
            if self._dirty.get(case_id) == (seq, head):
                del self._dirty[case_id]
        return published


async def checkpointed_case_ids(nc: NATS) -> list[str]:
    try:
        info = await nc.jetstream().stream_info(CHECKPOINT_STREAM, subjects_filter="checkpoint.*")
    except NotFoundError:
        return []
    return sorted(subject.split(".", 1)[1] for subject in (info.state.subjects or {}))


async def newest_checkpoints(nc: NATS) -> dict[str, Checkpoint]:
    """Every case's newest checkpoint, in one ordered pass over the checkpoint stream (the later
    of a case's checkpoints replaces the earlier; one that cannot be read comes back unsigned)."""
    out: dict[str, Checkpoint] = {}
    try:
        async for messages in batches(nc, CHECKPOINT_STREAM, "checkpoint.*"):
            for seq, subject, data in messages:
                out[subject.split(".", 1)[1]] = _checkpoint(seq, subject, data)
    except EventStoreUnavailable:
        if out:
            raise  # the stream answered, then stopped: a partial answer would pass for the whole
        return {}  # no checkpoint stream yet
    return out


async def newest_checkpoint(nc: NATS, case_id: str) -> Checkpoint | None:
    """The case's newest checkpoint; one that cannot be read comes back unsigned (so it is reported)."""
    try:
        last = await last_by_subject(nc, CHECKPOINT_STREAM, checkpoint_subject(case_id))
    except EventStoreUnavailable:
        return None  # no checkpoint stream yet
    return None if last is None else _checkpoint(*last)


def _checkpoint(seq: int, subject: str, data: bytes) -> Checkpoint:
    try:
        return decode_checkpoint(data)
    except BadCheckpoint:
        return Checkpoint(subject.split(".", 1)[1], seq, hash="", at="", signer="unreadable")
