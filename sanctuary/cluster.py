"""``sanctuary run --cluster N``: a local N-node JetStream cluster on free loopback ports, for
development and tests, with the services' streams made with N replicas (at most 5, NATS's limit)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from sanctuary.devtools.nats_cluster import NatsCluster
from sanctuary.launcher import LaunchError

MAX_REPLICAS = 5


def start_cluster_for_run(var_dir: Path, size: int, console: Console) -> tuple[str, Callable[[], None]]:
    """Start the nodes (stores under ``var_dir/nats-cluster/n1..``) and wait until JetStream is up
    on all of them. Returns the NATS_URL listing every node and the function that stops them.

    The services started afterwards take SANCTUARY_REPLICAS from this process's environment."""
    try:
        nodes = NatsCluster(size=size, base_dir=var_dir / "nats-cluster").start()
    except (OSError, RuntimeError, TimeoutError) as exc:
        raise LaunchError(f"the {size}-node NATS cluster did not start: {exc}") from None
    os.environ["SANCTUARY_REPLICAS"] = str(min(size, MAX_REPLICAS))
    console.print(
        f"NATS: started a {size}-node JetStream cluster on {nodes.url} "
        f"(stores under {var_dir / 'nats-cluster'}, sync_interval: always, "
        f"streams with {min(size, MAX_REPLICAS)} replicas)"
    )
    return nodes.url, nodes.stop
