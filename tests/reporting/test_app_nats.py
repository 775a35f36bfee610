"""The running reporting app: its reader projects a history appended to the real CASES stream into
the read models, and the report over this test's cases is the hand-worked one."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.reporting.app import create_app
from services.reporting.readmodel.store import ReadModelStore
from services.reporting.report.model import Audience
from shared.settings import Settings
from tests.reporting.expected_year import CASES, SECTIONS
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
    store: ReadModelStore = service.extras["readmodel"]
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
        assert received.values["Total"] == 8 and received.values["Q1"] is None
    finally:
        await app.stop()
        store.drop_everything()
        store.engine.dispose()
