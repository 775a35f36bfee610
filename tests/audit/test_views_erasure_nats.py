"""The per-agency views hold personal data in the clear (the contractor needs the client's name,
address and telephone). After erasure they must be gone: not only unreadable through NATS, but
from the VIEWS stream's files on disk. Run on a server of its own, so its files hold only this."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from sanctuary.devtools.nats_server import NatsServer
from services.reporting.views.stream import ensure_views_stream, publish_view, purge_case_views, read_view
from shared.contracts.reporting import CaseView, Recipient, ViewedEvent
from tests.audit.checks import check
from tests.audit.client_events import CLIENT_ADDRESS, CLIENT_NAME, CLIENT_TELEPHONE, SECRETS

pytestmark = pytest.mark.nats
NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


def contractor_view(case_id: str) -> CaseView:
    return CaseView(
        case_id=case_id,
        recipient=Recipient.CONTRACTOR,
        policy_version="2025.1",
        status="shared",
        basis_kind="consent",
        basis="installation+information_sharing",
        events=[
            ViewedEvent(
                event_id="ev-1",
                type="WorksOrderReceived",
                occurred_at=NOW,
                fields={
                    "client_name": CLIENT_NAME,
                    "client_address": CLIENT_ADDRESS,
                    "client_telephone": CLIENT_TELEPHONE,
                },
            )
        ],
        published_at=NOW,
    )


def files_holding(root: Path, needles: list[bytes]) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() for n in needles if n in p.read_bytes())


@asynccontextmanager
async def views_on(server: NatsServer) -> AsyncIterator[tuple[NATS, JetStreamContext]]:
    """A client of ``server`` with the VIEWS stream made, closed at the end."""
    nc = await nats.connect(server.url)
    try:
        js = nc.jetstream()
        await ensure_views_stream(js)
        yield nc, js
    finally:
        await nc.close()


async def test_an_erased_cases_views_are_gone_from_nats(fresh_nats_server: NatsServer) -> None:
    async with views_on(fresh_nats_server) as (nc, js):
        await publish_view(js, contractor_view("VE-1"))
        await publish_view(js, contractor_view("VE-2"))
        await purge_case_views(js, "VE-1")
        assert await read_view(nc, Recipient.CONTRACTOR, "VE-1") is None
        assert await read_view(nc, Recipient.CONTRACTOR, "VE-2") is not None  # other cases untouched


async def test_an_erased_cases_views_are_gone_from_the_disk(fresh_nats_server: NatsServer) -> None:
    async with views_on(fresh_nats_server) as (_, js):
        await publish_view(js, contractor_view("VE-3"))
        # Another case's view published after it keeps the block file alive, as in real use.
        other = contractor_view("VE-4").model_copy(update={"events": []})
        await publish_view(js, other)
        await purge_case_views(js, "VE-3")
    fresh_nats_server.stop()
    assert fresh_nats_server.store_dir is not None
    leaked = files_holding(Path(fresh_nats_server.store_dir), [s.encode() for s in SECRETS])
    check(leaked == 0, f"personal values of an erased case in {leaked} place(s) on disk")
