"""The monitoring projection: each event becomes row changes of the read models. Pure: no I/O.
The assessment and contractor sides' events are here; the referral side's in referral_events.py.

Only categories, dates and amounts are taken; personal fields of the events are never read.
Timestamps are kept in UTC; days are the UK date the thing happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.reporting.monitoring.readmodel.changes import AddRow, Change, SetCase, added_by
from services.reporting.monitoring.readmodel.referral_events import REFERRAL_TYPES, referral_changes
from shared.catalogue import Catalogue, MonitoringCategory
from shared.contracts import assessment as A
from shared.contracts import contractor as K
from shared.events import Event, RecordedEvent

FIRE_SAFETY_CHECK = "FIRE-SAFETY-CHECK"  # the catalogue's item for the fire service's check

UK = ZoneInfo("Europe/London")


def utc(moment: datetime) -> datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def uk_day(moment: datetime) -> date:
    return moment.astimezone(UK).date()


def at_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


# Every event type the projection reads; any other type changes nothing (a rebuild need not decode it).
_PROJECTED: tuple[type[Event], ...] = (
    *REFERRAL_TYPES,
    A.CpoWorkItemOpened,
    A.PropertyAssessed,
    A.DashRiskAssessed,
    A.FireSafetyCheckRecorded,
    K.WorksOrderReceived,
    K.ClientContactAttempted,
    K.ContactNotEstablished,
    K.EmergencyLockChangeCompleted,
    K.ItemsInstalled,
    K.InstallationCompleted,
    K.InstallationCancelled,
)
PROJECTED_TYPES: frozenset[str] = frozenset(t.type_name() for t in _PROJECTED)


def _measure(
    event: RecordedEvent,
    line: int,
    item_code: str,
    category: str,
    quantity: int,
    total_gbp: Decimal,
    installed_on: date,
) -> AddRow:
    """A measure fitted: one line of the event's items."""
    values = {"item_code": item_code, "category": category, "quantity": quantity, "total_gbp": total_gbp}
    return added_by("measures", event.event_id, event.case_id, line=line, **values, installed_on=installed_on)


class MonitoringProjection:
    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self.event_types = PROJECTED_TYPES

    def __call__(self, event: RecordedEvent) -> Sequence[Change]:
        p = event.payload
        case = event.case_id
        when = utc(event.occurred_at)
        from_referral = referral_changes(event, uk_day(event.occurred_at))
        if from_referral is not None:
            return from_referral
        if isinstance(p, A.CpoWorkItemOpened):
            return [SetCase(case, {"cpo_opened_at": when}, frozenset({"cpo_opened_at"}))]
        if isinstance(p, A.PropertyAssessed):
            return [SetCase(case, {"assessed_at": at_start(p.assessed_on)}, frozenset({"assessed_at"}))]
        if isinstance(p, A.DashRiskAssessed):
            return [SetCase(case, {"risk_level": p.risk_level.value, "marac_referral": p.marac_referral})]
        if isinstance(p, A.FireSafetyCheckRecorded):
            # The check itself and what the fire service fitted are measures the template counts;
            # the fire service pays for them, so they add nothing to the scheme's spend.
            fitted = [(FIRE_SAFETY_CHECK, MonitoringCategory.FIRE_SAFETY_CHECK.value, 1)] + [
                (m.item_code, self._catalogue.category_of(m.item_code).value, m.quantity)
                for m in p.fire_measures_fitted
                if m.item_code != FIRE_SAFETY_CHECK
            ]
            fire_rows: list[Change] = [
                _measure(event, i, code, category, quantity, Decimal(0), p.checked_on)
                for i, (code, category, quantity) in enumerate(fitted)
            ]
            return [
                *fire_rows,
                SetCase(case, {"fire_check_at": at_start(p.checked_on)}, frozenset({"fire_check_at"})),
            ]
        if isinstance(p, K.WorksOrderReceived):
            return [
                SetCase(
                    case,
                    {
                        "works_order_at": when,
                        "first_contact_due_by": utc(p.first_contact_due_by),
                        "urgent": p.urgent,
                    },
                    frozenset({"works_order_at"}),
                )
            ]
        if isinstance(p, K.ClientContactAttempted):
            attempt = {
                "channel": p.channel.value,
                "outcome": p.outcome.value,
                "attempted_at": utc(p.attempted_at),
            }
            changes: list[Change] = [added_by("contacts", event.event_id, case, **attempt)]
            if p.outcome is K.ContactOutcome.CONTACT_MADE:
                changes.append(
                    SetCase(case, {"first_contact_at": utc(p.attempted_at)}, frozenset({"first_contact_at"}))
                )
            return changes
        if isinstance(p, K.ContactNotEstablished):
            return [SetCase(case, {"contact_not_established": True})]
        if isinstance(p, K.EmergencyLockChangeCompleted):
            return [SetCase(case, {"works_started_at": utc(p.completed_at)}, frozenset({"works_started_at"}))]
        if isinstance(p, K.ItemsInstalled):
            installed_on = uk_day(event.occurred_at)
            rows: list[Change] = [
                _measure(
                    event,
                    i,
                    item.item_code,
                    self._catalogue.category_of(item.item_code).value,
                    item.quantity,
                    item.total_gbp,
                    installed_on,
                )
                for i, item in enumerate(p.items)
            ]
            return [*rows, SetCase(case, {"works_started_at": when}, frozenset({"works_started_at"}))]
        if isinstance(p, K.InstallationCompleted):
            return [
                SetCase(
                    case,
                    {"completed_at": utc(p.completed_at), "install_cost_gbp": p.total_cost_gbp},
                    frozenset({"completed_at"}),
                )
            ]
        if isinstance(p, K.InstallationCancelled):
            return [
                SetCase(case, {"cancelled_on": uk_day(event.occurred_at), "cancellation_reason": p.reason})
            ]
        return []
