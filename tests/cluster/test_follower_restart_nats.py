"""kill -9 a node that does not lead CASES, under load, and start it again: it catches up, and the
three replicas hold the same messages; nothing acknowledged is lost or duplicated."""

from __future__ import annotations

import time

import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from services.referral.app import create_app
from tests.cluster.conftest import start_app
from tests.cluster.load import CommandLoad, Figures, check_against_stream, current_leader, wait_replicas_equal

pytestmark = pytest.mark.nats


async def test_a_killed_follower_catches_up_and_the_replicas_agree(
    cluster: NatsCluster, cluster_settings, cluster_client
) -> None:
    app, _service = create_app(cluster_settings)
    await start_app(cluster_client, app, "referral")
    try:
        load = CommandLoad(cluster_client).start()
        await load.wait_for_more(10)
        leader = await current_leader(cluster_client)
        follower = next(i for i in range(cluster.size) if cluster.node_name(i) != leader)
        killed_at = time.monotonic()
        cluster.kill(follower)
        await load.wait_for_more(15)  # the two others carry on meanwhile
        cluster.restart(follower)
        await load.wait_for_more(10)
        await load.stop()

        figures = Figures("follower killed (kill -9) and restarted")
        figures.seconds_without_service = load.longest_gap(killed_at)
        figures.seconds_to_resume = load.resumed_after(killed_at)
        states = await wait_replicas_equal(cluster)
        print(f"replicas after catch-up: {states}")
        await check_against_stream(cluster_client, load, figures)
    finally:
        await app.stop()
