"""The node a service is connected to dies (kill -9) under load: the service reconnects to another
node, commands resume, and its stream reader (the reporting read model) resumes and reaches the
end of the stream without losing or parking anything."""

from __future__ import annotations

import asyncio
import time

import pytest
from nats.js.api import StorageType

from sanctuary.devtools.nats_cluster import NatsCluster
from services.referral.app import create_app as referral_app
from services.reporting.app import create_app as reporting_app
from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.views.stream import VIEWS_STREAM
from tests.cluster.conftest import start_app
from tests.cluster.load import CommandLoad, check_against_stream
from tests.waiting import until

pytestmark = pytest.mark.nats


async def test_a_service_whose_node_dies_reconnects_and_its_reader_loses_nothing(
    cluster: NatsCluster, cluster_settings, cluster_client
) -> None:
    referral, _ = referral_app(cluster_settings)
    reporting, service = reporting_app(cluster_settings, base="cluster_rm", reader="cluster-rm")
    await start_app(cluster_client, referral, "referral")
    await start_app(cluster_client, reporting, "reporting")
    try:
        # VIEWS, a projection, is kept in memory and still replicated on all three nodes.
        views = await cluster_client.jetstream().stream_info(VIEWS_STREAM)
        assert views.config.storage == StorageType.MEMORY and views.config.num_replicas == 3
        assert views.cluster is not None and len(views.cluster.replicas or []) == 2

        load = CommandLoad(cluster_client).start()
        await load.wait_for_more(10)
        nc = service.runtime.nc
        assert nc is not None and nc.connected_url is not None
        node = cluster.ports.index(next(p for p in cluster.ports if p.client == nc.connected_url.port))
        killed_at = time.monotonic()
        cluster.kill(node)
        await load.wait_for_more(15)
        figures = await load.finish("a service's node killed (kill -9)", killed_at)
        await check_against_stream(cluster_client, load, figures)
        # Commands resumed through the referral service; the reporting service reconnects on its own
        # schedule (a busy machine may be trying the dead node when the load ends).
        dead = cluster.ports[node].client
        await until(
            lambda: nc.is_connected and nc.connected_url is not None and nc.connected_url.port != dead,
            "the reporting service to reconnect to another node",
        )

        # Its reader resumes: the read model reaches the stream's last event, nothing parked.
        store: ReadModelStore = service.parts.monitoring.store
        last = (await cluster_client.jetstream().stream_info("CASES")).state.last_seq
        deadline = time.monotonic() + 90
        while (position := await asyncio.to_thread(store.position)) < last:
            if time.monotonic() > deadline:
                statuses = service.runtime.health.reader_statuses()
                raise AssertionError(
                    f"the read model did not catch up after the reconnect: at {position} of {last}; "
                    f"readers: {[s.as_dict() for s in statuses]}"
                )
            await asyncio.sleep(0.2)
        for reader in service.runtime.health.reader_statuses():
            assert reader.parked == 0, f"{reader.name} parked events after the reconnect"
        print(f"reporting reconnected from n{node + 1}; read model at {last} of {last}")
    finally:
        await reporting.stop()
        await referral.stop()
