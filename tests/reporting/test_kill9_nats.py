"""kill -9 under load: the four services run as real processes on a real nats-server while complete
referrals flow; the reporting service is killed at random moments (at least five times) and every
other service too, each started again. Afterwards every reader has caught up, and:

- the read model equals a clean rebuild from the stream, table by table;
- every case's views equal what a clean replay of its history publishes;
- every reaction's command was applied exactly once (and none is missing);
- nothing was parked: a crash is not poison.

Every consumer on CASES is also deleted twice under the running services: each reader makes
another from its position + 1 and nothing is lost.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import nats
import pytest

from sanctuary.demo.generator import generate
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import service_environment
from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.rebuild import rebuild
from shared.catalogue import load_catalogue
from shared.crypto import KeyStore
from shared.deadletter import list_parked
from shared.eventstore import EventStore
from shared.scheme import load_scheme
from shared.settings import load_settings
from shared.sharing import load_sharing_policy
from tests.conftest import TEST_KEK
from tests.reporting.crash import (
    CONSUMERS,
    Services,
    drive_all,
    kill_and_restart,
    reactions_not_once,
    readers_behind,
    table_rows,
    views_differ,
)
from tests.waiting import until

# Real processes on a busy machine: longer than the suite's per-test limit, still bounded.
pytestmark = [pytest.mark.nats, pytest.mark.timeout(600)]
YEAR = date(2020, 4, 1)
# At most; referrals stop starting once the faults are over (how many depends on the machine).
REFERRALS = int(os.environ.get("SANCTUARY_KILL9_REFERRALS", "200"))
# Reporting five times and each other service twice, in an order no service can rely on; and every
# reader's consumer deleted under the running services, twice. Referrals flow all the while.
PLAN = [
    "reporting",
    "referral",
    CONSUMERS,
    "reporting",
    "assessment",
    "contractor",
    "reporting",
    "referral",
    "reporting",
    "assessment",
    CONSUMERS,
    "contractor",
    "reporting",
]


async def test_kill_9_under_load_loses_reorders_and_repeats_nothing(
    fresh_nats_server: NatsServer, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'read.db'}"
    env = service_environment(fresh_nats_server.url, TEST_KEK)
    env |= {"DATABASE_URL": database, "SANCTUARY_SIGNING_KEYS": str(tmp_path / "keys")}
    settings = load_settings(NATS_URL=fresh_nats_server.url, SANCTUARY_KEK=TEST_KEK, DATABASE_URL=database)
    stories = generate(
        7,
        REFERRALS,
        YEAR,
        load_scheme(settings.scheme_config),
        load_catalogue(settings.catalogue_path),
        case_prefix=f"K{uuid.uuid4().hex[:6]}",
    )
    services = Services(fresh_nats_server.url, env, tmp_path / "logs")
    nc = await nats.connect(fresh_nats_server.url, max_reconnect_attempts=-1)
    keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    try:
        await services.start_all()
        await keys.start()
        rng = random.Random(12)
        started = asyncio.get_running_loop().time()
        faults_over = asyncio.Event()
        load, killed = await asyncio.gather(
            drive_all(nc, stories, YEAR, faults_over, concurrency=2),
            kill_and_restart(nc, services, PLAN, rng, faults_over),
        )
        assert Counter(killed) == Counter(PLAN), "every planned kill and deletion happened"
        assert load.refusals == [], "a complete referral was refused"
        took = asyncio.get_running_loop().time() - started
        print(
            f"{len(load.started)} referrals, {load.sent} commands ({load.resent} sent again) in {took:.0f}s"
        )
        behind: list[str] = []

        async def caught_up() -> bool:
            behind[:] = await readers_behind(nc)
            return not behind

        await until(caught_up, lambda: f"every reader catches up with the stream; behind: {behind}")
        print(f"caught up after {asyncio.get_running_loop().time() - started:.1f}s")

        events = EventStore(nc, keys, "reporting")
        histories = {s.case_id: await events.load(s.case_id) for s in load.started}
        assert reactions_not_once(histories) == []
        assert await views_differ(nc, load_sharing_policy(settings.sharing_policy), histories) == []

        engine = make_engine(database)
        live = ReadModelStore(engine)
        clean = ReadModelStore(engine, base="clean_")
        await rebuild(nc, clean, MonitoringProjection(load_catalogue(settings.catalogue_path)))
        live_rows, clean_rows = table_rows(live), table_rows(clean)
        assert live_rows.keys() == clean_rows.keys()
        for table, rows in clean_rows.items():
            assert live_rows[table] == rows, f"read model table {table} differs from a clean rebuild"
        assert len(live_rows["cases"]) == len(load.started) >= 20
        assert await list_parked(nc) == [], "nothing is parked by a crash"
        engine.dispose()
    finally:
        services.stop_all()
        await keys.stop()
        await nc.close()
