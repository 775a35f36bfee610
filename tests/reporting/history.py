"""Hand-built event histories for the report tests (synthetic data only)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from shared.contracts import assessment as A
from shared.contracts import contractor as K
from shared.events import Actor, Event, RecordedEvent, Role

ACTOR = Actor(agency="Test Agency", person="staff-1", role=Role.SYSTEM)


class History:
    """Events in stream order, each with the next stream sequence."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []

    def add(self, case_id: str, payload: Event, at: datetime) -> RecordedEvent:
        event = RecordedEvent(
            event_id=uuid.uuid4().hex,
            type=payload.type_name(),
            schema_version=1,
            case_id=case_id,
            occurred_at=at,
            recorded_at=at,
            actor=ACTOR,
            causation_id=uuid.uuid4().hex,
            correlation_id=uuid.uuid4().hex,
            payload=payload,
            seq=len(self.events) + 1,
        )
        self.events.append(event)
        return event


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def works_order(due: datetime) -> K.WorksOrderReceived:
    return K.WorksOrderReceived(
        approved_items=[K.WorkItem(item_code="DOOR-CHAIN", quantity=1)],
        client_name="Alice Example",
        client_address="1 Test Road, Testtown, TE1 1ST",
        first_contact_due_by=due,
    )


def installed(*lines: tuple[str, int, str]) -> K.ItemsInstalled:
    items = [
        K.InstalledItem(item_code=code, quantity=q, unit_cost_gbp=Decimal(unit), total_gbp=Decimal(unit) * q)
        for code, q, unit in lines
    ]
    return K.ItemsInstalled(items=items, total_gbp=sum((i.total_gbp for i in items), Decimal(0)))


def completed(when: datetime, total: str) -> K.InstallationCompleted:
    return K.InstallationCompleted(
        completed_at=when,
        total_cost_gbp=Decimal(total),
        working_days_from_works_order=3,
        made_to_measure=False,
        within_timescale=True,
    )


def dash(level: A.RiskLevel, marac: bool) -> A.DashRiskAssessed:
    return A.DashRiskAssessed(
        assessed_on=datetime(2024, 4, 2).date(),
        answers=[],
        score=15 if level is A.RiskLevel.HIGH else 5,
        risk_level=level,
        marac_referral=marac,
    )


def contact(channel: K.ContactChannel, outcome: K.ContactOutcome, when: datetime) -> K.ClientContactAttempted:
    return K.ClientContactAttempted(
        channel=channel, outcome=outcome, attempted_at=when, within_first_contact_deadline=True
    )
