"""Given-When-Then: allocating installers, conflicts of interest, contacting the client."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

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
from shared.events import registry
from tests.contractor.scenarios import INSTALLER, ORDER_AT, REFERRED, cmd_fields, works_order

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


def test_allocate_installer_records_their_dbs_date() -> None:
    (
        REFERRED.given(works_order())
        .when(allocate(MALE))
        .then(InstallerAllocated(installer_id="inst-m", enhanced_dbs_checked_on=date(2024, 1, 5)))
    )


def test_allocation_before_any_works_order_is_refused() -> None:
    REFERRED.when(allocate(MALE)).then_rejected(("case_id", "no works order has been received"))


def test_installer_not_in_register_is_refused() -> None:
    REFERRED.given(works_order()).when(allocate(None, "inst-nobody")).then_rejected(
        ("installer_id", "is not in the contractor's staff register")
    )


def test_conflicted_installer_cannot_be_allocated() -> None:
    state = REFERRED.given(works_order(), ConflictOfInterestDeclared(installer_id="inst-m"))
    state.when(allocate(MALE)).then_rejected(
        ("installer_id", "has declared a conflict of interest on this case")
    )


def test_conflict_declared_by_allocated_installer_removes_them() -> None:
    state = REFERRED.given(
        works_order(), InstallerAllocated(installer_id="inst-m", enhanced_dbs_checked_on=date(2024, 1, 5))
    )
    events = state.when(DeclareConflictOfInterest(installer_id="inst-m", **cmd_fields(INSTALLER))).then(
        ConflictOfInterestDeclared(installer_id="inst-m")
    )
    after = REFERRED.given(works_order(), *events).state
    assert after.installer_id is None and "inst-m" in after.conflicted


def test_conflict_declared_twice_is_refused() -> None:
    state = REFERRED.given(works_order(), ConflictOfInterestDeclared(installer_id="inst-m"))
    command = DeclareConflictOfInterest(installer_id="inst-m", **cmd_fields(INSTALLER))
    state.when(command).then_rejected(("installer_id", "has already declared a conflict of interest"))


def test_missing_or_old_dbs_check_is_refused() -> None:
    no_dbs = MALE.model_copy(update={"enhanced_dbs_checked_on": None})
    old = MALE.model_copy(update={"enhanced_dbs_checked_on": date(2022, 6, 1)})
    REFERRED.given(works_order()).when(allocate(no_dbs)).then_rejected(
        ("installer_id", "has no enhanced DBS check on record")
    )
    REFERRED.given(works_order()).when(allocate(old)).then_rejected(
        ("installer_id", "enhanced DBS check is older than 3 years")
    )


def test_female_installer_requested_refuses_a_male_installer_and_accepts_a_female_one() -> None:
    state = REFERRED.given(works_order(female_installer_requested=True))
    state.when(allocate(MALE)).then_rejected(("installer_id", "the client asked for a female installer"))
    assert state.when(allocate(FEMALE)).decided[0] == InstallerAllocated(
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
    (
        REFERRED.given(works_order())
        .when(attempt(at, ContactOutcome.NO_ANSWER))
        .then(
            ClientContactAttempted(
                channel=ContactChannel.TELEPHONE,
                outcome=ContactOutcome.NO_ANSWER,
                attempted_at=at,
                within_first_contact_deadline=True,
                contacted_by="office-1",  # the person recording it, when no one else is named
            )
        )
    )
    late = REFERRED.given(works_order()).when(attempt(ORDER_AT + timedelta(hours=49))).decided
    assert isinstance(late[0], ClientContactAttempted) and not late[0].within_first_contact_deadline


def test_given_no_installer_allocated_the_office_contacts_the_client_and_is_named() -> None:
    # The specification has the contractor contact the client on receiving the referral, to arrange
    # a time: before any installer is allocated. The attempt records who made it.
    state = REFERRED.given(works_order())
    assert state.state.installer_id is None
    command = attempt(ORDER_AT + timedelta(hours=1)).model_copy(update={"contacted_by": "office-2"})
    [event] = state.when(command).decided
    assert isinstance(event, ClientContactAttempted) and event.contacted_by == "office-2"


def test_a_staff_member_with_a_conflict_of_interest_may_not_contact_the_client() -> None:
    state = REFERRED.given(works_order(), ConflictOfInterestDeclared(installer_id="inst-m"))
    named = attempt(ORDER_AT + timedelta(hours=1)).model_copy(update={"contacted_by": "inst-m"})
    conflicted = "has declared a conflict of interest on this case"
    state.when(named).then_rejected(("contacted_by", conflicted))
    as_actor = RecordContactAttempt(
        channel=ContactChannel.TELEPHONE,
        outcome=ContactOutcome.CONTACT_MADE,
        attempted_at=ORDER_AT + timedelta(hours=1),
        **cmd_fields(INSTALLER.model_copy(update={"person": "inst-m"}), ORDER_AT + timedelta(hours=1)),
    )
    state.when(as_actor).then_rejected(("actor.person", conflicted))


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
    state = REFERRED.given(works_order(unsafe_contact_windows=[EVENINGS, NIGHTS]))
    # Monday 2 June 2025 18:30 BST = 17:30 UTC: inside Monday 17:00-21:00.
    state.when(attempt(datetime(2025, 6, 2, 17, 30, tzinfo=UTC))).then_rejected(
        ("attempted_at", "falls inside a time when it is not safe to contact the client")
    )
    # Monday 06:30 BST is inside the window that starts Sunday 22:00 and runs past midnight.
    state.when(attempt(datetime(2025, 6, 2, 5, 30, tzinfo=UTC))).then_rejected(
        ("attempted_at", "falls inside a time when it is not safe"),
        ("attempted_at", "before the works order"),
    )


def test_contact_outside_unsafe_windows_is_accepted() -> None:
    state = REFERRED.given(works_order(unsafe_contact_windows=[EVENINGS, NIGHTS]))
    # Monday 21:00 BST: the evening window has ended.
    assert len(state.when(attempt(datetime(2025, 6, 2, 20, 0, tzinfo=UTC))).decided) == 1


def test_contact_before_the_works_order_is_refused() -> None:
    REFERRED.given(works_order()).when(attempt(ORDER_AT - timedelta(hours=1))).then_rejected(
        ("attempted_at", "is before the works order was received")
    )


NO_ANSWER = ClientContactAttempted(
    channel=ContactChannel.TELEPHONE,
    outcome=ContactOutcome.NO_ANSWER,
    attempted_at=ORDER_AT + timedelta(hours=1),
    within_first_contact_deadline=True,
)


def test_contact_not_established_tells_the_coordinator() -> None:
    events = (
        REFERRED.given(works_order(), NO_ANSWER)
        .when(ReportContactNotEstablished(**cmd_fields()))
        .then(
            ContactNotEstablished(
                attempts=1,
                channels_tried=[ContactChannel.TELEPHONE],
                first_contact_due_by=ORDER_AT + timedelta(hours=48),
            )
        )
    )
    # Reporting again with no new attempt is refused.
    again = ReportContactNotEstablished(**cmd_fields())
    REFERRED.given(works_order(), NO_ANSWER, *events).when(again).then_rejected(
        ("case_id", "already reported; no new attempt since")
    )


def test_contact_not_established_needs_a_failed_attempt_or_the_deadline_passed() -> None:
    early = ReportContactNotEstablished(**cmd_fields(at=ORDER_AT + timedelta(hours=1)))
    REFERRED.given(works_order()).when(early).then_rejected(("case_id", "first contact is not yet due"))
    overdue = ReportContactNotEstablished(**cmd_fields(at=ORDER_AT + timedelta(hours=49)))
    assert REFERRED.given(works_order()).when(overdue).decided[0] == ContactNotEstablished(
        attempts=0, channels_tried=[], first_contact_due_by=ORDER_AT + timedelta(hours=48)
    )


def test_contact_not_established_after_contact_was_made_is_refused() -> None:
    made = REFERRED.given(works_order()).when(attempt(ORDER_AT + timedelta(hours=1))).decided
    report = ReportContactNotEstablished(**cmd_fields())
    REFERRED.given(works_order(), *made).when(report).then_rejected(
        ("case_id", "the client has been contacted")
    )
