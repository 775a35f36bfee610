"""The running reporting app: its reader projects a history appended to the real CASES stream into
the read models, and the report over this test's cases is the hand-worked one, also when messages
it cannot use come first (parked, and the history after them applied)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from services.reporting.app import create_app
from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.report.model import Audience
from shared.deadletter import list_parked
from shared.events import RecordedEvent
from shared.eventstore import STREAM
from shared.settings import Settings
from tests.reporting.expected_year import CASES, SECTIONS
from tests.reporting.history import History
from tests.reporting.on_nats import append_history, report_of_cases, unprefixed
from tests.reporting.test_report_readmodel import PERIOD
from tests.reporting.year import year
from tests.waiting import until

pytestmark = [pytest.mark.nats, pytest.mark.readmodel]


async def test_the_app_projects_the_stream_into_the_report(settings: Settings, store_for) -> None:
    prefix = f"RP{uuid.uuid4().hex[:8]}-"
    app, service = create_app(
        settings, base=f"t{uuid.uuid4().hex[:10]}_", reader=f"rm-{uuid.uuid4().hex[:8]}"
    )
    store: ReadModelStore = service.parts.monitoring.store
    await app.start()
    try:
        recorded = await append_history(store_for, year(prefix))
        last = recorded[-1].seq
        # The session's stream holds every other test's events too: however long that takes.
        await until(lambda: asyncio.to_thread(lambda: store.position() >= last), "the read model catches up")
        report = unprefixed(report_of_cases(store, prefix, PERIOD, Audience.COORDINATOR), prefix)
        for (title, rows), section in zip(SECTIONS, report.sections, strict=True):
            for (label, values), row in zip(rows, section.rows, strict=True):
                assert row.values == values, f"{title} / {label}"
                assert row.cases == CASES.get((title, label), []), f"cases of {title} / {label}"
        funders = report_of_cases(store, prefix, PERIOD, Audience.FUNDER)
        received = funders.section("Referrals and installations").row("Number of referrals received")
        assert received.values["Q1"] is None  # 3 referrals: hidden for funders
    finally:
        await app.stop()
        store.drop_everything()
        store.engine.dispose()


async def test_poison_before_a_history_is_parked_and_the_history_still_reported(
    settings, store_for, nc
) -> None:
    """Messages the read model cannot use, ahead of a year's history: each is parked at once by the
    app's reader (stream sequence, subject, reason), its position moves past it in the same
    database, and the report over the history that follows is still the hand-worked one. (The
    8 MB body is in tests/test_reader_nats.py, on a server of its own. An overwritten case key does
    not stop the read models, which read no personal field: tests/reporting/test_public_decode.py.)"""
    prefix = f"RX{uuid.uuid4().hex[:8]}-"
    reader = f"rm-{uuid.uuid4().hex[:8]}"
    app, service = create_app(settings, base=f"t{uuid.uuid4().hex[:10]}_", reader=reader)
    store: ReadModelStore = service.parts.monitoring.store
    # A message to spoil: the first event of another year's history, of cases the report leaves out.
    other = year(f"RT{uuid.uuid4().hex[:8]}-")
    template = (await append_history(store_for, part(other.events[:1])))[0]
    good = json.loads((await store_for("referral").read_raw(template.case_id))[0][2])
    subject = f"case.{prefix}POISON.referral.{template.type}"
    poison = [
        b"{not json",
        b"[]",
        b"null",
        b'"str"',
        b"42",
        json.dumps({k: v for k, v in good.items() if k != "type"}).encode(),
        json.dumps(good | {"type": "NoSuchEventType"}).encode(),
        json.dumps(good | {"schema_version": None}).encode(),
        json.dumps(good | {"payload": [1, 2]}).encode(),
        json.dumps(good | {"payload": "DEEP"}).encode().replace(b'"DEEP"', b"[" * 10_000 + b"]" * 10_000),
        json.dumps(good | {"payload": good["payload"] | {"received_on": {"not": "a date"}}}).encode(),
    ]
    js = nc.jetstream()
    parked_seqs = [(await js.publish(subject, data, stream=STREAM)).seq for data in poison]
    await app.start()
    try:
        recorded = await append_history(store_for, year(prefix))
        last = recorded[-1].seq
        await until(lambda: asyncio.to_thread(lambda: store.position() >= last), "the read model catches up")
        parked = await list_parked(nc, reader)
        assert sorted(int(p["Sanctuary-Stream-Seq"]) for p in parked) == parked_seqs
        assert all(p["Sanctuary-Subject"] == subject for p in parked)
        assert all(p["Sanctuary-Reason"].startswith("undecodable: ") for p in parked)
        report = unprefixed(report_of_cases(store, prefix, PERIOD, Audience.COORDINATOR), prefix)
        for (title, rows), section in zip(SECTIONS, report.sections, strict=True):
            for (label, values), row in zip(rows, section.rows, strict=True):
                assert row.values == values, f"{title} / {label}"
        status = service.runtime.health.reader_statuses()
        assert any(s.name == reader and s.parked == len(poison) for s in status)
    finally:
        await app.stop()
        store.drop_everything()
        store.engine.dispose()


def part(events: list[RecordedEvent]) -> History:
    h = History()
    h.events = list(events)
    return h
