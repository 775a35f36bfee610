"""The VIEWS stream lives in memory: a server restart loses it. A reporting service started
against such a server publishes every case's current view again, and one already running
republishes them when it finds the stream gone; neither records any disclosure twice, and an
erased case gets no view back. Each test runs on a server of its own, which it restarts."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from faststream import FastStream
from nats.aio.client import Client as NATS
from nats.js.api import StorageType
from nats.js.errors import NotFoundError

from sanctuary.devtools.nats_server import NatsServer
from services.reporting.views.disclosures import views_decider
from services.reporting.views.stream import VIEWS_STREAM, read_view
from services.reporting.views.wiring import Views
from shared.contracts.audit import CasePersonalDataErased, ErasureBasis
from shared.contracts.referral import ConsentRecorded, ConsentWithdrawn
from shared.contracts.reporting import ConsentPurpose, Recipient
from shared.crypto import KeyStore
from shared.eventstore import EventStore, ensure_stream
from shared.service import create_service_app
from shared.settings import Settings, load_settings
from shared.signing import load_or_create_signer
from tests.conftest import provisioned, running_custodian
from tests.reporting.test_views_nats import (
    COORDINATOR,
    CPO,
    NOW,
    POLICY,
    all_shared,
    append,
    check,
    dash,
    disclosures,
    fire_flag,
    referral,
    wait_for,
)
from tests.waiting import until

pytestmark = pytest.mark.nats

KEK = base64.b64encode(b"r" * 32).decode()


@dataclass
class Scheme:
    """A server of the test's own, the settings a service needs for it, and a client that appends."""

    server: NatsServer
    settings: Settings
    nc: NATS
    signing_dir: Path

    def store(self, owner: str, keys: KeyStore) -> EventStore:
        return EventStore(self.nc, keys, owner, load_or_create_signer(self.signing_dir, owner))

    async def restart_server(self) -> None:
        """Stop and start the server on the same port and store: CASES survives, VIEWS does not."""
        self.server.stop()
        self.server.start()

        async def cases_back() -> bool:
            if not self.nc.is_connected:
                return False
            try:
                await self.nc.jetstream().stream_info("CASES")
            except Exception:  # JetStream still recovering its streams: ask again
                return False
            return True

        await until(cases_back, "the client reconnects to the restarted server")


