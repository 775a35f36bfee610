"""What the first-contact deadline watch remembers of each works order, folded from the contractor's
own events only, and which orders are overdue: deadline passed, no successful contact, nobody told
the coordinator yet, works neither cancelled nor completed.

This is a cheap pre-filter. The decider, on the whole case (suspension and its lifting included),
still decides whether ContactNotEstablished is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from shared.contracts.contractor import (
    ClientContactAttempted,
    ContactNotEstablished,
    ContactOutcome,
    InstallationCancelled,
    InstallationCompleted,
    NotEstablishedReason,
    ReportContactNotEstablished,
    WorksOrderReceived,
)
from shared.events import SYSTEM_ACTOR, Event


@dataclass(frozen=True)
class WatchedOrder:
    due_by: datetime | None = None  # the latest works order's first-contact deadline
    reported_due_by: datetime | None = None  # the deadline ContactNotEstablished last spoke of
    # Contact made, or works cancelled or completed: never overdue again (as in the decider).
    finished: bool = False

    def overdue(self, now: datetime) -> bool:
        return (
            not self.finished
            and self.due_by is not None
            and self.due_by < now
            and self.reported_due_by != self.due_by
        )


def evolve_watched(order: WatchedOrder, event: Event) -> WatchedOrder:
    match event:
        case WorksOrderReceived():
            return replace(order, due_by=event.first_contact_due_by)
        case ClientContactAttempted(outcome=ContactOutcome.CONTACT_MADE):
            return replace(order, finished=True)
        case ContactNotEstablished():
            return replace(order, reported_due_by=event.first_contact_due_by)
        case InstallationCancelled() | InstallationCompleted():
            return replace(order, finished=True)
    return order


def overdue_orders(orders: Mapping[str, WatchedOrder], now: datetime) -> list[tuple[str, datetime]]:
    """(case id, deadline) of every overdue order, oldest deadline first."""
    due = [(case_id, o.due_by) for case_id, o in orders.items() if o.due_by is not None and o.overdue(now)]
    return sorted(due, key=lambda item: (item[1], item[0]))


def overdue_report(case_id: str, due_by: datetime) -> ReportContactNotEstablished:
    """The system's report for one overdue order. The command id is the case and the deadline, so
    repeated scans and several replicas of the service record it once; it happened at the deadline."""
    stamp = due_by.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return ReportContactNotEstablished(
        command_id=f"fc-overdue:{case_id}:{stamp}",
        case_id=case_id,
        actor=SYSTEM_ACTOR,
        occurred_at=due_by,
        reason=NotEstablishedReason.DEADLINE_PASSED,
    )
