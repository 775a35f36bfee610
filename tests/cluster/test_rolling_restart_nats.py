"""Restart the three nodes one at a time (each stopped, started again, current before the next)
under a steady command load: nothing acknowledged is lost or duplicated, and the replicas agree."""

from __future__ import annotations

import time

import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from tests.cluster.load import CommandLoad, check_against_stream, wait_replicas_equal

pytestmark = pytest.mark.nats


async def test_a_rolling_restart_under_load_loses_nothing(
    cluster: NatsCluster, cluster_client, referral_under_load: CommandLoad
) -> None:
    load = referral_under_load
    started_at = time.monotonic()
    for index in range(cluster.size):
        cluster.stop_node(index)
        cluster.restart(index)
        await load.wait_for_more(5)

    figures = await load.finish("rolling restart of all three nodes", started_at)
    await wait_replicas_equal(cluster)
    await check_against_stream(cluster_client, load, figures)
