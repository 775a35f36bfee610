"""kill -9 the CASES stream's leader under a steady command load: a new leader is elected, commands
resume, and every acknowledged event is in the stream exactly once."""

from __future__ import annotations

import time

import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from tests.cluster.load import CommandLoad, check_against_stream, wait_new_leader

pytestmark = pytest.mark.nats


async def test_killing_the_cases_leader_loses_and_duplicates_nothing(
    cluster: NatsCluster, cluster_client, referral_under_load: CommandLoad, cases_leader: str
) -> None:
    load, leader = referral_under_load, cases_leader
    killed_at = time.monotonic()
    cluster.kill(int(leader.removeprefix("n")) - 1)

    seconds_to_leader = await wait_new_leader(cluster_client, leader, killed_at)
    await load.wait_for_more(15)
    figures = await load.finish("CASES leader killed (kill -9)", killed_at)
    figures.seconds_to_leader = seconds_to_leader
    await check_against_stream(cluster_client, load, figures)
