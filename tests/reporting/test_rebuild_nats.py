"""Rebuild from a real CASES stream gives the same report as projecting the events one by one."""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pytest

from services.reporting.readmodel.projection import MonitoringProjection
from services.reporting.readmodel.store import ReadModelStore, make_engine
from services.reporting.rebuild import rebuild
from services.reporting.report.compute import compute_report
from services.reporting.report.model import Audience
from services.reporting.report.quarters import Period
from services.reporting.report.settings import ReportSettings
from shared.catalogue import load_catalogue
from shared.decider import CasePosition
from shared.events import Actor, NewEvent, Role
from tests.reporting.history import at, completed, installed, works_order

pytestmark = [pytest.mark.nats, pytest.mark.readmodel]


async def test_rebuild_from_the_stream_matches_live_projection(nc, store_for, tmp_path: Path):
    contractor = store_for("contractor")
    actor = Actor(agency="Test Security Ltd", person="office-1", role=Role.CONTRACTOR_OFFICE)
    project = MonitoringProjection(load_catalogue())
    url = os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'read.db'}")
    store = ReadModelStore(make_engine(url), base=f"t{uuid.uuid4().hex[:10]}_")
    store.ensure()
    try:
        case_id = f"RB-{uuid.uuid4().hex[:10]}"
        events = [
            NewEvent(payload=works_order(at(2024, 4, 10)), occurred_at=at(2024, 4, 8)),
            NewEvent(payload=installed(("DOOR-CHAIN", 2, "15.00")), occurred_at=at(2024, 4, 9)),
            NewEvent(payload=completed(at(2024, 4, 9, 15), "30.00"), occurred_at=at(2024, 4, 9, 15)),
        ]
        recorded = await contractor.append(
            case_id, events, expected=CasePosition(), actor=actor, command_id=f"cmd-{uuid.uuid4().hex}"
        )
        for event in recorded:
            store.apply(event, project)
        period = Period.of(date(2024, 4, 1), date(2025, 3, 31))
        live = compute_report(store, period, Audience.COORDINATOR, ReportSettings()).as_json()
        seen: list[tuple[int, int]] = []
        await rebuild(nc, contractor, store, project, lambda done, total: seen.append((done, total)))
        rebuilt = compute_report(store, period, Audience.COORDINATOR, ReportSettings())
        # The shared stream holds other tests' cases too; this case's rows must be as before.
        assert rebuilt.section("Measures installed").row("Door chain and viewer").values["Q1"] >= 2
        assert seen and seen[-1][0] == seen[-1][1]
        assert store.position() >= recorded[-1].seq
        assert live["sections"][0]["rows"][4]["Q1"] == 1
    finally:
        store.drop_everything()
