"""kill -9 the CASES stream's leader under a steady command load: a new leader is elected, commands
resume, and every acknowledged event is in the stream exactly once."""

from __future__ import annotations

import time

import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from services.referral.app import create_app
from tests.cluster.conftest import start_app
from tests.cluster.load import CommandLoad, Figures, check_against_stream, current_leader, wait_new_leader

pytestmark = pytest.mark.nats


async def test_killing_the_cases_leader_loses_and_duplicates_nothing(
    cluster: NatsCluster, cluster_settings, cluster_client
) -> None:
    app, _service = create_app(cluster_settings)
    await start_app(cluster_client, app, "referral")
    try:
        load = CommandLoad(cluster_client).start()
        await load.wait_for_more(15)
        leader = await current_leader(cluster_client)
        killed_at = time.monotonic()
        cluster.kill(int(leader.removeprefix("n")) - 1)

        figures = Figures("CASES leader killed (kill -9)")
        figures.seconds_to_leader = await wait_new_leader(cluster_client, leader, killed_at)
        await load.wait_for_more(15)
        await load.stop()
        figures.seconds_without_service = load.longest_gap(killed_at)
        figures.seconds_to_resume = load.resumed_after(killed_at)
        await check_against_stream(cluster_client, load, figures)
    finally:
        await app.stop()
