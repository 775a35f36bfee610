"""The services of the command benchmark (bench/commands.py): a provisioned NATS (one server or a
local cluster) and the real services on it as processes, the key custodian first."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from command_load import cpu_seconds  # bench/command_load.py, beside this script

from sanctuary.cluster import MAX_REPLICAS
from sanctuary.deployconfig import KEYS
from sanctuary.devtools.nats_cluster import NatsCluster
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import (
    ServiceProcess,
    provision_server,
    service_environment,
    start_service,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parent.parent
SERVICES_BUT_REFERRAL = ("assessment", "contractor", "reporting")


async def start_services(names: tuple[str, ...], url: str, work: Path) -> list[ServiceProcess]:
    """The key custodian (alone holding the KEK, as `sanctuary run` starts it) and then ``names``,
    healthy. The custodian comes first in the list."""
    common = {
        "SANCTUARY_SIGNING_KEYS": str(work / "keys"),
        "SANCTUARY_PUBLIC_KEYS": str(work / "keys"),
        "DATABASE_URL": f"sqlite:///{work / 'readmodel.db'}",
    }
    kek = base64.b64encode(os.urandom(32)).decode()
    processes = [start_service(KEYS, service_environment(url, kek) | common, work / "logs", ROOT)]
    try:
        await wait_healthy(url, processes, timeout=120)
        env = service_environment(url, None) | common
        processes += [start_service(name, env, work / "logs", ROOT) for name in names]
        await wait_healthy(url, processes, timeout=120)
    except BaseException:
        for p in reversed(processes):
            p.stop()
        raise
    return processes


@dataclass(frozen=True)
class NatsSystem:
    """A running NATS: its URL (every node's, comma-separated) and its servers' processes."""

    url: str
    pids: tuple[int, ...]

    def cpu_seconds(self) -> float:
        """The CPU its servers have spent so far, together."""
        return sum(cpu_seconds(pid) for pid in self.pids)


@contextlib.asynccontextmanager
async def nats_system(store: Path, cluster: int) -> AsyncIterator[NatsSystem]:
    """A provisioned NATS: one server, or a ``cluster``-node cluster with that many replicas of
    every stream."""
    replicas = min(cluster, MAX_REPLICAS) if cluster else 1
    with contextlib.ExitStack() as stack:
        if cluster:
            nodes = stack.enter_context(NatsCluster(size=cluster, base_dir=store)).nodes
        else:
            nodes = [stack.enter_context(NatsServer(store_dir=store, sync_interval="always"))]
        system = NatsSystem(",".join(n.url for n in nodes), tuple(_pid(n) for n in nodes))
        await provision_server(system.url, replicas)
        yield system


def _pid(server: NatsServer) -> int:
    if server.process is None:
        raise RuntimeError("the server is not running")
    return server.process.pid
