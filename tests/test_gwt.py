"""The Given-When-Then scenario every service's domain tests use: it keeps every problem (several on
one field too), wants exactly the events or problems named, and fails loudly on anything that is
not an event."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from shared.decider import Decider
from shared.errors import CommandRejected, Problem
from shared.events import Actor, NewEvent, RecordedEvent, Role
from tests.gwt import Scenario
from tests.kernel_events import AddKernelNote, KernelNoteAdded, KernelNoteCounted, NotesState


def decide(command: AddKernelNote, state: NotesState) -> list[Any]:
    match command.text:
        case "two problems on one field":
            raise CommandRejected(
                [Problem(field="text", problem="is too short"), Problem(field="text", problem="is too plain")]
            )
        case "not an event":
            return [NewEvent(payload=KernelNoteAdded(text="x", client_name="Alice Example"))]
    return [KernelNoteAdded(text=command.text, client_name=command.client_name), KernelNoteCounted(count=1)]


def evolve(state: NotesState, event: RecordedEvent) -> NotesState:
    match event.payload:
        case KernelNoteAdded(text=text):
            return replace(state, notes=(*state.notes, text))
    return state


COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)
NOTES: Decider[AddKernelNote, NotesState] = Decider(initial=NotesState, decide=decide, evolve=evolve)


def note(text: str) -> AddKernelNote:
    return AddKernelNote(
        command_id=f"cmd-{uuid.uuid4().hex}",
        case_id="CASE-GWT",
        actor=COORDINATOR,
        text=text,
        client_name="Alice Example",
    )


ADDED = KernelNoteAdded(text="first", client_name="Alice Example")


def test_given_folds_the_history_and_leaves_the_scenario_it_extends_alone() -> None:
    empty = Scenario(NOTES)
    once = empty.given(ADDED)
    assert once.state.notes == ("first",) and empty.state.notes == ()


def test_then_wants_exactly_the_events_in_order_and_names_what_differs_by_field_only() -> None:
    then = Scenario(NOTES).given(ADDED).when(note("second"))
    events = then.then(
        KernelNoteAdded(text="second", client_name="Alice Example"), KernelNoteCounted(count=1)
    )
    assert len(events) == 2
    with pytest.raises(AssertionError) as fewer:
        then.then(KernelNoteAdded(text="second", client_name="Alice Example"))
    assert "KernelNoteCounted" in str(fewer.value)
    with pytest.raises(AssertionError) as other:
        then.then(KernelNoteAdded(text="second", client_name="Bob Example"), KernelNoteCounted(count=1))
    assert "['client_name']" in str(other.value) and "Example" not in str(other.value)


def test_every_problem_is_kept_even_several_on_one_field() -> None:
    then = Scenario(NOTES).when(note("two problems on one field"))
    then.then_rejected(("text", "too short"), ("text", "too plain"))
    then.then_rejected(Problem(field="text", problem="is too plain"), ("text", "short"))
    with pytest.raises(AssertionError, match="found but not expected"):
        then.then_rejected(("text", "too short"))
    with pytest.raises(AssertionError, match="expected but not found"):
        then.then_rejected(("text", "too short"), ("text", "too plain"), ("client_name", ""))


def test_a_loose_substring_does_not_take_the_problem_a_stricter_one_needs() -> None:
    Scenario(NOTES).when(note("two problems on one field")).then_rejected(
        ("text", "is too"), ("text", "short")
    )


def test_a_refusal_is_not_events_and_events_are_not_a_refusal() -> None:
    with pytest.raises(AssertionError, match="refused"):
        Scenario(NOTES).when(note("two problems on one field")).then(ADDED)
    with pytest.raises(AssertionError, match="expected a refusal"):
        Scenario(NOTES).when(note("fine")).then_rejected(("text", ""))


def test_anything_but_an_event_fails_loudly() -> None:
    with pytest.raises(AssertionError, match="NewEvent"):
        Scenario(NOTES).when(note("not an event"))
    with pytest.raises(AssertionError, match="str"):
        Scenario(NOTES).given("not an event")  # type: ignore[arg-type]
