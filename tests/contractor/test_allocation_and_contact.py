"""Given-When-Then: allocating installers, conflicts of interest, contacting the client."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from shared.contracts.contractor import (
    AllocateInstaller,
    ClientContactAttempted,
    ConflictOfInterestDeclared,
    ContactChannel,
    ContactNotEstablished,
    ContactOutcome,
    DeclareConflictOfInterest,
    InstallerAllocated,
    InstallerGender,
    InstallerRecord,
    RecordContactAttempt,
    ReportContactNotEstablished,
    UnsafeContactWindow,
    Weekday,
)
from shared.errors import CommandRejected
from shared.events import registry
from tests.contractor.gwt import INSTALLER, ORDER_AT, cmd_fields, given, when, works_order

FEMALE = InstallerRecord(
    installer_id="inst-f",
    initials="JD",
    gender=InstallerGender.FEMALE,
    enhanced_dbs_checked_on=date(2024, 1, 5),
)
MALE = InstallerRecord(
    installer_id="inst-m",
    initials="PS",
    gender=InstallerGender.MALE,
    enhanced_dbs_checked_on=date(2024, 1, 5),
)


def allocate(record: InstallerRecord | None, installer_id: str | None = None) -> AllocateInstaller:
    iid = installer_id or (record.installer_id if record else "inst-x")
    return AllocateInstaller(installer_id=iid, installer=record, **cmd_fields())


def rejected_fields(state, command) -> list[tuple[str, str]]:
    with pytest.raises(CommandRejected) as info:
        when(state, command)
    return [(p.field, p.problem) for p in info.value.problems]


def test_allocate_installer_records_their_dbs_date() -> None:
    events = when(given(works_order()), allocate(MALE))
    assert events == [InstallerAllocated(installer_id="inst-m", enhanced_dbs_checked_on=date(2024, 1, 5))]


def test_allocation_before_any_works_order_is_refused() -> None:
    assert rejected_fields(given(), allocate(MALE))[0][0] == "case_id"


def test_installer_not_in_register_is_refused() -> None:
    assert rejected_fields(given(works_order()), allocate(None, "inst-nobody")) == [
        ("installer_id", "is not in the contractor's staff register")
    ]


def test_conflicted_installer_cannot_be_allocated() -> None:
    state = given(works_order(), ConflictOfInterestDeclared(installer_id="inst-m"))
    assert ("installer_id", "has declared a conflict of interest on this case") in rejected_fields(
        state, allocate(MALE)
    )


def test_conflict_declared_by_allocated_installer_removes_them() -> None:
    state = given(
        works_order(), InstallerAllocated(installer_id="inst-m", enhanced_dbs_checked_on=date(2024, 1, 5))
    )
    events = when(state, DeclareConflictOfInterest(installer_id="inst-m", **cmd_fields(INSTALLER)))
    assert events == [ConflictOfInterestDeclared(installer_id="inst-m")]
    assert given(works_order(), *[e for e in events]).installer_id is None
    assert "inst-m" in given(works_order(), *events).conflicted


def test_conflict_declared_twice_is_refused() -> None:
    state = given(works_order(), ConflictOfInterestDeclared(installer_id="inst-m"))
    command = DeclareConflictOfInterest(installer_id="inst-m", **cmd_fields(INSTALLER))
    assert rejected_fields(state, command)[0][0] == "installer_id"


def test_missing_or_old_dbs_check_is_refused() -> None:
    no_dbs = MALE.model_copy(update={"enhanced_dbs_checked_on": None})
    old = MALE.model_copy(update={"enhanced_dbs_checked_on": date(2022, 6, 1)})
    assert rejected_fields(given(works_order()), allocate(no_dbs)) == [
        ("installer_id", "has no enhanced DBS check on record")
    ]
    assert rejected_fields(given(works_order()), allocate(old)) == [
        ("installer_id", "enhanced DBS check is older than 3 years")
    ]


def test_female_installer_requested_refuses_a_male_installer_and_accepts_a_female_one() -> None:
    state = given(works_order(female_installer_requested=True))
    assert rejected_fields(state, allocate(MALE)) == [
        ("installer_id", "the client asked for a female installer")
    ]
    assert when(state, allocate(FEMALE))[0] == InstallerAllocated(
        installer_id="inst-f", enhanced_dbs_checked_on=date(2024, 1, 5)
    )


def attempt(at: datetime, outcome: ContactOutcome = ContactOutcome.CONTACT_MADE) -> RecordContactAttempt:
    return RecordContactAttempt(
        channel=ContactChannel.TELEPHONE,
        outcome=outcome,
        attempted_at=at,
        **cmd_fields(at=at),  # recorded as it was made
    )


def test_contact_attempt_is_recorded_with_channel_outcome_and_deadline() -> None:
    at = ORDER_AT + timedelta(hours=3)
    events = when(given(works_order()), attempt(at, ContactOutcome.NO_ANSWER))
    assert events == [
        ClientContactAttempted(
            channel=ContactChannel.TELEPHONE,
            outcome=ContactOutcome.NO_ANSWER,
            attempted_at=at,
            within_first_contact_deadline=True,
            contacted_by="office-1",  # the person recording it, when no one else is named
        )
    ]
    late = when(given(works_order()), attempt(ORDER_AT + timedelta(hours=49)))
    assert isinstance(late[0], ClientContactAttempted) and not late[0].within_first_contact_deadline


def test_given_no_installer_allocated_the_office_contacts_the_client_and_is_named() -> None:
    # The specification has the contractor contact the client on receiving the referral, to arrange
    # a time: before any installer is allocated. The attempt records who made it.
    state = given(works_order())
    assert state.installer_id is None
    command = attempt(ORDER_AT + timedelta(hours=1)).model_copy(update={"contacted_by": "office-2"})
    [event] = when(state, command)
    assert isinstance(event, ClientContactAttempted) and event.contacted_by == "office-2"


def test_a_staff_member_with_a_conflict_of_interest_may_not_contact_the_client() -> None:
    state = given(works_order(), ConflictOfInterestDeclared(installer_id="inst-m"))
    named = attempt(ORDER_AT + timedelta(hours=1)).model_copy(update={"contacted_by": "inst-m"})
    conflicted = "has declared a conflict of interest on this case"
    assert rejected_fields(state, named) == [("contacted_by", conflicted)]
    as_actor = RecordContactAttempt(
        channel=ContactChannel.TELEPHONE,
        outcome=ContactOutcome.CONTACT_MADE,
        attempted_at=ORDER_AT + timedelta(hours=1),
        **cmd_fields(INSTALLER.model_copy(update={"person": "inst-m"}), ORDER_AT + timedelta(hours=1)),
    )
    assert rejected_fields(state, as_actor) == [("actor.person", conflicted)]


def test_an_attempt_recorded_before_who_made_it_was_kept_reads_as_unknown() -> None:
    v1 = {
        "channel": "telephone",
        "outcome": "no answer",
        "attempted_at": "2025-06-02T12:00:00+00:00",
        "within_first_contact_deadline": True,
    }
    upcast = registry.upcast("ClientContactAttempted", 1, v1)
    assert ClientContactAttempted.model_validate(upcast).contacted_by is None


EVENINGS = UnsafeContactWindow(days=[Weekday.MONDAY], start=time(17, 0), end=time(21, 0))
NIGHTS = UnsafeContactWindow(days=[Weekday.SUNDAY], start=time(22, 0), end=time(7, 0))


def test_contact_inside_an_unsafe_window_is_refused() -> None:
    state = given(works_order(unsafe_contact_windows=[EVENINGS, NIGHTS]))
    # Monday 2 June 2025 18:30 BST = 17:30 UTC: inside Monday 17:00-21:00.
    assert rejected_fields(state, attempt(datetime(2025, 6, 2, 17, 30, tzinfo=UTC))) == [
        ("attempted_at", "falls inside a time when it is not safe to contact the client")
    ]
    # Monday 06:30 BST is inside the window that starts Sunday 22:00 and runs past midnight.
    assert rejected_fields(state, attempt(datetime(2025, 6, 2, 5, 30, tzinfo=UTC)))[0][0] == "attempted_at"


def test_contact_outside_unsafe_windows_is_accepted() -> None:
    state = given(works_order(unsafe_contact_windows=[EVENINGS, NIGHTS]))
    # Monday 21:00 BST: the evening window has ended.
    assert len(when(state, attempt(datetime(2025, 6, 2, 20, 0, tzinfo=UTC)))) == 1


def test_contact_before_the_works_order_is_refused() -> None:
    assert (
        rejected_fields(given(works_order()), attempt(ORDER_AT - timedelta(hours=1)))[0][0] == "attempted_at"
    )


NO_ANSWER = ClientContactAttempted(
    channel=ContactChannel.TELEPHONE,
    outcome=ContactOutcome.NO_ANSWER,
    attempted_at=ORDER_AT + timedelta(hours=1),
    within_first_contact_deadline=True,
)


def test_contact_not_established_tells_the_coordinator() -> None:
    events = when(given(works_order(), NO_ANSWER), ReportContactNotEstablished(**cmd_fields()))
    assert events == [
        ContactNotEstablished(
            attempts=1,
            channels_tried=[ContactChannel.TELEPHONE],
            first_contact_due_by=ORDER_AT + timedelta(hours=48),
        )
    ]
    # Reporting again with no new attempt is refused.
    again = ReportContactNotEstablished(**cmd_fields())
    assert rejected_fields(given(works_order(), NO_ANSWER, *events), again) == [
        ("case_id", "already reported; no new attempt since")
    ]


def test_contact_not_established_needs_a_failed_attempt_or_the_deadline_passed() -> None:
    early = ReportContactNotEstablished(**cmd_fields(at=ORDER_AT + timedelta(hours=1)))
    assert rejected_fields(given(works_order()), early)[0][0] == "case_id"
    overdue = ReportContactNotEstablished(**cmd_fields(at=ORDER_AT + timedelta(hours=49)))
    assert when(given(works_order()), overdue)[0] == ContactNotEstablished(
        attempts=0, channels_tried=[], first_contact_due_by=ORDER_AT + timedelta(hours=48)
    )


def test_contact_not_established_after_contact_was_made_is_refused() -> None:
    made = when(given(works_order()), attempt(ORDER_AT + timedelta(hours=1)))
    report = ReportContactNotEstablished(**cmd_fields())
    assert rejected_fields(given(works_order(), *made), report) == [
        ("case_id", "the client has been contacted")
    ]
