"""A case's timeline and its state at a point in time, from its recorded events. Pure.

Point in time is by ``recorded_at``: what the system held at that moment, which is what an
auditor asks ("what did the coordinator know when she decided?"). Personal fields are replaced
by WITHHELD for a reader the sharing policy does not allow to see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.events import RecordedEvent
from shared.personal import split_personal

WITHHELD = "[withheld]"


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    occurred_at: datetime
    recorded_at: datetime
    agency: str
    person: str
    role: str
    event: str
    changed: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "agency": self.agency,
            "person": self.person,
            "role": self.role,
            "event": self.event,
            "changed": self.changed,
        }


@dataclass(frozen=True)
class CaseState:
    """The fold of a case's events: the latest fields of each kind of event, and where it stands."""

    as_of: datetime | None
    events: int = 0
    last_event: str | None = None
    last_recorded_at: datetime | None = None
    erased: bool = False
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "events": self.events,
            "last_event": self.last_event,
            "last_recorded_at": self.last_recorded_at.isoformat() if self.last_recorded_at else None,
            "erased": self.erased,
            "sections": self.sections,
        }


def payload_fields(event: RecordedEvent, show_personal: bool) -> dict[str, Any]:
    """The event's fields as JSON data; personal ones withheld unless the reader may see them."""
    cls = type(event.payload)
    data = event.payload.model_dump(mode="json", warnings=False)
    if not show_personal:
        for path in split_personal(cls, event.payload.model_dump(mode="json", warnings=False)):
            _set_path(data, path.split("."), WITHHELD)
    return data


def _set_path(data: Any, parts: list[str], value: Any) -> None:
    head, rest = parts[0], parts[1:]
    key: Any = int(head) if isinstance(data, list) else head
    if not rest:
        data[key] = value
        return
    _set_path(data[key], rest, value)


def up_to(events: Sequence[RecordedEvent], as_of: datetime | None) -> list[RecordedEvent]:
    return [e for e in events if as_of is None or e.recorded_at <= as_of]


def timeline(events: Sequence[RecordedEvent], show_personal: bool) -> list[TimelineEntry]:
    """One entry per event, with the fields that changed since the previous event of its kind."""
    last: dict[str, dict[str, Any]] = {}
    out: list[TimelineEntry] = []
    for event in events:
        data = payload_fields(event, show_personal)
        before = last.get(event.type, {})
        changed = {k: v for k, v in data.items() if k not in before or before[k] != v}
        last[event.type] = data
        out.append(
            TimelineEntry(
                seq=event.seq,
                occurred_at=event.occurred_at,
                recorded_at=event.recorded_at,
                agency=event.actor.agency,
                person=event.actor.person,
                role=event.actor.role.value,
                event=event.type,
                changed=changed,
            )
        )
    return out


def state_at(events: Sequence[RecordedEvent], as_of: datetime | None, show_personal: bool) -> CaseState:
    """The fold of the events recorded up to ``as_of`` (all of them without one)."""
    state = CaseState(as_of=as_of)
    sections: dict[str, dict[str, Any]] = {}
    count = 0
    last: RecordedEvent | None = None
    for event in up_to(events, as_of):
        sections[event.type] = {**sections.get(event.type, {}), **payload_fields(event, show_personal)}
        count += 1
        last = event
    if last is None:
        return state
    return CaseState(
        as_of=as_of,
        events=count,
        last_event=last.type,
        last_recorded_at=last.recorded_at,
        erased=any(e.erased for e in events),
        sections=sections,
    )