@pytest.fixture
async def scheme(fresh_nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[Scheme]:
    signing_dir = tmp_path / "signing"
    settings = load_settings(
        NATS_URL=fresh_nats_server.url,
        SANCTUARY_KEK=KEK,
        DATABASE_URL=f"sqlite:///{tmp_path / 'read.db'}",
        SANCTUARY_SIGNING_KEYS=str(signing_dir),
        SANCTUARY_LOG_JSON="true",
    )
    nc = await nats.connect(fresh_nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    await ensure_stream(nc.jetstream())
    # The services ask the key custodian for case keys.
    async with running_custodian(fresh_nats_server.url, signing_dir, KEK):
        yield Scheme(fresh_nats_server, settings, nc, signing_dir)
    await nc.close()


async def keys_of(scheme: Scheme) -> KeyStore:
    keys = KeyStore(scheme.nc.jetstream(), base64.b64decode(KEK))
    await keys.start()
    return keys


async def start_views(settings: Settings) -> FastStream:
    # The production durable and subjects: this server is ours.
    app, _ = create_service_app(settings, "reporting", views_decider(POLICY), commands=[], parts=Views)
    await app.start()
    return app


async def shared_case(scheme: Scheme, keys: KeyStore, case_id: str) -> None:
    """A case every recipient may see: the referral, every consent, the DASH and the fire flag."""
    consents = [
        ConsentRecorded(purpose=p, given=True, recorded_by=COORDINATOR, recorded_at=NOW)
        for p in ConsentPurpose
    ]
    await append(scheme.store("referral", keys), case_id, COORDINATOR, referral())
    await append(scheme.store("referral", keys), case_id, COORDINATOR, *consents)
    await append(scheme.store("assessment", keys), case_id, CPO, dash(), fire_flag())


async def shared_cases(scheme: Scheme, keys: KeyStore, count: int) -> list[str]:
    """``count`` new cases, each shared as ``shared_case`` shares it."""
    case_ids = [f"VR-{uuid.uuid4().hex[:12]}" for _ in range(count)]
    for case_id in case_ids:
        await shared_case(scheme, keys, case_id)
    return case_ids


async def erase(scheme: Scheme, keys: KeyStore, case_id: str) -> None:
    erased = CasePersonalDataErased(basis=ErasureBasis.DATA_SUBJECT_REQUEST, reason="client asked")
    await append(scheme.store("reporting", keys), case_id, COORDINATOR, erased)


async def views_stream_exists(nc: NATS) -> bool:
    try:
        await nc.jetstream().stream_info(VIEWS_STREAM)
    except NotFoundError:
        return False
    return True


async def views_stream_back(nc: NATS) -> None:
    await until(lambda: views_stream_exists(nc), "the views stream is created again")


async def no_views(nc: NATS, case_id: str) -> bool:
    return [await read_view(nc, r, case_id) for r in Recipient] == [None] * len(Recipient)


async def test_a_service_started_after_the_views_were_lost_republishes_them_recording_nothing_twice(
    scheme: Scheme,
) -> None:
    keys = await keys_of(scheme)
    kept, erased = await shared_cases(scheme, keys, 2)
    app = await start_views(scheme.settings)
    try:
        before = await wait_for(scheme.nc, kept, all_shared)
        await wait_for(scheme.nc, erased, all_shared)
        await erase(scheme, keys, erased)
        await wait_for(scheme.nc, erased, lambda vs: all(v is None for v in vs.values()))
    finally:
        await app.stop()
    recorded = await disclosures(scheme.store("referral", keys), kept)
    check({d.recipient for d in recorded} == set(Recipient), "one disclosure per recipient before restart")

    await scheme.restart_server()
    check(not await views_stream_exists(scheme.nc), "the restart lost the views")
    provisioned(scheme.server)  # VIEWS made again, empty, by provisioning (never by the service)

    app = await start_views(scheme.settings)
    try:
        after = await wait_for(scheme.nc, kept, all_shared)
        for recipient in Recipient:
            old, new = before[recipient], after[recipient]
            assert old is not None and new is not None
            check(
                old.model_dump(exclude={"published_at"}) == new.model_dump(exclude={"published_at"}),
                f"{recipient.value} view republished as it was",
            )
        check(await no_views(scheme.nc, erased), "an erased case gets no view back")
        check(
            await disclosures(scheme.store("referral", keys), kept) == recorded,
            "the replay recorded no disclosure again",
        )
        check(await disclosures(scheme.store("referral", keys), erased) != [], "erased case kept its record")
    finally:
        await app.stop()
        await keys.stop()


async def test_a_running_service_republishes_the_views_when_the_server_lost_them(scheme: Scheme) -> None:
    keys = await keys_of(scheme)
    first, second = await shared_cases(scheme, keys, 2)
    app = await start_views(scheme.settings)
    try:
        await wait_for(scheme.nc, first, all_shared)
        await wait_for(scheme.nc, second, all_shared)
        recorded = {c: await disclosures(scheme.store("referral", keys), c) for c in (first, second)}

        restarted = datetime.now(UTC)
        await scheme.restart_server()
        info = await scheme.nc.jetstream().stream_info("CASES")
        check(info.state.messages > 0, "the cases survived the restart")
        provisioned(scheme.server)  # VIEWS made again, empty, by provisioning (never by the service)

        # No case event follows: the service notices the reconnect and publishes every view again.
        await views_stream_back(scheme.nc)
        info = await scheme.nc.jetstream().stream_info(VIEWS_STREAM)
        check(info.created is not None and info.created >= restarted, "VIEWS was lost and made again")
        await wait_for(scheme.nc, first, all_shared)
        await wait_for(scheme.nc, second, all_shared)
        for case_id in (first, second):
            check(
                await disclosures(scheme.store("referral", keys), case_id) == recorded[case_id],
                "republishing recorded no disclosure again",
            )

        # The rewound reader goes on reading new events.
        withdrawn = ConsentWithdrawn(
            purpose=ConsentPurpose.INFORMATION_SHARING, recorded_by=COORDINATOR, withdrawn_at=NOW
        )
        await append(scheme.store("referral", keys), first, COORDINATOR, withdrawn)
        await wait_for(
            scheme.nc, first, lambda vs: all(v is not None and v.status == "removed" for v in vs.values())
        )
        check(
            await disclosures(scheme.store("referral", keys), first) == recorded[first],
            "a withdrawal records no disclosure",
        )
        stream = await scheme.nc.jetstream().stream_info(VIEWS_STREAM)
        check(stream.config.storage == StorageType.MEMORY, "VIEWS held in memory")
    finally:
        await app.stop()
        await keys.stop()
