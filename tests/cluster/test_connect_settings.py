"""NATS_URL naming a cluster's servers, and the TLS settings: what services and tools connect with.
Bad input is refused with the variable named and the value never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctuary.devtools.devcerts import make_dev_certs
from shared.nats_connect import connect_options, environment_options, server_list
from shared.settings import SettingsError, load_settings
from tests.conftest import TEST_KEK

CLUSTER = "tls://a:pw@n1:4222, tls://a:pw@n2:4222,tls://a:pw@n3:4222"


def test_a_comma_separated_nats_url_is_every_server() -> None:
    settings = load_settings(NATS_URL=CLUSTER, SANCTUARY_KEK=TEST_KEK)
    assert settings.nats_servers == ["tls://a:pw@n1:4222", "tls://a:pw@n2:4222", "tls://a:pw@n3:4222"]
    assert connect_options(settings) == {"servers": settings.nats_servers}
    assert server_list("nats://127.0.0.1:4222") == ["nats://127.0.0.1:4222"]


def test_one_server_of_the_list_without_a_scheme_is_refused_by_name() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(NATS_URL="nats://n1:4222,secret-host:4222", SANCTUARY_KEK=TEST_KEK)
    assert "NATS_URL" in str(refused.value) and "secret-host" not in str(refused.value)


def test_tls_settings_give_a_context_presenting_the_client_certificate(tmp_path: Path) -> None:
    files = make_dev_certs(tmp_path, clients=("referral",))["referral"]
    settings = load_settings(
        NATS_URL=CLUSTER, SANCTUARY_KEK=TEST_KEK,
        NATS_TLS_CA=str(files.ca), NATS_TLS_CERT=str(files.cert), NATS_TLS_KEY=str(files.key),
    )  # fmt: skip
    context = connect_options(settings)["tls"]
    assert context.verify_mode.name == "CERT_REQUIRED" and context.check_hostname
    env = {"NATS_URL": CLUSTER, "NATS_TLS_CA": str(files.ca)}
    assert environment_options(env)["servers"] == settings.nats_servers


def test_a_missing_certificate_file_or_half_a_pair_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"NATS_TLS_CA: .*no such file"):
        load_settings(NATS_URL=CLUSTER, SANCTUARY_KEK=TEST_KEK, NATS_TLS_CA=str(tmp_path / "absent.pem"))
    files = make_dev_certs(tmp_path, clients=("referral",))["referral"]
    settings = load_settings(NATS_URL=CLUSTER, SANCTUARY_KEK=TEST_KEK, NATS_TLS_CERT=str(files.cert))
    with pytest.raises(ValueError, match="NATS_TLS_CERT and NATS_TLS_KEY go together"):
        connect_options(settings)
    with pytest.raises(RuntimeError, match="NATS_URL is not set"):
        environment_options({})
