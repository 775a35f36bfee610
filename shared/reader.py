"""The one mechanism behind every in-order reader of CASES: read models, views, reactions, watches.

How it reads. The reader's position (the last stream sequence whose effect is stored) lives with
its effect (``shared.positions``). On start, and whenever anything looks wrong, it makes a fresh
ephemeral pull consumer that starts at position + 1 (no acks, no redeliveries, in memory, removed
by the server when idle) and checks that the consumer's delivery sequence counts up by exactly one.
A gap, a vanished consumer or a lost connection just means: drop it, make another from position + 1.
No durable to lose, no ack_wait to sit out, nothing that depends on the order of redeliveries.

How it handles one event, in stream order:

- applied: the position moves on (stored with the effect, or after it when the effect is idempotent);
- poison (cannot be decoded or applied: bad JSON, unknown type, failed validation, 10,000-deep
  nesting, an oversized body, a case key that does not open it...): parked at once in the
  dead-letter stream with its stream sequence, subject and reason, logged, counted, and the reader
  goes on;
- transient (NATS or the database unreachable): retried in place with backoff, never parked, and
  nothing after it is applied first.

Batches. A reader given ``apply_batch`` hands it every event of a fetch that decoded, in order, in
one call (the read models write the rows and the position in one transaction). Poison is still
decided per event: an event that does not decode is parked alone between two batches, and when a
batch fails with anything but a transient failure it is applied again one event at a time, so
only the event that cannot be applied is parked and the rest are applied.

``status()`` tells the truth about it for the service's health: position, the stream's last
sequence, how many it parked, and whether it is stalled (no progress while behind for longer than
``stall_after_s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from shared.deadletter import park
from shared.delivery import delivery
from shared.eventstore import STREAM
from shared.health import ReaderStatus
from shared.logging import get_logger
from shared.own_consumer import make_own_consumer
from shared.positions import PositionStore
from shared.tasks import cancel_and_wait

log = get_logger(__name__)

E = TypeVar("E")
T = TypeVar("T")
Decode = Callable[[int, str, bytes], Awaitable[E]]  # (stream sequence, subject, stored bytes)
Apply = Callable[[E], Awaitable[None]]
# Apply these (stream sequence, event) in order, all or nothing, storing the last one's sequence.
ApplyBatch = Callable[[Sequence[tuple[int, E]]], Awaitable[None]]

# A fetch's worth is what a read model writes in one transaction and the views project together
# (each case once): after a burst, fewer and larger fetches catch up sooner.
BATCH = 1024
# An idle reader learns the stream moved on (and that none of it is for it) at the end of each
# empty fetch: this long after the last event, at most, it reports lag 0.
FETCH_WAIT_S = 1.0
IDLE_CHECK_S = 0.5  # at most this often, a fetch that empties the consumer asks how far the stream is
MAX_EVENT_BYTES = 1024 * 1024  # an event is a few kilobytes; anything past this is not one of ours
STALL_AFTER_S = 60.0

# What goes away by itself: the connection, the server, the database. Retried in place, never parked.
TRANSIENT: tuple[type[BaseException], ...] = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.FlushTimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.TimeoutError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
    asyncio.TimeoutError,
    ConnectionError,
    OSError,
)


class PositionMoved(Exception):
    """Raised by an effect that stores its position when the stored position is not the one the
    reader holds (a rebuild swapped in other tables, another replica got there first): the reader
    starts again from the stored position + 1."""

    def __init__(self, stored: int) -> None:
        super().__init__(f"stored position is {stored}")
        self.stored = stored


class _Poison(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Resync(Exception):
    """Drop the consumer and read again from the position + 1."""


class Backoff:
    def __init__(self, first_s: float = 0.1, most_s: float = 5.0) -> None:
        self._first, self._most = first_s, most_s
        self._next = first_s

    async def sleep(self) -> None:
        await asyncio.sleep(self._next)
        self._next = min(self._next * 2, self._most)

    def reset(self) -> None:
        self._next = self._first


class CaseReader(Generic[E]):
    """Reads ``subjects`` of CASES in stream order and applies each event once (see the module)."""

    def __init__(
        self,
        name: str,
        subjects: Sequence[str],
        decode: Decode[E],
        apply: Apply[E],
        positions: PositionStore,
        *,
        transient: tuple[type[BaseException], ...] = (),
        stall_after_s: float = STALL_AFTER_S,
        stream: str = STREAM,
        max_event_bytes: int = MAX_EVENT_BYTES,
        apply_batch: ApplyBatch[E] | None = None,
    ) -> None:
        self.name = name
        # The consumer's name on the stream: the reader's, with a replica's number when several
        # processes of one service each run it (``ServiceRuntime.add_reader`` sets it).
        self.consumer = name
        self.subjects = list(subjects)
        self._decode = decode
        self._apply = apply
        self._apply_batch = apply_batch
        self.positions = positions
        self._transient = TRANSIENT + transient
        self._passes: tuple[type[BaseException], ...] = (PositionMoved, *self._transient)
        self.stall_after_s = stall_after_s
        self.stream = stream
        self._max_bytes = max_event_bytes
        self._nc: NATS | None = None
        self._task: asyncio.Task[None] | None = None
        self.position = 0  # last sequence whose effect is stored (or parked)
        self._saved = 0
        self._horizon = 0  # every matching event up to here has been handled (the reader is idle)
        self._last_seq = 0
        self._last_seq_at = 0.0
        self._progress_at = time.monotonic()
        self.parked = 0
        self.applied = 0
        self._rewind_to: int | None = None
        self._consumer: str | None = None
        self._handled = 0  # messages of the current consumer handled (its delivery sequence)
        self._idle_checked_at = 0.0
        self._moved = asyncio.Condition()

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self, nc: NATS) -> None:
        self._nc = nc
        self._progress_at = time.monotonic()
        self._task = asyncio.create_task(self._run(), name=f"reader-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait([self._task])
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def rewind(self, position: int = 0) -> None:
        """Read again from ``position`` + 1 (views replay CASES when their stream was lost). Takes
        effect between two events, never in the middle of one."""
        self._rewind_to = position

    # -- health ----------------------------------------------------------------------------------

    def status(self) -> ReaderStatus:
        position = max(self.position, self._horizon)
        last = max(self._last_seq, position)
        stalled = last > position and time.monotonic() - self._progress_at > self.stall_after_s
        return ReaderStatus(
            name=self.name,
            stream=self.stream,
            position=position,
            last_seq=last,
            parked=self.parked,
            stalled=stalled,
        )

    async def caught_up(self, seq: int, timeout: float) -> bool:
        """Wait until every matching event up to ``seq`` has been handled; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def reached() -> bool:
            return max(self.position, self._horizon) >= seq

        while not reached() and loop.time() < deadline:
            # Ask now rather than wait for the reader's next idle moment.
            with contextlib.suppress(Exception):
                await self._check_idle()
            async with self._moved:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._moved.wait_for(reached), min(0.2, timeout))
        return reached()

    async def _progress(self) -> None:
        self._progress_at = time.monotonic()
        async with self._moved:
            self._moved.notify_all()

    # -- reading ---------------------------------------------------------------------------------

    @property
    def js(self) -> JetStreamContext:
        if self._nc is None:
            raise RuntimeError(f"reader {self.name} not started")
        return self._nc.jetstream()

    async def _run(self) -> None:
        backoff = Backoff()
        loaded = False
        while True:
            try:
                if not loaded:
                    self.position = self._saved = await self.positions.load()
                    loaded = True
                    log.info("reader starting", reader=self.name, position=self.position)
                await self._session()
            except asyncio.CancelledError:
                raise
            except PositionMoved as moved:
                log.info("reader position moved; reading on from it", reader=self.name, position=moved.stored)
                self.position = self._saved = self._horizon = moved.stored
                backoff.reset()
            except _Resync:
                backoff.reset()
            except self._transient as exc:
                log.warning(
                    "reader waiting for NATS or the database", reader=self.name, error=type(exc).__name__
                )
                await backoff.sleep()
            except Exception as exc:  # never die: an unforeseen failure is logged and retried
                log.error("reader failed; starting again", reader=self.name, error=type(exc).__name__)
                await backoff.sleep()

    async def _session(self) -> None:
        """One consumer, from position + 1, until something calls for a fresh one."""
        self._take_rewind()
        # A pinned name, the one this service's NATS permission spells out; whatever an earlier
        # session left under it (a crash, a gap) goes first.
        consumer, js = self.consumer, self.js
        await make_own_consumer(js, self.stream, consumer, self.position + 1, self.subjects)
        sub = await js.pull_subscribe_bind(consumer=consumer, stream=self.stream)
        self._consumer, self._handled = consumer, 0
        delivered = 0
        try:
            while True:
                try:
                    messages = await sub.fetch(batch=BATCH, timeout=FETCH_WAIT_S)
                except (TimeoutError, nats.errors.TimeoutError):
                    messages = []
                if not messages:
                    # nats-py raises on a fetch that brings nothing, or gives back an empty list
                    # when the server's word that the pull expired wins the race with its timer.
                    await self._idle()
                    continue
                fetched: list[tuple[int, str, bytes]] = []
                pending = -1
                for msg in messages:
                    stream_seq, consumer_seq, pending = delivery(msg)
                    if consumer_seq != delivered + 1:
                        log.info("reader saw a gap; reading again", reader=self.name, position=self.position)
                        break  # what came before the gap is still handled, then a fresh consumer
                    delivered += 1
                    fetched.append((stream_seq, msg.subject, msg.data or b""))
                # Nothing matching is left after the last one: a reader of some types is level with
                # the stream without waiting for an empty fetch to time out.
                drained = pending == 0
                gap = len(fetched) < len(messages)
                if self._apply_batch is None:
                    for seq, subject, data in fetched:
                        # (seq <= position cannot happen with a consumer from position + 1; never twice.)
                        if seq > self.position:
                            await self._handle(seq, subject, data)
                        self._handled += 1
                        self._take_rewind()
                else:
                    await self._handle_batch(fetched)
                    self._handled = delivered
                    self._take_rewind()
                if gap:
                    raise _Resync
                await self._save_if_behind()
                if drained:
                    # Every matching event delivered is handled. How far the stream has gone is
                    # told only with the consumer's word that none of it is this reader's (a
                    # delivery's own pending count may be older than the end last read, so it
                    # vouches for nothing past its event): otherwise a reader of some types says
                    # it is behind while it waits for none of them.
                    await self._check_idle_now_and_then()
                else:
                    await self._refresh_last_seq(force=False)
        finally:
            self._consumer = None
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(js.delete_consumer(self.stream, consumer), timeout=2.0)

    async def _idle(self) -> None:
        """Nothing came: is the consumer still there, and how far is the stream?"""
        self._take_rewind()
        await self._save_if_behind()
        try:
            await self._check_idle()
        except nats.js.errors.NotFoundError:
            log.info("reader's consumer is gone; making another", reader=self.name, position=self.position)
            raise _Resync from None

    async def _check_idle_now_and_then(self) -> None:
        """``_check_idle`` at most every IDLE_CHECK_S: a reader kept busy by a trickle of events
        asks the server only that often."""
        now = time.monotonic()
        if now - self._idle_checked_at < IDLE_CHECK_S:
            return
        self._idle_checked_at = now
        with contextlib.suppress(Exception):  # only a report: the next empty fetch checks again
            await self._check_idle()

    async def _check_idle(self) -> None:
        """If nothing matching is pending and all that was delivered has been handled, every
        matching event up to the stream's last sequence (read first) has been handled."""
        consumer = self._consumer
        if consumer is None:
            return
        # The stream's end is kept back until the consumer has said whether any of it is this
        # reader's: health asked in between would otherwise see a level reader behind.
        last = await self._stream_last()
        if last <= self._horizon:
            self._keep_last_seq(last)
            return  # nothing written since the last look (a vanished consumer shows when it is)
        info = await self.js.consumer_info(self.stream, consumer)
        delivered = info.delivered.consumer_seq if info.delivered else 0
        self._keep_last_seq(last)
        # Nothing left on the server, and nothing delivered that is not handled yet.
        if info.num_pending == 0 and delivered == self._handled:
            self._horizon = last  # with the new end: no await between the two
            await self._progress()

    async def _refresh_last_seq(self, *, force: bool) -> int:
        if force or time.monotonic() - self._last_seq_at > 1.0:
            self._keep_last_seq(await self._stream_last())
        return self._last_seq

    async def _stream_last(self) -> int:
        info = await self.js.stream_info(self.stream)
        return int(info.state.last_seq)

    def _keep_last_seq(self, last: int) -> None:
        self._last_seq, self._last_seq_at = last, time.monotonic()

    def _take_rewind(self) -> None:
        if self._rewind_to is None:
            return
        position, self._rewind_to = self._rewind_to, None
        log.info("reader rewound", reader=self.name, position=position)
        self.position = self._horizon = position
        self._saved = -1  # saved at the next chance, even if lower
        raise _Resync

    async def _save_if_behind(self) -> None:
        if self._saved != self.position and not self.positions.stored_by_effect:
            await self._retry(lambda: self.positions.save(self.position, self._saved))
            self._saved = self.position
        elif self._saved == -1:
            await self._retry(lambda: self.positions.save(self.position, self.position))
            self._saved = self.position

    async def _retry(self, work: Callable[[], Awaitable[T]]) -> T:
        """Transient failures are waited out here, in place: nothing after is done first."""
        backoff = Backoff()
        while True:
            try:
                return await work()
            except self._transient as exc:
                log.warning("reader retrying in place", reader=self.name, error=type(exc).__name__)
                with contextlib.suppress(Exception):
                    await self._refresh_last_seq(force=True)
                await backoff.sleep()

    async def _handle(self, seq: int, subject: str, data: bytes) -> None:
        try:
            await self._retry(lambda: self._apply_one(seq, subject, data))
        except _Poison as poison:
            reason = poison.reason
            await self._retry(lambda: self._park(seq, subject, data, reason))
            previous, self.position = self.position, seq
            if self.positions.stored_by_effect:
                await self._retry(lambda: self.positions.save(seq, previous))
                self._saved = seq
            await self._progress()
            return
        self.position = seq
        if self.positions.stored_by_effect:
            self._saved = seq
        self.applied += 1
        await self._progress()

    async def _handle_batch(self, fetched: Sequence[tuple[int, str, bytes]]) -> None:
        """Runs of decoded events go to ``apply_batch`` in one call each; an event that does not
        decode is handled (parked) on its own between two runs."""
        run: list[tuple[int, str, bytes, E]] = []
        for seq, subject, data in fetched:
            if seq <= self.position:
                continue
            try:
                event = await self._retry(functools.partial(self._decoded, seq, subject, data))
            except _Poison:
                await self._apply_run(run)
                run = []
                await self._handle(seq, subject, data)  # decodes again, fails again: parked alone
                continue
            run.append((seq, subject, data, event))
        await self._apply_run(run)

    async def _apply_run(self, run: Sequence[tuple[int, str, bytes, E]]) -> None:
        if not run:
            return
        assert self._apply_batch is not None
        batch = [(seq, event) for seq, _, _, event in run]
        apply_batch = self._apply_batch
        try:
            await self._retry(lambda: apply_batch(batch))
        except self._passes:
            raise
        except Exception as exc:
            # Something in the run cannot be applied: one at a time, so only that event is parked.
            log.info("reader applying a batch event by event", reader=self.name, error=type(exc).__name__)
            for seq, subject, data, _ in run:
                await self._handle(seq, subject, data)
            return
        self.position = run[-1][0]
        if self.positions.stored_by_effect:
            self._saved = self.position
        self.applied += len(run)
        await self._progress()

    async def _decoded(self, seq: int, subject: str, data: bytes) -> E:
        if len(data) > self._max_bytes:
            raise _Poison(f"too large: {len(data)} bytes")
        try:
            return await self._decode(seq, subject, data)
        except self._passes:
            raise
        except Exception as exc:
            raise _Poison(f"undecodable: {type(exc).__name__}") from None

    async def _apply_one(self, seq: int, subject: str, data: bytes) -> None:
        if len(data) > self._max_bytes:
            raise _Poison(f"too large: {len(data)} bytes")
        try:
            event = await self._decode(seq, subject, data)
        except self._passes:
            raise
        except Exception as exc:  # RecursionError, TypeError, ValidationError, a key that does not open...
            raise _Poison(f"undecodable: {type(exc).__name__}") from None
        try:
            await self._apply(event)
        except self._passes:
            raise
        except Exception as exc:
            raise _Poison(f"not applied: {type(exc).__name__}") from None

    async def _park(self, seq: int, subject: str, data: bytes, reason: str) -> None:
        assert self._nc is not None
        await park(self._nc, self.name, data, reason, stream=self.stream, stream_seq=seq, subject=subject)
        self.parked += 1


def consumer_name(reader: str, replica: int = 1) -> str:
    """The stream consumer a reader owns: its own name, and the replica's number after the first."""
    return reader if replica == 1 else f"{reader}-r{replica}"
