"""Given-When-Then: the first-contact deadline (48 hours from the works order). When it passes with no
successful contact, the system records ContactNotEstablished, once per works order, as of the
deadline; and the watch's own fold picks out exactly the orders that are overdue."""

from __future__ import annotations

from datetime import timedelta

from services.contractor.domain.first_contact_watch import (
    WatchedOrder,
    evolve_watched,
    overdue_orders,
    overdue_report,
)
from shared.codec import decode_record
from shared.contracts.contractor import (
    ClientContactAttempted,
    ContactChannel,
    ContactNotEstablished,
    ContactOutcome,
    InstallationCancelled,
    NotEstablishedReason,
    ReportContactNotEstablished,
    SuspensionConcern,
    WorksSuspended,
)
from shared.contracts.referral import WorksResumed
from shared.events import SYSTEM_ACTOR, Event, Role
from tests.contractor.scenarios import ORDER_AT, REFERRED, cmd_fields, recorded, works_order

CASE = "C-TEST-1"
DUE_BY = ORDER_AT + timedelta(hours=48)
DEADLINE_PASSED = NotEstablishedReason.DEADLINE_PASSED


def attempted(outcome: ContactOutcome, hours: int = 2) -> ClientContactAttempted:
    return ClientContactAttempted(
        channel=ContactChannel.TELEPHONE,
        outcome=outcome,
        attempted_at=ORDER_AT + timedelta(hours=hours),
        within_first_contact_deadline=hours <= 48,
    )


def told(attempts: int = 0, channels: tuple[ContactChannel, ...] = ()) -> ContactNotEstablished:
    return ContactNotEstablished(
        attempts=attempts, channels_tried=list(channels), first_contact_due_by=DUE_BY, reason=DEADLINE_PASSED
    )


def test_deadline_passed_with_no_contact_is_recorded_as_of_the_deadline() -> None:
    report = overdue_report(CASE, DUE_BY)
    assert report.actor == SYSTEM_ACTOR and report.occurred_at == DUE_BY
    REFERRED.given(works_order()).when(report).then(told())


def test_failed_attempts_are_counted_in_what_the_coordinator_is_told() -> None:
    history = [works_order(), attempted(ContactOutcome.NO_ANSWER), attempted(ContactOutcome.MESSAGE_LEFT, 30)]
    REFERRED.given(*history).when(overdue_report(CASE, DUE_BY)).then(
        told(attempts=2, channels=(ContactChannel.TELEPHONE,))
    )


def test_before_the_deadline_is_refused() -> None:
    early = ReportContactNotEstablished(
        reason=DEADLINE_PASSED, **cmd_fields(SYSTEM_ACTOR, DUE_BY - timedelta(minutes=1))
    )
    REFERRED.given(works_order()).when(early).then_rejected(
        ("occurred_at", "is before the first contact deadline")
    )
    # Failed attempts let the office report early; they do not bring the deadline forward.
    REFERRED.given(works_order(), attempted(ContactOutcome.NO_ANSWER)).when(early).then_rejected(
        ("occurred_at", "is before the first contact deadline")
    )


def test_contact_made_means_nothing_to_tell() -> None:
    history = [works_order(), attempted(ContactOutcome.CONTACT_MADE, hours=50)]
    REFERRED.given(*history).when(overdue_report(CASE, DUE_BY)).then_rejected(
        ("case_id", "the client has been contacted")
    )


def test_already_recorded_for_this_works_order_is_refused() -> None:
    REFERRED.given(works_order(), told()).when(overdue_report(CASE, DUE_BY)).then_rejected(
        ("case_id", "contact not established is already recorded for this works order")
    )
    # The office's own report after failed attempts counts as telling the coordinator too.
    office = ContactNotEstablished(
        attempts=1, channels_tried=[ContactChannel.TELEPHONE], first_contact_due_by=DUE_BY
    )
    history = [
        works_order(),
        attempted(ContactOutcome.NO_ANSWER),
        office,
        attempted(ContactOutcome.NO_ANSWER, 40),
    ]
    REFERRED.given(*history).when(overdue_report(CASE, DUE_BY)).then_rejected(
        ("case_id", "contact not established is already recorded")
    )


