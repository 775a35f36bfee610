"""An agency's own system connecting from its own site: over TLS, to any node of the 3-node
cluster, as its own NATS user (deploy/nats-users.conf) with a client certificate from the
platform's CA. A referrer's system submits a referral and the referral service, itself a TLS client
of another node, answers. A plain connection, TLS without a client certificate, a certificate from
another CA, and a wrong password are each refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from sanctuary.deployconfig import ADMIN, KEYS, OPERATOR
from sanctuary.devtools.devcerts import TlsFiles, make_dev_certs
from sanctuary.devtools.nats_cluster import NatsCluster
from services.referral.app import create_app
from shared.bus import send_command
from shared.contracts.referral import SubmitReferral
from shared.nats_connect import tls_context
from shared.runtime import inbox_prefix
from shared.settings import REPO_ROOT
from tests.cluster.conftest import REFUSED, provision_cluster, start_app, tls_service_settings, tls_variables
from tests.cluster.load import new_submission
from tests.conftest import TEST_KEK, running_custodian
from tests.platform.conftest import USERS, password

pytestmark = pytest.mark.nats


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, TlsFiles]:
    return make_dev_certs(tmp_path / "tls", clients=("referral", "referrer"))


@pytest.fixture
def tls_cluster(
    tmp_path: Path, certs: dict[str, TlsFiles], monkeypatch: pytest.MonkeyPatch
) -> Iterator[NatsCluster]:
    for user in USERS:
        monkeypatch.setenv(f"NATS_{user.upper()}_PASSWORD", password(user))
    with NatsCluster(
        base_dir=tmp_path / "cluster",
        tls=certs["server"],
        verify_clients=True,
        include=REPO_ROOT / "deploy" / "nats-users.conf",
        leafnodes=True,
    ) as nodes:
        # Provisioned by its administrator, a TLS client like everyone (services make no stream).
        admin = certs["referral"]
        provision_cluster(
            ",".join(as_user(nodes, ADMIN)),
            tls=tls_context(admin.ca, admin.cert, admin.key),
            inbox_prefix=inbox_prefix(ADMIN),
        )
        yield nodes


def as_user(nodes: NatsCluster, user: str, index: int | None = None) -> list[str]:
    urls = nodes.urls if index is None else [nodes.urls[index]]
    return [u.replace("tls://", f"tls://{user}:{password(user)}@") for u in urls]


async def test_an_agency_submits_over_tls_with_its_own_credentials(
    tls_cluster: NatsCluster, certs: dict[str, TlsFiles], tmp_path: Path
) -> None:
    service = certs["referral"]
    tls = tls_variables(service)
    app, _ = create_app(
        tls_service_settings(",".join(as_user(tls_cluster, "referral", 0)), service, tmp_path / "keys")
    )
    agency = certs["referrer"]
    # The agency reaches another node than the service: the cluster routes the command. Its user is
    # in its agency's account, whose replies come to its own inbox prefix only.
    referrer = await nats.connect(
        servers=as_user(tls_cluster, "referrer", 2),
        tls=tls_context(agency.ca, agency.cert, agency.key),
        inbox_prefix=inbox_prefix("referrer"),
    )
    try:
        assert referrer.connected_url is not None and referrer.connected_url.scheme == "tls"
        # The key custodian (the one holder of the KEK), as its own user and a TLS client too.
        keys_url = ",".join(as_user(tls_cluster, KEYS, 1))
        async with running_custodian(keys_url, tmp_path / "keys", TEST_KEK, **tls):
            try:
                operator = await nats.connect(
                    servers=as_user(tls_cluster, OPERATOR, 1),
                    tls=tls_context(service.ca, service.cert, service.key),
                    inbox_prefix=inbox_prefix(OPERATOR),
                )
                try:
                    await start_app(operator, app, "referral")
                finally:
                    await operator.close()
                body = new_submission()
                reply = await send_command(referrer, SubmitReferral.model_validate(body))
                assert reply.ok, reply.errors
                assert len(reply.event_ids) == 6
            finally:
                await app.stop()
    finally:
        await referrer.close()


async def test_connections_without_tls_a_client_certificate_or_the_right_password_are_refused(
    tls_cluster: NatsCluster, certs: dict[str, TlsFiles], tmp_path: Path
) -> None:
    agency = certs["referrer"]
    plain = [u.replace("tls://", "nats://") for u in as_user(tls_cluster, "referrer", 0)]
    with pytest.raises(REFUSED):
        await nats.connect(servers=plain, allow_reconnect=False, connect_timeout=2)
    with pytest.raises(REFUSED):  # TLS, but no client certificate
        await nats.connect(
            servers=as_user(tls_cluster, "referrer", 0), tls=tls_context(agency.ca),
            allow_reconnect=False, connect_timeout=2,
        )  # fmt: skip
    stranger = make_dev_certs(tmp_path / "other-ca", clients=("referrer",))["referrer"]
    with pytest.raises(REFUSED):  # a certificate the platform's CA did not sign
        await nats.connect(
            servers=as_user(tls_cluster, "referrer", 0),
            tls=tls_context(agency.ca, stranger.cert, stranger.key),
            allow_reconnect=False, connect_timeout=2,
        )  # fmt: skip
    wrong = [u.replace(password("referrer"), "not-the-password") for u in as_user(tls_cluster, "referrer", 0)]
    with pytest.raises(REFUSED):
        await nats.connect(
            servers=wrong, tls=tls_context(agency.ca, agency.cert, agency.key),
            allow_reconnect=False, connect_timeout=2,
        )  # fmt: skip
