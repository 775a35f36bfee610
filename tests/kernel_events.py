"""Event types used only by the kernel tests (a tiny 'case note' domain), and the coordinator who
writes the notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import Field

from shared.commands import Command
from shared.decider import Decider
from shared.errors import CommandRejected
from shared.events import Actor, Event, RecordedEvent, Role
from shared.personal import Personal

COORD = Actor(agency="Test Borough", person="coord-1", role=Role.COORDINATOR)


class KernelNoteAdded(Event):
    owner = "referral"
    text: str = Field(min_length=1)
    client_name: Personal[str]
    client_address: Personal[str | None] = None


class KernelNoteCounted(Event):
    owner = "referral"
    count: int = Field(ge=1)


class AddKernelNote(Command):
    service: ClassVar[str] = "referral"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.COORDINATOR})
    text: str
    client_name: str
    also_count: bool = False


@dataclass(frozen=True)
class NotesState:
    notes: tuple[str, ...] = ()
    names: tuple[str, ...] = field(default=())


def decide(command: AddKernelNote, state: NotesState) -> list[Event]:
    if command.text == "forbidden":
        raise CommandRejected.one("text", "is not allowed")
    events: list[Event] = [KernelNoteAdded(text=command.text, client_name=command.client_name)]
    if command.also_count:
        events.append(KernelNoteCounted(count=len(state.notes) + 1))
    return events


def evolve(state: NotesState, event: RecordedEvent) -> NotesState:
    if isinstance(event.payload, KernelNoteAdded):
        return NotesState(
            notes=(*state.notes, event.payload.text), names=(*state.names, event.payload.client_name)
        )
    return state


notes_decider: Decider[AddKernelNote, NotesState] = Decider(initial=NotesState, decide=decide, evolve=evolve)
