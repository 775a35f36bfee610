"""TLS on leaf node connections: a leaf node process, as an agency site would run one, connects to
the cluster's leaf listener over TLS with a certificate of the platform's CA, and a client of that
leaf sends a command the referral service on the cluster answers. A leaf without a certificate is
turned away at the TLS handshake. (Agencies connect as TLS clients,
docs/deploy.md says why; the leaf listener is there for a site that later needs one.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.errors import NoRespondersError

from sanctuary.devtools.devcerts import TlsFiles, make_dev_certs
from sanctuary.devtools.nats_cluster import NatsCluster
from sanctuary.devtools.nats_server import NatsServer
from services.referral.app import create_app
from shared.bus import send_command
from shared.contracts.referral import SubmitReferral
from shared.nats_connect import tls_context
from tests.cluster.conftest import provision_cluster, start_app, tls_service_settings, tls_variables
from tests.cluster.load import new_submission
from tests.conftest import TEST_KEK, running_custodian

pytestmark = pytest.mark.nats


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, TlsFiles]:
    return make_dev_certs(tmp_path / "tls", clients=("services", "site"))


@pytest.fixture
def hub(tmp_path: Path, certs: dict[str, TlsFiles]) -> Iterator[NatsCluster]:
    with NatsCluster(base_dir=tmp_path / "cluster", tls=certs["server"], leafnodes=True) as nodes:
        own = certs["services"]
        provision_cluster(nodes.url, tls=tls_context(own.ca, own.cert, own.key))  # services make no stream
        yield nodes


def leaf_node(tmp_path: Path, hub: NatsCluster, name: str, cert: TlsFiles | None, ca: Path) -> NatsServer:
    """An agency site's own nats-server, a leaf of the cluster (plain on its own loopback port)."""
    tls = f'ca_file: "{ca}"' + (f', cert_file: "{cert.cert}", key_file: "{cert.key}"' if cert else "")
    remote = f'leafnodes {{ remotes: [ {{ urls: ["{hub.leaf_url(1)}"], tls: {{ {tls} }} }} ] }}'
    return NatsServer(store_dir=tmp_path / name, config_extra=f"server_name: {name}\n{remote}").start()


async def command_answered(url: str, deadline_s: float) -> bool:
    """Whether a SubmitReferral sent to ``url`` is answered within the deadline."""
    async with await nats.connect(url) as nc:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + deadline_s
        while loop.time() < deadline:
            try:
                reply = await send_command(nc, SubmitReferral.model_validate(new_submission()), timeout=2)
                return reply.ok
            except NoRespondersError:  # the leaf's link (and its interest) not up yet
                await asyncio.sleep(0.2)
        return False


async def test_a_leaf_node_over_tls_carries_an_agency_command_to_the_cluster(
    hub: NatsCluster, certs: dict[str, TlsFiles], tmp_path: Path
) -> None:
    own = certs["services"]
    tls = tls_variables(own)
    app, _ = create_app(tls_service_settings(hub.url, own, tmp_path / "keys"))
    # The key custodian, the one holder of the KEK: the service asks it for the new case's key.
    async with running_custodian(hub.url, tmp_path / "keys", TEST_KEK, **tls):
        operator = await nats.connect(servers=hub.urls, tls=tls_context(own.ca, own.cert, own.key))
        site = leaf_node(tmp_path, hub, "site", certs["site"], own.ca)
        stranger = leaf_node(tmp_path, hub, "stranger", None, own.ca)
        try:
            await start_app(operator, app, "referral")
            assert await command_answered(site.url, deadline_s=60), "the leaf's command was not answered"
            # The leaf without a certificate is turned away: its log says so, and the hub lists only
            # the site's leaf.
            log = tmp_path / "stranger" / "nats-server.log"
            deadline = asyncio.get_running_loop().time() + 60
            while "Leafnode connection closed" not in log.read_text():
                assert asyncio.get_running_loop().time() < deadline, (
                    "the leaf without a certificate was not refused"
                )
                await asyncio.sleep(0.2)
            assert [leaf["name"] for leaf in hub.varz(1, "leafz")["leafs"]] == ["site"]
        finally:
            site.cleanup()
            stranger.cleanup()
            await operator.close()
            await app.stop()
