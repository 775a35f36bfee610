"""A command that opens a case is appended without reading the case first, and the server's
expected-sequence check still stands between it and an existing case.

Given a command whose case id derives from its own id (as a submission's does), when a handler that
has never seen the case handles it, then its events are stored without the case being read; when it
is retried on another handler that has not seen the case either (another replica, a restart), then
the first events stand and the same event ids come back as a duplicate; and when another such
command names a case that already has events, then it is decided on the case as stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from shared.events import RecordedEvent
from shared.eventstore import EventStore
from shared.handler import CaseHandler
from tests.kernel_events import COORD, AddKernelNote, KernelNoteAdded, KernelNoteCounted, notes_decider

pytestmark = pytest.mark.nats


class OpenKernelCase(AddKernelNote):
    """A note whose case id, like a submission's, may be derived from the command id."""

    derived_fields: ClassVar[frozenset[str]] = frozenset({"case_id"})


def opening(case_id: str, command_id: str | None = None) -> OpenKernelCase:
    return OpenKernelCase(
        command_id=command_id or f"cmd-{uuid.uuid4().hex}",
        case_id=case_id,
        actor=COORD,
        text="first",
        client_name="Ann Example",
        also_count=True,
    )


def counting_loads(store: EventStore) -> list[str]:
    """The case ids ``store`` is asked to load, from now on."""
    loads: list[str] = []
    load = store.load

    async def counted(case_id: str, after_seq: int = 0) -> list[RecordedEvent]:
        loads.append(case_id)
        return await load(case_id, after_seq)

    store.load = counted  # type: ignore[method-assign]
    return loads


async def test_an_opening_command_is_stored_unread_and_a_retry_or_an_existing_case_is_read(
    store_for: Callable[[str], EventStore],
) -> None:
    case_id = f"OC-{uuid.uuid4().hex[:12]}"
    first_store = store_for("referral")
    loads = counting_loads(first_store)
    first: CaseHandler[Any, Any] = CaseHandler(first_store, notes_decider)

    command = opening(case_id)
    opened = await first.handle(command)
    assert not opened.duplicate and len(opened.event_ids) == 2
    assert loads == []  # the expected-sequence check stood in for the read

    # The same command again, on a handler that has not seen the case: the first events stand.
    retry_store = store_for("referral")
    retry_loads = counting_loads(retry_store)
    again = await CaseHandler(retry_store, notes_decider).handle(command)
    assert again.duplicate and again.event_ids == opened.event_ids
    assert retry_loads == [case_id]

    # Another opening command naming the same (existing) case: decided on the case as stored.
    later = await CaseHandler(store_for("referral"), notes_decider).handle(opening(case_id))
    assert not later.duplicate
    stored = await store_for("referral").load(case_id)
    assert [type(e.payload) for e in stored] == [KernelNoteAdded, KernelNoteCounted] * 2
    assert [e.event_id for e in stored] == opened.event_ids + later.event_ids
    counts = [e.payload.count for e in stored if isinstance(e.payload, KernelNoteCounted)]
    assert counts == [1, 2]  # the second saw the first note: it was not decided on an empty case
    assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]
