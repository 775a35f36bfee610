"""Helpers for the real-NATS reporting tests: append a hand-built history to the CASES stream as
each side would, and read a report over one test's own cases (the session's stream holds others)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.report.compute import report_from_facts
from services.reporting.monitoring.report.facts import load_facts
from services.reporting.monitoring.report.model import Audience, Report
from services.reporting.monitoring.report.quarters import Period
from shared.codec import CasePosition
from shared.events import NewEvent, RecordedEvent
from shared.eventstore import EventStore
from tests.reporting.history import ACTOR, TEST_SCHEME, History


async def append_history(store_for: Callable[[str], EventStore], h: History) -> list[RecordedEvent]:
    """Each event appended by its owner's store, in order, at the case's expected position."""
    stores: dict[str, EventStore] = {}
    positions: dict[str, CasePosition] = {}
    recorded: list[RecordedEvent] = []
    for event in h.events:
        owner = event.payload.owner
        store = stores.setdefault(owner, store_for(owner))
        done = await store.append(
            event.case_id,
            [NewEvent(payload=event.payload, occurred_at=event.occurred_at)],
            expected=positions.get(event.case_id, CasePosition()),
            actor=ACTOR,
            command_id=f"cmd-{uuid.uuid4().hex}",
        )
        positions[event.case_id] = CasePosition(seq=done[-1].seq, last_hash=done[-1].hash)
        recorded += done
    return recorded


def report_of_cases(store: ReadModelStore, prefix: str, period: Period, audience: Audience) -> Report:
    """The report over the cases whose ids start with ``prefix`` only."""
    facts = load_facts(store)
    facts.cases = [c for c in facts.cases if c.case_id.startswith(prefix)]
    facts.complaints = [c for c in facts.complaints if str(c["case_id"]).startswith(prefix)]
    return report_from_facts(facts, period, audience, TEST_SCHEME)


def unprefixed(report: Report, prefix: str) -> Report:
    """Case references without the test's prefix, to compare with the hand-worked answers."""
    for section in report.sections:
        for row in section.rows:
            row.cases = [c.removeprefix(prefix) for c in row.cases]
    return report
