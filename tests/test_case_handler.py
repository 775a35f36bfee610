"""The case handler inside one process: commands for different cases at once, one case's in order.

The store here is an in-memory stand-in whose appends wait until the test lets them finish, so the
test can see which commands are in flight together. What NATS decides between processes (the
expected-sequence check, duplicates) is tested against a real server in test_eventstore_nats.py and
test_replicas_nats.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from shared.codec import CasePosition
from shared.events import Event, NewEvent, RecordedEvent
from shared.handler import CaseHandler
from tests.builders import recorded_event
from tests.kernel_events import COORD, AddKernelNote, NotesState, notes_decider

AT = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


class GatedStore:
    """Appends to in-memory cases, each held until ``release(case_id)``."""

    def __init__(self) -> None:
        self.cases: dict[str, list[RecordedEvent]] = {}
        self.in_flight: list[str] = []  # case ids of appends started and not yet finished
        self.most_in_flight = 0
        self.decided_on: list[tuple[str, int]] = []  # (text, notes already in the state it saw)
        self.gates: dict[str, asyncio.Event] = {}
        self.seq = 0

    def release(self, case_id: str) -> None:
        self.gates.setdefault(case_id, asyncio.Event()).set()

    async def load(self, case_id: str, after_seq: int = 0) -> list[RecordedEvent]:
        return [e for e in self.cases.get(case_id, []) if e.seq > after_seq]

    async def append(
        self,
        case_id: str,
        events: Sequence[Event | NewEvent],
        *,
        expected: CasePosition,
        command_id: str,
        **_: Any,
    ) -> list[RecordedEvent]:
        history = self.cases.setdefault(case_id, [])
        assert expected.seq == (history[-1].seq if history else 0), "appended on a stale position"
        self.in_flight.append(case_id)
        self.most_in_flight = max(self.most_in_flight, len(self.in_flight))
        gate = self.gates.setdefault(case_id, asyncio.Event())
        await gate.wait()
        gate.clear()
        self.in_flight.remove(case_id)
        recorded = []
        for item in events:
            assert isinstance(item, Event)
            self.seq += 1
            recorded.append(
                recorded_event(
                    item, case_id=case_id, actor=COORD, at=AT, seq=self.seq, causation_id=command_id
                )
            )
        history.extend(recorded)
        return recorded


def note(case_id: str, text: str) -> AddKernelNote:
    return AddKernelNote(
        command_id=f"cmd-{uuid.uuid4().hex}",
        case_id=case_id,
        actor=COORD,
        text=text,
        client_name="Ann Example",
    )


def recording(store: GatedStore) -> Any:
    """The notes decider, noting how many notes each decision saw."""

    def decide(command: AddKernelNote, state: NotesState) -> list[Event]:
        store.decided_on.append((command.text, len(state.notes)))
        return notes_decider.decide(command, state)  # type: ignore[return-value]

    return type(notes_decider)(initial=notes_decider.initial, decide=decide, evolve=notes_decider.evolve)


async def until(condition: Any) -> None:
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_commands_for_different_cases_are_appended_at_the_same_time() -> None:
    # Given two new cases
    store = GatedStore()
    handler: CaseHandler[Any, Any] = CaseHandler(store, recording(store))  # type: ignore[arg-type]
    # When a command for each arrives at once
    running = [asyncio.create_task(handler.handle(note(c, "first"))) for c in ("CASE-A", "CASE-B")]
    # Then both are appending before either has finished
    await until(lambda: len(store.in_flight) == 2)
    store.release("CASE-A")
    store.release("CASE-B")
    outcomes = await asyncio.gather(*running)
    assert [len(o.event_ids) for o in outcomes] == [1, 1]
    assert store.most_in_flight == 2


async def test_one_cases_commands_are_decided_in_arrival_order_each_on_the_last_ones_state() -> None:
    # Given one case
    store = GatedStore()
    handler: CaseHandler[Any, Any] = CaseHandler(store, recording(store))  # type: ignore[arg-type]
    # When three commands for it arrive at once
    running = [asyncio.create_task(handler.handle(note("CASE-C", t))) for t in ("one", "two", "three")]
    # Then only one is ever in flight, and each is decided on the state the previous one left
    for done in range(3):
        await until(lambda: len(store.in_flight) == 1)
        assert len(store.decided_on) == done + 1
        store.release("CASE-C")
        await until(lambda n=done + 1: len(store.cases.get("CASE-C", [])) == n)
    await asyncio.gather(*running)
    assert store.most_in_flight == 1
    assert store.decided_on == [("one", 0), ("two", 1), ("three", 2)]
    assert [getattr(e.payload, "text", None) for e in store.cases["CASE-C"]] == ["one", "two", "three"]


async def test_many_cases_at_once_leave_no_lock_behind() -> None:
    # Given a store that lets every append through
    store = GatedStore()
    handler: CaseHandler[Any, Any] = CaseHandler(store, notes_decider)  # type: ignore[arg-type]
    cases = [f"CASE-{n}" for n in range(50)]
    for case_id in cases:
        store.gates[case_id] = _always_open()
    # When two commands for each of fifty cases arrive at once
    await asyncio.gather(*(handler.handle(note(c, t)) for c in cases for t in ("a", "b")))
    # Then every case has both, and no per-case lock is kept once its commands are done
    assert all(len(store.cases[c]) == 2 for c in cases)
    assert handler._locks == {}


class _AlwaysOpen(asyncio.Event):
    def clear(self) -> None:  # stays set: appends never wait
        pass


def _always_open() -> asyncio.Event:
    gate = _AlwaysOpen()
    gate.set()
    return gate
