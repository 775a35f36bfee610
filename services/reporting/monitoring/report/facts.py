"""Read the live read-model tables into plain records for the report (categories and dates only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from services.reporting.monitoring.readmodel.tables import Tables


class LiveTables(Protocol):
    """What load_facts reads through (a ReadModelStore): named so, as the store keeps day counts
    from CaseFacts and this module must not import it back."""

    engine: Engine

    def active(self, conn: Connection) -> Tables: ...


@dataclass
class CaseFacts:
    row: dict[str, Any]
    disabilities: list[str] = field(default_factory=list)
    child_ages: list[int | None] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)

    @property
    def case_id(self) -> str:
        return str(self.row["case_id"])

    def day(self, column: str) -> date | None:
        value = self.row.get(column)
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else None

    @property
    def spend(self) -> Decimal:
        return sum((Decimal(str(m["total_gbp"])) for m in self.measures), Decimal(0))

    def not_accepted_on(self) -> date | None:
        """Declined by the coordinator, or (never accepted) referred for safeguarding instead: an
        under-18 client goes to Children's Social Care, not to an installation. A case that was
        accepted counts as accepted only (a history from before the rule that a decision is final
        can hold a decline after the acceptance), so each case is counted once."""
        if self.row.get("accepted_on"):
            return None
        if self.row.get("declined_on"):
            return self.day("declined_on")
        return self.day("safeguarding_on")

    def not_accepted_reason(self) -> str | None:
        if self.not_accepted_on() is None:
            return None
        if self.row.get("declined_on"):
            return str(self.row["decline_reason"])
        return f"Safeguarding referral to {self.row['safeguarding_recipient']}"


@dataclass
class Facts:
    cases: list[CaseFacts]
    complaints: list[dict[str, Any]]


def load_facts(store: LiveTables) -> Facts:
    with store.engine.connect() as conn:
        t = store.active(conn)
        cases = {r["case_id"]: CaseFacts(dict(r)) for r in conn.execute(select(t.cases)).mappings()}

        def rows(table: Any, order: Any) -> dict[str, list[dict[str, Any]]]:
            out: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in conn.execute(select(table).order_by(order)).mappings():
                out[r["case_id"]].append(dict(r))
            return out

        disabilities = rows(t.disabilities, t.disabilities.c.disability)
        children = rows(t.children, t.children.c.position)
        measures = rows(t.measures, t.measures.c.event_id)
        contacts = rows(t.contacts, t.contacts.c.attempted_at)
        follow_ups = rows(t.follow_ups, t.follow_ups.c.contact_on)
        feedback = rows(t.feedback, t.feedback.c.received_on)
        complaints = [dict(r) for r in conn.execute(select(t.complaints)).mappings()]
    for case_id, case in cases.items():
        case.disabilities = [d["disability"] for d in disabilities.get(case_id, [])]
        case.child_ages = [c["age"] for c in children.get(case_id, [])]
        case.measures = measures.get(case_id, [])
        case.contacts = contacts.get(case_id, [])
        case.follow_ups = follow_ups.get(case_id, [])
        case.feedback = feedback.get(case_id, [])
    return Facts(sorted(cases.values(), key=lambda c: c.case_id), complaints)
