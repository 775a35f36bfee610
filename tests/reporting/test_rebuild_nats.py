"""Rebuild from a real CASES stream gives the same report as projecting the events one by one, and
the hand-worked answers, for this test's cases (the session's stream holds other tests' cases too),
whether it projects in its own process or in worker processes; a rebuild while the live reader
projects new events ends equal to a clean rebuild, with workers or without; and one whose workers
cannot reach the server stops and changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import NoServersError

from sanctuary.devtools.nats_server import free_port
from services.reporting.app import create_app
from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.rebuild import WORKER_CONSUMERS, rebuild
from services.reporting.monitoring.report.model import Audience
from shared.catalogue import load_catalogue
from shared.eventstore import STREAM
from shared.settings import load_settings
from tests.reporting.crash import table_rows
from tests.reporting.expected_year import CASES, SECTIONS
from tests.reporting.on_nats import append_history, report_of_cases, unprefixed
from tests.reporting.test_rebuild_workers import workers_of
from tests.reporting.test_report_readmodel import PERIOD
from tests.reporting.year import year
from tests.waiting import until

pytestmark = [pytest.mark.nats, pytest.mark.readmodel]


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "two-workers"])
async def test_rebuild_from_the_stream_matches_live_projection(
    nc, nats_server, store_for, tmp_path: Path, workers: int
) -> None:
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
        # The workers read the stream on connections of their own, made with these settings, each
        # span through a consumer of the worker's own: none is read by direct get of the whole stream.
        bus = load_settings(NATS_URL=nats_server.url)
        async with (
            _watching(nc, f"$JS.API.CONSUMER.CREATE.{STREAM}.*") as made,
            _watching(nc, f"$JS.API.DIRECT.GET.{STREAM}") as direct_gets,
        ):
            await rebuild(nc, store, project, lambda done, total: seen.append((done, total)), workers, bus)
        if workers:
            assert made and {m.subject.rpartition(".")[2] for m in made} <= set(WORKER_CONSUMERS)
            assert not [m for m in direct_gets if json.loads(m.data).get("next_by_subj") == ">"]
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


@contextlib.asynccontextmanager
async def _watching(nc: NATS, subject: str) -> AsyncIterator[list[Msg]]:
    """The requests made on ``subject`` meanwhile (this test's server has no permissions)."""
    heard: list[Msg] = []

    async def hear(msg: Msg) -> None:
        heard.append(msg)

    sub = await nc.subscribe(subject, cb=hear)
    try:
        yield heard
        await nc.flush()
    finally:
        await sub.unsubscribe()


async def test_a_rebuild_whose_workers_cannot_reach_the_server_stops_and_changes_nothing(
    nc, store_for, tmp_path: Path
) -> None:
    """Workers connect with the settings they are given: when those name a server that is not
    there, the rebuild stops with nats-py's error (after a few attempts, not nats-py's two minutes
    of them), before any swap: the live tables are as they were, and no worker is left."""
    project = MonitoringProjection(load_catalogue())
    store = ReadModelStore(
        make_engine(f"sqlite:///{tmp_path / 'read.db'}"), base=f"t{uuid.uuid4().hex[:10]}_"
    )
    try:
        await append_history(store_for, year(f"RW{uuid.uuid4().hex[:8]}-"))
        await rebuild(nc, store, project)
        live, generation = table_rows(store), store.active_generation()
        nowhere = load_settings(NATS_URL=f"nats://127.0.0.1:{free_port()}")
        with pytest.raises(NoServersError):
            await rebuild(nc, store, project, None, 1, nowhere)
        assert store.active_generation() == generation
        assert table_rows(store) == live
        await until(lambda: not workers_of(os.getpid()), "no worker process is left")
    finally:
        store.drop_everything()
        store.engine.dispose()


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "two-workers"])
async def test_rebuild_while_events_flow_ends_equal_to_a_clean_rebuild(
    settings, store_for, nc, workers: int
) -> None:
    """The live reader keeps projecting while two rebuilds swap new tables in under it (and bring
    them up to date after the swap, in workers too); once the flow stops and every reader has caught
    up, the live tables equal a clean rebuild's."""
    app, service = create_app(
        settings, base=f"t{uuid.uuid4().hex[:10]}_", reader=f"rm-{uuid.uuid4().hex[:8]}"
    )
    store: ReadModelStore = service.parts.monitoring.store
    clean = ReadModelStore(store.engine, base=f"c{uuid.uuid4().hex[:10]}_")
    project = MonitoringProjection(load_catalogue())
    await app.start()
    try:
        flowing = asyncio.create_task(flow(store_for, years=6))
        rebuilt = 0
        while not flowing.done() or rebuilt < 2:
            await rebuild(nc, store, project, None, workers, settings)
            rebuilt += 1
        await flowing
        assert store.active_generation() >= 3

        async def settled() -> bool:
            last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
            statuses = service.runtime.health.reader_statuses()
            return all(s.position >= last and s.lag == 0 for s in statuses)

        await until(settled, "every reader of the app catches up")
        await rebuild(nc, clean, project)
        live_rows, clean_rows = table_rows(store), table_rows(clean)
        for table, rows in clean_rows.items():
            assert live_rows[table] == rows, f"table {table} differs from a clean rebuild"
    finally:
        await app.stop()
        store.drop_everything()
        clean.drop_everything()
        store.engine.dispose()


async def flow(store_for, years: int) -> None:
    """Hand-built years of cases appended one after another, as the services would."""
    for _ in range(years):
        await append_history(store_for, year(f"RF{uuid.uuid4().hex[:8]}-"))
