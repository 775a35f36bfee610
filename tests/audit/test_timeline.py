"""Timeline and point-in-time state from a hand-built history."""

from __future__ import annotations

from services.reporting.audit.timeline import WITHHELD, state_at, timeline, up_to
from tests.audit.checks import check
from tests.audit.history import ADDRESS, CLIENT, HISTORY, at


def test_timeline_says_who_did_what_when_and_only_what_changed():
    entries = timeline(HISTORY, show_personal=True)
    assert [(e.seq, e.event, e.agency, e.person, e.role) for e in entries] == [
        (1, "KernelNoteAdded", "Test Borough", "coord-7", "coordinator"),
        (2, "KernelNoteCounted", "Test Borough", "coord-7", "coordinator"),
        (3, "KernelNoteAdded", "Test Police", "cpo-3", "police_cpo"),
        (4, "KernelNoteCounted", "Test Police", "cpo-3", "police_cpo"),
    ]
    assert entries[0].occurred_at == at(2)
    check(
        entries[0].changed == {"text": "referred", "client_name": CLIENT, "client_address": ADDRESS},
        "the first note changes every field",
    )
    # Name and address are unchanged on the second note: only the text is shown as changed.
    assert entries[2].changed == {"text": "visited"}
    assert entries[3].changed == {"count": 2}


def test_personal_fields_are_withheld_from_a_reader_without_the_right():
    entries = timeline(HISTORY, show_personal=False)
    assert entries[0].changed == {"text": "referred", "client_name": WITHHELD, "client_address": WITHHELD}
    state = state_at(HISTORY, None, show_personal=False)
    assert state.sections["KernelNoteAdded"]["client_name"] == WITHHELD
    check(CLIENT not in repr(state.as_json()), "name in the state")
    check(ADDRESS not in repr([e.as_json() for e in entries]), "address in the timeline")


def test_state_as_of_a_time_is_the_fold_of_the_events_recorded_by_then():
    before_visit = state_at(HISTORY, at(4), show_personal=True)
    assert before_visit.events == 2 and before_visit.last_event == "KernelNoteCounted"
    assert before_visit.sections == {
        "KernelNoteAdded": {"text": "referred", "client_name": CLIENT, "client_address": ADDRESS},
        "KernelNoteCounted": {"count": 1},
    }
    # Exactly at a recording time, that event counts.
    at_visit = state_at(HISTORY, at(5), show_personal=True)
    assert at_visit.events == 3 and at_visit.sections["KernelNoteAdded"]["text"] == "visited"
    assert at_visit.sections["KernelNoteCounted"] == {"count": 1}
    now = state_at(HISTORY, None, show_personal=True)
    assert now.events == 4 and now.sections["KernelNoteCounted"] == {"count": 2}
    assert state_at(HISTORY, at(1), show_personal=True).events == 0
    assert [e.seq for e in up_to(HISTORY, at(3))] == [1, 2]
