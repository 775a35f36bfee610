"""Restart the three nodes one at a time (each stopped, started again, current before the next)
under a steady command load: nothing acknowledged is lost or duplicated, and the replicas agree."""

from __future__ import annotations

import time

import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from services.referral.app import create_app
from tests.cluster.conftest import start_app
from tests.cluster.load import CommandLoad, Figures, check_against_stream, wait_replicas_equal

pytestmark = pytest.mark.nats


async def test_a_rolling_restart_under_load_loses_nothing(
    cluster: NatsCluster, cluster_settings, cluster_client
) -> None:
    app, _service = create_app(cluster_settings)
    await start_app(cluster_client, app, "referral")
    try:
        load = CommandLoad(cluster_client).start()
        await load.wait_for_more(10)
        started_at = time.monotonic()
        for index in range(cluster.size):
            cluster.stop_node(index)
            cluster.restart(index)
            await load.wait_for_more(5)
        await load.stop()

        figures = Figures("rolling restart of all three nodes")
        figures.seconds_without_service = load.longest_gap(started_at)
        figures.seconds_to_resume = load.resumed_after(started_at)
        await wait_replicas_equal(cluster)
        await check_against_stream(cluster_client, load, figures)
    finally:
        await app.stop()
