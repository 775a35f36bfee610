"""A hand-built case history (no server) for the timeline and point-in-time tests."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.events import Actor, Event, RecordedEvent, Role
from tests.builders import recorded_event
from tests.kernel_events import KernelNoteAdded, KernelNoteCounted

COORD = Actor(agency="Test Borough", person="coord-7", role=Role.COORDINATOR)
CPO = Actor(agency="Test Police", person="cpo-3", role=Role.POLICE_CPO)
CLIENT = "Alice Example"
ADDRESS = "1 Test Road, Testtown, TE1 1ST"


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def recorded(seq: int, payload: Event, actor: Actor, when: datetime) -> RecordedEvent:
    return recorded_event(
        payload, case_id="H-1", actor=actor, at=when, seq=seq, event_id=f"ev-{seq}", causation_id=f"cmd-{seq}"
    )


HISTORY = [
    recorded(1, KernelNoteAdded(text="referred", client_name=CLIENT, client_address=ADDRESS), COORD, at(2)),
    recorded(2, KernelNoteCounted(count=1), COORD, at(3)),
    recorded(3, KernelNoteAdded(text="visited", client_name=CLIENT, client_address=ADDRESS), CPO, at(5)),
    recorded(4, KernelNoteCounted(count=2), CPO, at(6)),
]
