"""Decisions on receiving the works order, allocating installers and contacting the client."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.contractor.domain.guards import has_happened, not_suspended, open_works_order
from services.contractor.domain.rules import UK_TIME, ContractorRules
from services.contractor.domain.state import WorksState
from services.contractor.domain.unsafe_times import is_unsafe
from shared.commands import when
from shared.contracts.contractor import (
    AllocateInstaller,
    ClientContactAttempted,
    ConflictOfInterestDeclared,
    ContactNotEstablished,
    ContactOutcome,
    DeclareConflictOfInterest,
    InstallerAllocated,
    InstallerGender,
    NotEstablishedReason,
    ReceiveWorksOrder,
    RecordContactAttempt,
    ReportContactNotEstablished,
    WorksOrderReceived,
)
from shared.date_rules import not_before
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event


def receive_works_order(command: ReceiveWorksOrder, state: WorksState, rules: ContractorRules) -> list[Event]:
    at = when(command)
    if state.approvals == 0 or not state.approved_items:
        raise CommandRejected.one("case_id", "the coordinator has not approved any recommendations")
    assert state.client is not None  # the decider refuses a case with no referral first
    if state.client.erased:
        raise CommandRejected.one("case_id", "the client's personal data on this case has been erased")
    if state.works_orders >= state.approvals:
        raise CommandRejected.one("case_id", "the works order for the latest approval was already received")
    client = state.client
    return [
        WorksOrderReceived(
            approved_items=list(state.approved_items),
            client_name=client.name,
            client_address=client.address,
            client_telephone=client.telephone,
            unsafe_contact_times=client.unsafe_contact_times,
            unsafe_contact_windows=list(client.unsafe_contact_windows),
            female_installer_requested=client.female_installer_requested,
            password_requested=client.password_requested,
            someone_present_requested=client.someone_present_requested,
            installation_requests=client.installation_requests,
            urgent=state.urgent,
            first_contact_due_by=at + timedelta(hours=rules.timescales.first_contact_hours),
        )
    ]


def allocate_installer(command: AllocateInstaller, state: WorksState, rules: ContractorRules) -> list[Event]:
    reject_if(open_works_order(state))
    today = when(command).astimezone(UK_TIME).date()
    record = command.installer
    if record is None or record.installer_id != command.installer_id:
        raise CommandRejected.one("installer_id", "is not in the contractor's staff register")
    problems: list[Problem] = []
    if command.installer_id in state.conflicted:
        problems.append(
            Problem(field="installer_id", problem="has declared a conflict of interest on this case")
        )
    checked = record.enhanced_dbs_checked_on
    if checked is None:
        problems.append(Problem(field="installer_id", problem="has no enhanced DBS check on record"))
    elif checked < _years_before(today, rules.dbs_valid_years):
        problems.append(
            Problem(
                field="installer_id",
                problem=f"enhanced DBS check is older than {rules.dbs_valid_years} years",
            )
        )
    if state.female_installer_requested and record.gender is not InstallerGender.FEMALE:
        problems.append(Problem(field="installer_id", problem="the client asked for a female installer"))
    if command.installer_id == state.installer_id:
        problems.append(Problem(field="installer_id", problem="is already allocated to this case"))
    reject_if(problems)
    assert checked is not None
    return [InstallerAllocated(installer_id=command.installer_id, enhanced_dbs_checked_on=checked)]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def declare_conflict(command: DeclareConflictOfInterest, state: WorksState) -> list[Event]:
    if not state.has_works_order:
        raise CommandRejected.one("case_id", "no works order has been received for this case")
    if command.installer_id in state.conflicted:
        raise CommandRejected.one("installer_id", "has already declared a conflict of interest on this case")
    return [ConflictOfInterestDeclared(installer_id=command.installer_id)]


def record_contact_attempt(command: RecordContactAttempt, state: WorksState) -> list[Event]:
    """Accepted before any installer is allocated, with who made it recorded.

    The contractor specification (seed 004, section 5) has the contractor contact the client "upon
    receipt of a referral" and "arrange a convenient time for the work", first contact within 48
    hours of the referral: that is the office's job, before an installer is chosen, and the 48-hour
    clock runs from the works order, not from an allocation. What the specification forbids is a
    staff member who knows the victim or the perpetrator working on the case (section 5 (3)): so the
    contact names who made it, and one who declared a conflict of interest here is refused.
    """
    reject_if(open_works_order(state))
    assert state.works_order_at is not None and state.first_contact_due_by is not None
    problems = has_happened(command.attempted_at, command, "attempted_at")
    contacted_by = command.contacted_by or command.actor.person
    if contacted_by in state.conflicted:
        problems.append(
            Problem(
                field="contacted_by" if command.contacted_by else "actor.person",
                problem="has declared a conflict of interest on this case",
            )
        )
    problems += not_before(
        "attempted_at", command.attempted_at, state.works_order_at, "the works order was received"
    )
    if is_unsafe(command.attempted_at, state.unsafe_windows):
        problems.append(
            Problem(
                field="attempted_at",
                problem="falls inside a time when it is not safe to contact the client",
            )
        )
    reject_if(problems)
    return [
        ClientContactAttempted.from_command(
            command,
            within_first_contact_deadline=command.attempted_at <= state.first_contact_due_by,
            contacted_by=contacted_by,
        )
    ]


def report_contact_not_established(command: ReportContactNotEstablished, state: WorksState) -> list[Event]:
    reject_if(open_works_order(state))
    assert state.first_contact_due_by is not None
    if state.first_contact_at is not None:
        raise CommandRejected.one("case_id", "the client has been contacted")
    if command.reason is NotEstablishedReason.DEADLINE_PASSED:
        _check_deadline_passed(command, state, state.first_contact_due_by)
    else:
        failed = [a for a in state.attempts if a[1] is not ContactOutcome.CONTACT_MADE]
        if not failed and when(command) <= state.first_contact_due_by:
            raise CommandRejected.one(
                "case_id",
                "no attempt to contact the client has been recorded and first contact is not yet due",
            )
        if state.not_established_reported_after == len(state.attempts):
            raise CommandRejected.one("case_id", "already reported; no new attempt since")
    channels = list(dict.fromkeys(a[0] for a in state.attempts))
    return [
        ContactNotEstablished(
            attempts=len(state.attempts),
            channels_tried=channels,
            first_contact_due_by=state.first_contact_due_by,
            reason=command.reason,
        )
    ]


def _check_deadline_passed(command: ReportContactNotEstablished, state: WorksState, due_by: datetime) -> None:
    """The deadline watch tells the coordinator once per works order, as of the deadline, and not
    while works are suspended (the coordinator already knows why nothing is happening)."""
    problems = not_suspended(state)
    problems += not_before("occurred_at", when(command), due_by, "the first contact deadline")
    if state.not_established_due_by == due_by:
        already = "contact not established is already recorded for this works order"
        problems.append(Problem(field="case_id", problem=already))
    reject_if(problems)
