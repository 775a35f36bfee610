"""Running a decider against the event store: the one place a case command meets I/O.

``CaseHandler`` keeps each case's folded state with the stream position it was folded to (so a
command does not re-read the whole case), decides on it, appends with the expected sequence, and on
a concurrency conflict catches up and decides again. A command whose id was already applied returns
the events it produced the first time. A command that opens a case (its case id derives from its own
id) is tried on the empty case without a read first: the expected-sequence check stands in for the
read. ``append_at_end`` is the same optimistic append for a writer
that decides without a fold (audit and erasure, which must work on an erased case).
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from shared.codec import CasePosition
from shared.commands import Command
from shared.decider import Decider
from shared.errors import CommandRejected, ConcurrencyConflict
from shared.events import Actor, Event, NewEvent, RecordedEvent, utcnow
from shared.eventstore import EventStore

S = TypeVar("S")
C = TypeVar("C", bound=Command)

MAX_ATTEMPTS = 8


def kept_changing(attempts: int) -> CommandRejected:
    return CommandRejected.one("case_id", f"the case kept changing; gave up after {attempts} attempts")


async def backoff(attempt: int) -> None:
    """A short random pause before trying again, so that racing writers spread out."""
    await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))


async def append_at_end(
    store: EventStore,
    case_id: str,
    events: Sequence[Event | NewEvent],
    *,
    actor: Actor,
    command_id: str,
    correlation_id: str | None = None,
    occurred_at: datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[RecordedEvent] | None:
    """Append ``events`` at the case's end as it is now, trying again while others append first.

    None when this command id was stored before (the first append stands). For a writer whose
    decision does not depend on the case's state; a decider's goes through ``CaseHandler``.
    """
    for attempt in range(max_attempts):
        position = await store.last_position(case_id)
        try:
            return await store.append(
                case_id,
                events,
                expected=position,
                actor=actor,
                command_id=command_id,
                correlation_id=correlation_id,
                occurred_at=occurred_at,
            )
        except ConcurrencyConflict as conflict:
            if conflict.actual is None:  # this command id was stored before
                return None
            await backoff(attempt)
    raise kept_changing(max_attempts)


@dataclass
class Folded(Generic[S]):
    state: S
    position: CasePosition = field(default_factory=CasePosition)
    applied: dict[str, list[str]] = field(default_factory=dict)  # command id -> event ids

    def absorb(self, decider: Decider[C, S], events: Sequence[RecordedEvent]) -> None:
        for event in events:
            self.state = decider.evolve(self.state, event)
            self.applied.setdefault(event.causation_id, []).append(event.event_id)
            self.position = CasePosition(seq=event.seq, last_hash=event.hash)


@dataclass(frozen=True)
class Outcome:
    case_id: str
    event_ids: list[str]
    events: list[RecordedEvent]
    duplicate: bool = False


class CaseHandler(Generic[C, S]):
    """Runs a decider against the event store for one service."""

    def __init__(
        self,
        store: EventStore,
        decider: Decider[C, S],
        max_attempts: int = MAX_ATTEMPTS,
        cache_size: int = 10_000,
    ) -> None:
        self._store = store
        self._decider = decider
        self._max_attempts = max_attempts
        self._cache: OrderedDict[str, Folded[S]] = OrderedDict()
        self._cache_size = cache_size
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def state_of(self, case_id: str) -> Folded[S]:
        """The case folded up to the last event we know of (loading what is new)."""
        folded = self._cache.get(case_id)
        if folded is None:
            folded = Folded(state=self._decider.initial())
        folded.absorb(self._decider, await self._store.load(case_id, after_seq=folded.position.seq))
        self._remember(case_id, folded)
        return folded

    def known(self, case_id: str) -> Folded[S] | None:
        """The case as this handler last folded it (what it loaded and what it recorded), without
        reading anything; None if it does not hold the case."""
        return self._cache.get(case_id)

    def _remember(self, case_id: str, folded: Folded[S]) -> None:
        self._cache[case_id] = folded
        self._cache.move_to_end(case_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def handle(self, command: C) -> Outcome:
        # Commands for one case queue up inside this process; across processes the expected
        # sequence decides, and the loser catches up and decides again.
        if command.occurred_at is None:
            # A command that does not say when it happened happened as it arrived: deciders judge
            # deadlines and "not in the future" against it, and retries keep the same moment.
            command = command.model_copy(update={"occurred_at": utcnow()})
        case_id = command.case_id
        lock, users = self._locks.get(case_id, (asyncio.Lock(), 0))
        self._locks[case_id] = (lock, users + 1)
        try:
            async with lock:
                return await self._handle(command)
        finally:
            lock, users = self._locks[case_id]
            if users <= 1:
                del self._locks[case_id]
            else:
                self._locks[case_id] = (lock, users - 1)

    async def _handle(self, command: C) -> Outcome:
        case_id = command.case_id
        folded = self._cache.get(case_id)
        if folded is None and "case_id" in command.derived_fields:
            opened = await self._open_unread(command)
            if opened is not None:
                return opened
        folded = folded or await self.state_of(case_id)
        for attempt in range(self._max_attempts):
            if command.command_id in folded.applied:
                return Outcome(case_id, folded.applied[command.command_id], [], duplicate=True)
            try:
                decided = list(self._decider.decide(command, folded.state))
            except CommandRejected:
                # A refusal must not rest on a stale copy: catch up, and decide again if the
                # case moved on (e.g. the coordinator resumed works a moment ago).
                seen = folded.position.seq
                folded = await self.state_of(case_id)
                if folded.position.seq == seen:
                    raise
                continue
            if not decided:
                return Outcome(case_id, [], [])
            try:
                return await self._record(command, decided, folded)
            except ConcurrencyConflict:
                await backoff(attempt)
                folded = await self.state_of(case_id)
                continue
        raise kept_changing(self._max_attempts)

    async def _open_unread(self, command: C) -> Outcome | None:
        """A command whose case id derives from its own id (a submission) opens a new case unless
        it was applied before: decide it on the empty case and append expecting no event, without
        reading the case first. The server's expected-sequence (and message-id) check refuses the
        append if the case has any event; then None, and the caller reads the case and decides as
        usual (a retried command is then found applied). None too when the empty case refuses it,
        so the refusal rests on the case as stored."""
        fresh: Folded[S] = Folded(state=self._decider.initial())
        try:
            decided = list(self._decider.decide(command, fresh.state))
            if not decided:
                return None
            return await self._record(command, decided, fresh)
        except (CommandRejected, ConcurrencyConflict):
            return None

    async def _record(self, command: C, decided: Sequence[Event | NewEvent], folded: Folded[S]) -> Outcome:
        """Append what was decided after ``folded``'s position (ConcurrencyConflict if the case has
        moved on since), fold it in and keep the case."""
        recorded = await self._store.append(
            command.case_id,
            decided,
            expected=folded.position,
            actor=command.actor,
            command_id=command.command_id,
            correlation_id=command.correlation_id,
            occurred_at=command.occurred_at,
        )
        folded.absorb(self._decider, recorded)
        self._remember(command.case_id, folded)
        return Outcome(command.case_id, [e.event_id for e in recorded], recorded)
