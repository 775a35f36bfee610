"""The VIEWS stream keeps no view on the server's disk: a superseded version is not left behind,
and a stream stored on disk by an older release is moved into memory at start-up, its files gone.
Each test runs on a server of its own, so its files hold only what the test put there."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import nats
import pytest
from nats.js.api import StorageType

from sanctuary.devtools.nats_server import NatsServer
from services.reporting.views.stream import (
    VIEWS_STREAM,
    ensure_views_stream,
    publish_view,
    read_view,
    views_stream_config,
)
from shared.contracts.reporting import Recipient
from tests.audit.checks import check
from tests.audit.client_events import SECRETS
from tests.audit.test_views_erasure_nats import contractor_view, files_holding

pytestmark = pytest.mark.nats


def leaked(server: NatsServer) -> int:
    assert server.store_dir is not None
    return files_holding(Path(server.store_dir), [s.encode() for s in SECRETS])


async def test_a_superseded_view_is_not_left_on_the_disk(bare_nats_server: NatsServer) -> None:
    nc = await nats.connect(bare_nats_server.url)
    try:
        js = nc.jetstream()
        check(await ensure_views_stream(js), "a new server's views stream is created")
        await publish_view(js, contractor_view("VS-1"))
        # Consent withdrawn: the removal notice replaces the view that held the client's details.
        removal = contractor_view("VS-1").model_copy(
            update={"status": "removed", "events": [], "basis": None, "basis_kind": None}
        )
        await publish_view(js, removal)
        current = await read_view(nc, Recipient.CONTRACTOR, "VS-1")
        check(current is not None and current.status == "removed", "the removal notice is the view")
        info = await js.stream_info(VIEWS_STREAM)
        check(info.state.messages == 1, "only the current version is held")
    finally:
        await nc.close()
    bare_nats_server.stop()
    found = leaked(bare_nats_server)
    check(found == 0, f"personal values of a superseded view in {found} place(s) on disk")


async def test_a_views_stream_stored_on_disk_is_moved_into_memory(bare_nats_server: NatsServer) -> None:
    nc = await nats.connect(bare_nats_server.url)
    try:
        js = nc.jetstream()
        # As an older release made it: on disk, holding a view with the client's details.
        await js.add_stream(replace(views_stream_config(), storage=StorageType.FILE))
        await publish_view(js, contractor_view("VS-2"))
        await nc.flush()
        check(leaked(bare_nats_server) > 0, "the old stream held the view on disk")

        check(await ensure_views_stream(js), "moving the stream counts as creating it: views are republished")
        info = await js.stream_info(VIEWS_STREAM)
        check(info.config.storage == StorageType.MEMORY, "VIEWS now held in memory")
        check(info.state.messages == 0, "the old views went with the old stream")
        check(not await ensure_views_stream(js), "a stream already in memory is kept")
    finally:
        await nc.close()
    bare_nats_server.stop()
    found = leaked(bare_nats_server)
    check(found == 0, f"personal values of the old stream's views in {found} place(s) on disk")
