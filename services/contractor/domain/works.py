"""Decisions on the installation itself: booking, emergency lock changes, items fitted, measures not
feasible, completion, cancellation and suspension."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from services.contractor.domain.guards import (
    client_contacted,
    has_happened,
    installer_allocated,
    not_suspended,
    open_works_order,
)
from services.contractor.domain.rules import UK_TIME, ContractorRules
from services.contractor.domain.state import WorksState
from shared.contracts.contractor import (
    BookInstallationVisit,
    CancelInstallation,
    CompleteInstallation,
    EmergencyLockChangeCompleted,
    InstallationCancelled,
    InstallationCompleted,
    InstallationVisitBooked,
    InstalledItem,
    ItemsInstalled,
    MeasureNotFeasibleAgreed,
    RecordEmergencyLockChange,
    RecordItemsInstalled,
    RecordMeasureNotFeasible,
    SuspendWorks,
    WorksSuspended,
)
from shared.date_rules import not_before
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event

# No visit and no completion comes before the client has been reached.
CONTACTED = "the client was first contacted"


def _ready_for_works(state: WorksState, action: str) -> list[Problem]:
    problems = open_works_order(state)
    if problems:
        return problems
    return [*not_suspended(state), *client_contacted(state, action), *installer_allocated(state)]


def _local_day(moment: datetime) -> datetime:
    return moment.astimezone(UK_TIME)


def book_visit(command: BookInstallationVisit, state: WorksState, rules: ContractorRules) -> list[Event]:
    reject_if(_ready_for_works(state, "booking a visit"))
    assert state.first_contact_at is not None and state.installer_id is not None
    contact_day = _local_day(state.first_contact_at).date()
    reject_if(not_before("visit_on", command.visit_on, contact_day, CONTACTED))
    return [
        InstallationVisitBooked(
            visit_on=command.visit_on,
            installer_id=state.installer_id,
            completion_due_by=completion_due_by(state, rules),
        )
    ]


def completion_due_by(state: WorksState, rules: ContractorRules) -> date | None:
    """When the scheme's own standard wants the works finished (shared.scheme's one rule: South
    Essex counts from the works order, Tower Hamlets from the contact made)."""
    if state.works_order_at is None:
        return None
    contact = _local_day(state.first_contact_at).date() if state.first_contact_at else None
    return rules.timescales.completion_due_by(
        rules.calendar, _local_day(state.works_order_at).date(), contact
    )


def emergency_lock_change(command: RecordEmergencyLockChange, state: WorksState) -> list[Event]:
    reject_if(_ready_for_works(state, "an emergency lock change"))
    reject_if(has_happened(command.completed_at, command, "completed_at"))
    assert state.works_order_at is not None
    same_day = _local_day(command.completed_at).date() == _local_day(state.works_order_at).date()
    return [EmergencyLockChangeCompleted(completed_at=command.completed_at, same_day=same_day)]


def items_installed(command: RecordItemsInstalled, state: WorksState, rules: ContractorRules) -> list[Event]:
    reject_if(_ready_for_works(state, "recording installed items"))
    allowed = _installable(state)
    problems: list[Problem] = []
    lines: list[InstalledItem] = []
    adding: dict[str, int] = {}
    for i, line in enumerate(command.items):
        field = f"items.{i}"
        entry = rules.catalogue.item(line.item_code)
        if entry is None:
            problems.append(Problem(field=f"{field}.item_code", problem="is not in the catalogue"))
            continue
        if line.quantity < 1:
            problems.append(Problem(field=f"{field}.quantity", problem="must be at least 1"))
            continue
        if line.item_code not in allowed:
            problems.append(Problem(field=f"{field}.item_code", problem="is not among the approved items"))
            continue
        adding[line.item_code] = adding.get(line.item_code, 0) + line.quantity
        remaining = allowed[line.item_code] - state.installed_quantity(line.item_code)
        if adding[line.item_code] > remaining:
            problems.append(
                Problem(
                    field=f"{field}.quantity",
                    problem=f"exceeds the approved quantity ({max(remaining, 0)} still to install)",
                )
            )
            continue
        if line.unit_cost_gbp != entry.unit_cost_gbp and not line.cost_override_reason:
            problems.append(
                Problem(
                    field=f"{field}.unit_cost_gbp",
                    problem="differs from the catalogue price; give a cost_override_reason",
                )
            )
            continue
        total = (line.unit_cost_gbp * line.quantity).quantize(Decimal("0.01"))
        lines.append(
            InstalledItem(
                item_code=line.item_code,
                quantity=line.quantity,
                unit_cost_gbp=line.unit_cost_gbp,
                total_gbp=total,
                cost_override_reason=line.cost_override_reason,
            )
        )
    reject_if(problems)
    return [ItemsInstalled(items=lines, total_gbp=sum((x.total_gbp for x in lines), Decimal("0.00")))]


def _installable(state: WorksState) -> dict[str, int]:
    """Approved items still wanted, plus the alternatives agreed with the Protective Security Manager."""
    allowed: dict[str, int] = {}
    for item in state.order_items:
        if item.item_code not in state.not_feasible:
            allowed[item.item_code] = allowed.get(item.item_code, 0) + item.quantity
    for alt in state.not_feasible.values():
        if alt.item_code and alt.quantity:
            allowed[alt.item_code] = allowed.get(alt.item_code, 0) + alt.quantity
    return allowed


def measure_not_feasible(
    command: RecordMeasureNotFeasible, state: WorksState, rules: ContractorRules
) -> list[Event]:
    reject_if(open_works_order(state))
    problems: list[Problem] = []
    if command.item_code not in {i.item_code for i in state.order_items}:
        problems.append(Problem(field="item_code", problem="is not among the approved items"))
    elif command.item_code in state.not_feasible:
        problems.append(Problem(field="item_code", problem="is already agreed not feasible"))
    elif state.installed_quantity(command.item_code):
        problems.append(Problem(field="item_code", problem="has already been installed"))
    alt = command.alternative_item_code
    if alt is not None and alt not in rules.catalogue:
        problems.append(Problem(field="alternative_item_code", problem="is not in the catalogue"))
    if (alt is None) != (command.alternative_quantity is None):
        problems.append(
            Problem(
                field="alternative_quantity",
                problem="give both an alternative item code and its quantity, or neither",
            )
        )
    reject_if(problems)
    return [MeasureNotFeasibleAgreed.from_command(command, alternative_item_code=alt)]


def complete(command: CompleteInstallation, state: WorksState, rules: ContractorRules) -> list[Event]:
    reject_if(_ready_for_works(state, "completing the installation"))
    assert state.works_order_at is not None and state.first_contact_at is not None
    problems = [
        Problem(field="case_id", problem=f"approved item {code} is not fully installed")
        for code, quantity in _installable(state).items()
        if state.installed_quantity(code) < quantity
    ]
    problems += not_before("completed_at", command.completed_at, state.first_contact_at, CONTACTED)
    problems += has_happened(command.completed_at, command, "completed_at")
    reject_if(problems)
    cal, ts = rules.calendar, rules.timescales
    done = _local_day(command.completed_at).date()
    from_order = cal.between(_local_day(state.works_order_at).date(), done)
    from_contact = cal.between(_local_day(state.first_contact_at).date(), done)
    made_to_measure = any(
        (entry := rules.catalogue.item(code)) is not None and entry.made_to_measure
        for code in _installable(state)
    )
    on_time = True
    if state.works_started_at is not None:
        started = cal.between(
            _local_day(state.works_order_at).date(), _local_day(state.works_started_at).date()
        )
        on_time = started <= ts.works_start_working_days
    # Made-to-measure items are ordered to fit; the completion limit does not bind them. Otherwise
    # the same due date the booked visit announced.
    due = completion_due_by(state, rules)
    if not made_to_measure and due is not None:
        on_time = on_time and done <= due
    return [
        InstallationCompleted(
            completed_at=command.completed_at,
            total_cost_gbp=state.installed_total,
            working_days_from_works_order=from_order,
            working_days_from_first_contact=from_contact,
            made_to_measure=made_to_measure,
            within_timescale=on_time,
        )
    ]


def cancel(command: CancelInstallation, state: WorksState, rules: ContractorRules) -> list[Event]:
    reject_if(open_works_order(state))
    if command.reason not in rules.cancellation_reasons:
        raise CommandRejected.one("reason", "is not one of the scheme's cancellation reasons")
    return [InstallationCancelled.from_command(command)]


def suspend(command: SuspendWorks, state: WorksState) -> list[Event]:
    reject_if(open_works_order(state))
    if state.suspended:
        raise CommandRejected.one("case_id", "works on this case are already suspended")
    return [WorksSuspended.from_command(command)]
