"""kill -9 a node that does not lead CASES, under load, and start it again: it catches up, and the
three replicas hold the same messages; nothing acknowledged is lost or duplicated."""

from __future__ import annotations

import time

import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from tests.cluster.load import CommandLoad, check_against_stream, wait_replicas_equal

pytestmark = pytest.mark.nats


async def test_a_killed_follower_catches_up_and_the_replicas_agree(
    cluster: NatsCluster, cluster_client, referral_under_load: CommandLoad, cases_leader: str
) -> None:
    load, leader = referral_under_load, cases_leader
    follower = next(i for i in range(cluster.size) if cluster.node_name(i) != leader)
    killed_at = time.monotonic()
    cluster.kill(follower)
    await load.wait_for_more(15)  # the two others carry on meanwhile
    cluster.restart(follower)
    await load.wait_for_more(10)

    figures = await load.finish("follower killed (kill -9) and restarted", killed_at)
    states = await wait_replicas_equal(cluster)
    print(f"replicas after catch-up: {states}")
    await check_against_stream(cluster_client, load, figures)
