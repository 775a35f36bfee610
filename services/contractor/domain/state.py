"""The contractor's view of one case, folded from its events (every service's; the ones that do not
concern the works are ignored)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from services.contractor.domain.referral_facts import ClientFacts, client_facts
from shared.contracts.contractor import (
    ClientContactAttempted,
    ConflictOfInterestDeclared,
    ContactChannel,
    ContactNotEstablished,
    ContactOutcome,
    EmergencyLockChangeCompleted,
    InstallationCancelled,
    InstallationCompleted,
    InstallationVisitBooked,
    InstallerAllocated,
    ItemsInstalled,
    MeasureNotFeasibleAgreed,
    UnsafeContactWindow,
    WorkItem,
    WorksOrderReceived,
    WorksSuspended,
)
from shared.contracts.referral import (
    RecommendationsApproved,
    ReferralAccepted,
    ReferralSubmitted,
    WorksResumed,
)
from shared.events import RecordedEvent


@dataclass(frozen=True)
class Alternative:
    item_code: str | None
    quantity: int | None


@dataclass(frozen=True)
class WorksState:
    # From the referral side.
    client: ClientFacts | None = None
    urgent: bool = False
    approved_items: tuple[WorkItem, ...] = ()
    approvals: int = 0
    # The contractor's own record.
    works_orders: int = 0
    works_order_at: datetime | None = None
    order_items: tuple[WorkItem, ...] = ()
    first_contact_due_by: datetime | None = None
    unsafe_windows: tuple[UnsafeContactWindow, ...] = ()
    female_installer_requested: bool = False
    installer_id: str | None = None
    conflicted: frozenset[str] = frozenset()
    attempts: tuple[tuple[ContactChannel, ContactOutcome], ...] = ()
    first_contact_at: datetime | None = None
    not_established_reported_after: int = -1  # attempts counted when last reported
    not_established_due_by: datetime | None = None  # the works order deadline last reported on
    visit_on: date | None = None
    works_started_at: datetime | None = None
    installed: tuple[tuple[str, int], ...] = ()  # (item code, quantity) per line
    installed_total: Decimal = Decimal("0.00")
    not_feasible: dict[str, Alternative] = field(default_factory=dict)
    suspended: bool = False
    completed: bool = False
    cancelled: bool = False

    @property
    def has_works_order(self) -> bool:
        return self.works_orders > 0

    @property
    def closed(self) -> bool:
        return self.completed or self.cancelled

    def installed_quantity(self, item_code: str) -> int:
        return sum(q for code, q in self.installed if code == item_code)


def evolve(state: WorksState, event: RecordedEvent) -> WorksState:
    p = event.payload
    match p:
        # From the referral side.
        case ReferralSubmitted():
            return replace(state, client=client_facts(p.form))
        case ReferralAccepted():
            return replace(state, urgent=p.urgent)
        case RecommendationsApproved():
            if not p.approved_items:
                # Nothing approved: no works order follows this decision.
                return state
            items = tuple(WorkItem(item_code=i.item_code, quantity=i.quantity) for i in p.approved_items)
            return replace(state, approved_items=items, approvals=state.approvals + 1)
        case WorksResumed():
            return replace(state, suspended=False)
        # The contractor's own.
        case WorksOrderReceived():
            windows = p.unsafe_contact_windows
            return replace(
                state,
                works_orders=state.works_orders + 1,
                works_order_at=event.occurred_at,
                first_contact_due_by=p.first_contact_due_by,
                unsafe_windows=tuple(windows) if isinstance(windows, list) else (),
                female_installer_requested=p.female_installer_requested,
                order_items=tuple(p.approved_items),
            )
        case InstallerAllocated():
            return replace(state, installer_id=p.installer_id)
        case ConflictOfInterestDeclared():
            installer = None if state.installer_id == p.installer_id else state.installer_id
            return replace(state, conflicted=state.conflicted | {p.installer_id}, installer_id=installer)
        case ClientContactAttempted():
            made = p.outcome is ContactOutcome.CONTACT_MADE and state.first_contact_at is None
            return replace(
                state,
                attempts=(*state.attempts, (p.channel, p.outcome)),
                first_contact_at=p.attempted_at if made else state.first_contact_at,
            )
        case ContactNotEstablished():
            return replace(
                state,
                not_established_reported_after=len(state.attempts),
                not_established_due_by=p.first_contact_due_by,
            )
        case InstallationVisitBooked():
            return replace(state, visit_on=p.visit_on)
        case EmergencyLockChangeCompleted():
            return replace(state, works_started_at=state.works_started_at or p.completed_at)
        case ItemsInstalled():
            lines = tuple((i.item_code, i.quantity) for i in p.items)
            return replace(
                state,
                installed=state.installed + lines,
                installed_total=state.installed_total + p.total_gbp,
                works_started_at=state.works_started_at or event.occurred_at,
            )
        case MeasureNotFeasibleAgreed():
            alt = Alternative(p.alternative_item_code, p.alternative_quantity)
            return replace(state, not_feasible={**state.not_feasible, p.item_code: alt})
        case WorksSuspended():
            return replace(state, suspended=True)
        case InstallationCompleted():
            return replace(state, completed=True)
        case InstallationCancelled():
            return replace(state, cancelled=True)
    return state
