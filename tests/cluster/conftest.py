"""A 3-node cluster of real nats-server processes per test, the services' settings for it, and the
fault tests' figures printed at the end of the run."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError

from sanctuary.devtools.devcerts import TlsFiles
from sanctuary.devtools.nats_cluster import NatsCluster
from sanctuary.provision import provision
from services.referral.app import create_app as referral_app
from shared.nats_connect import server_list
from shared.settings import Settings, load_settings
from tests.cluster.load import FIGURES, CommandLoad, client, current_leader
from tests.conftest import TEST_KEK, running_custodian

# What a refused connection raises, depending on where the server refused it (TLS or CONNECT).
REFUSED = (NoServersError, NatsError, ssl.SSLError, OSError, TimeoutError)


def tls_variables(files: TlsFiles) -> dict[str, str]:
    """The settings' variables of a TLS client with these certificate files."""
    return {"NATS_TLS_CA": str(files.ca), "NATS_TLS_CERT": str(files.cert), "NATS_TLS_KEY": str(files.key)}


def tls_service_settings(url: str, files: TlsFiles, signing_dir: Path) -> Settings:
    """A service's settings on a 3-node cluster, as a TLS client with these certificate files."""
    return load_settings(
        NATS_URL=url, **tls_variables(files), SANCTUARY_REPLICAS="3", SANCTUARY_SIGNING_KEYS=str(signing_dir)
    )


def provision_cluster(url: str, replicas: int = 3, **options: Any) -> None:
    """``sanctuary provision`` on the cluster, every stream and bucket with ``replicas`` (services
    make none), from a thread of its own so that it works whether or not a loop is running.
    ``options`` go to the connection (tls, inbox_prefix for the administrator, ...)."""

    async def run() -> None:
        nc = await nats.connect(server_list(url), connect_timeout=10, **options)
        try:
            await provision(nc, replicas)
        finally:
            await nc.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    with NatsCluster(base_dir=tmp_path / "cluster") as nodes:
        provision_cluster(nodes.url)
        yield nodes


@pytest.fixture
async def cluster_custodian(cluster: NatsCluster, signing_dir: Path) -> AsyncIterator[None]:
    """The key custodian on the cluster: the services ask it for every case key."""
    async with running_custodian(cluster.url, signing_dir):
        yield


@pytest.fixture
def cluster_settings(
    cluster: NatsCluster, tmp_path: Path, signing_dir: Path, cluster_custodian: None
) -> Settings:
    return load_settings(
        NATS_URL=cluster.url,
        SANCTUARY_KEK=TEST_KEK,
        SANCTUARY_REPLICAS="3",
        DATABASE_URL=f"sqlite:///{tmp_path / 'read.db'}",
        SANCTUARY_SIGNING_KEYS=str(signing_dir),
    )


@pytest.fixture
async def cluster_client(cluster: NatsCluster) -> AsyncIterator[Any]:
    nc = await client(cluster.urls)
    yield nc
    await nc.close()


async def start_app(nc: Any, app: Any, service: str, deadline_s: float = 60.0) -> None:
    """Start a service's app and wait until it answers health (its subscriptions are in place)."""
    await app.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while loop.time() < deadline:
        with contextlib.suppress(NoRespondersError, NatsTimeoutError):
            await nc.request(f"health.{service}", b"", timeout=1)
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the {service} service did not come up")


@pytest.fixture
async def referral_under_load(cluster_settings: Settings, cluster_client: Any) -> AsyncIterator[CommandLoad]:
    """The referral service on the cluster under a steady load of SubmitReferral, ten of them
    already acknowledged; the load and then the service are stopped after the test."""
    app, _service = referral_app(cluster_settings)
    await start_app(cluster_client, app, "referral")
    load = CommandLoad(cluster_client).start()
    try:
        await load.wait_for_more(10)
        yield load
    finally:
        await load.abandon()
        await app.stop()


@pytest.fixture
async def cases_leader(cluster_client: Any, referral_under_load: CommandLoad) -> str:
    """The name of the node that leads CASES once the load runs."""
    return await current_leader(cluster_client)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("cluster fault figures")
        for figures in FIGURES:
            terminalreporter.write_line(figures.line())