def test_cancelled_works_mean_nothing_to_tell() -> None:
    cancelled = InstallationCancelled(reason="Client withdrew consent")
    REFERRED.given(works_order(), cancelled).when(overdue_report(CASE, DUE_BY)).then_rejected(
        ("case_id", "the installation on this case has been cancelled")
    )


def test_suspended_works_wait_until_the_coordinator_resumes_them() -> None:
    suspended = WorksSuspended(concern=SuspensionConcern.PERPETRATOR_VISITING, reported_by="inst-1")
    REFERRED.given(works_order(), suspended).when(overdue_report(CASE, DUE_BY)).then_rejected(
        ("case_id", "works on this case are suspended")
    )
    resumed = WorksResumed(suspension_event_id="suspension-1", reason="Police confirmed he has left")
    REFERRED.given(works_order(), suspended, resumed).when(overdue_report(CASE, DUE_BY)).then(told())


def test_no_works_order_is_refused() -> None:
    REFERRED.given().when(overdue_report(CASE, DUE_BY)).then_rejected(
        ("case_id", "no works order has been received for this case")
    )


def test_the_office_report_still_says_it_came_from_the_contractor() -> None:
    history = [works_order(), attempted(ContactOutcome.NO_ANSWER)]
    (event,) = (
        REFERRED.given(*history)
        .when(ReportContactNotEstablished(**cmd_fields(at=ORDER_AT + timedelta(hours=3))))
        .decided
    )
    assert isinstance(event, ContactNotEstablished)
    assert event.reason is NotEstablishedReason.CONTRACTOR_REPORTED
    assert ReportContactNotEstablished.allowed_roles >= {Role.SYSTEM, Role.CONTRACTOR_OFFICE}


def test_a_stored_version_1_report_reads_as_the_contractors() -> None:
    envelope = recorded(told()).model_dump(mode="json")
    payload = {k: v for k, v in told().model_dump(mode="json").items() if k != "reason"}
    record = {**envelope, "schema_version": 1, "payload": payload, "personal": None}
    event = decode_record(record, key=None)
    assert isinstance(event.payload, ContactNotEstablished)
    assert event.payload.reason is NotEstablishedReason.CONTRACTOR_REPORTED


def test_the_command_id_is_the_case_and_the_deadline() -> None:
    first, again = overdue_report(CASE, DUE_BY), overdue_report(CASE, DUE_BY)
    assert first.command_id == again.command_id
    assert overdue_report(CASE, DUE_BY + timedelta(days=7)).command_id != first.command_id
    longest = overdue_report("C" * 64, DUE_BY)  # the longest case id still makes a valid command id
    assert longest.case_id == "C" * 64


def fold(*events: Event) -> WatchedOrder:
    order = WatchedOrder()
    for event in events:
        order = evolve_watched(order, event)
    return order


def test_the_watch_picks_out_overdue_orders_only() -> None:
    after = DUE_BY + timedelta(seconds=1)
    orders = {
        "C-OVERDUE": fold(works_order()),
        "C-TRIED": fold(works_order(), attempted(ContactOutcome.NO_ANSWER)),
        "C-CONTACTED": fold(works_order(), attempted(ContactOutcome.CONTACT_MADE)),
        "C-TOLD": fold(works_order(), told()),
        "C-CANCELLED": fold(works_order(), InstallationCancelled(reason="Other")),
        "C-NO-ORDER": fold(attempted(ContactOutcome.NO_ANSWER)),
    }
    assert overdue_orders(orders, after) == [("C-OVERDUE", DUE_BY), ("C-TRIED", DUE_BY)]
    # Not yet: the deadline itself has not passed.
    assert overdue_orders(orders, DUE_BY) == []
    # A second works order on a case told about the first has a deadline of its own.
    later = DUE_BY + timedelta(days=7)
    second = works_order(first_contact_due_by=later)
    assert fold(works_order(), told(), second).overdue(later + timedelta(seconds=1))
