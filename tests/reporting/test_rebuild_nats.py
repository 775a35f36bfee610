"""Rebuild from a real CASES stream gives the same report as projecting the events one by one, and
the hand-worked answers, for this test's cases (the session's stream holds other tests' cases too)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from services.reporting.readmodel.projection import MonitoringProjection
from services.reporting.readmodel.store import ReadModelStore, make_engine
from services.reporting.rebuild import rebuild
from services.reporting.report.model import Audience
from shared.catalogue import load_catalogue
from tests.reporting.expected_year import CASES, SECTIONS
from tests.reporting.on_nats import append_history, report_of_cases, unprefixed
from tests.reporting.test_report_readmodel import PERIOD
from tests.reporting.year import year

pytestmark = [pytest.mark.nats, pytest.mark.readmodel]


async def test_rebuild_from_the_stream_matches_live_projection(nc, store_for, tmp_path: Path) -> None:
    prefix = f"RB{uuid.uuid4().hex[:8]}-"
    project = MonitoringProjection(load_catalogue())
    url = os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'read.db'}")
    store = ReadModelStore(make_engine(url), base=f"t{uuid.uuid4().hex[:10]}_")
    store.ensure()
    try:
        recorded = await append_history(store_for, year(prefix))
        for event in recorded:
            store.apply(event, project)
        live = report_of_cases(store, prefix, PERIOD, Audience.COORDINATOR).as_json()
        seen: list[tuple[int, int]] = []
        await rebuild(
            nc, store_for("reporting"), store, project, lambda done, total: seen.append((done, total))
        )
        assert store.active_generation() == 2
        assert seen and seen[-1][0] == seen[-1][1] >= recorded[-1].seq
        assert store.position() >= recorded[-1].seq
        rebuilt = report_of_cases(store, prefix, PERIOD, Audience.COORDINATOR)
        assert rebuilt.as_json() == live
        unprefixed(rebuilt, prefix)
        for (title, rows), section in zip(SECTIONS, rebuilt.sections, strict=True):
            for (label, values), row in zip(rows, section.rows, strict=True):
                assert row.values == values, f"{title} / {label}"
                assert row.cases == CASES.get((title, label), []), f"cases of {title} / {label}"
    finally:
        store.drop_everything()
        store.engine.dispose()
