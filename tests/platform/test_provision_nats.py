"""Provisioning is separate from the services: ``sanctuary provision`` makes every stream and bucket
(as the administrator; a service's credential cannot), running it again touches nothing stored,
and a service started before it stops at once, naming what is missing and the command to run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nats
import pytest

from sanctuary.devtools.nats_server import NatsServer
from sanctuary.provision import names, provision
from services.reporting.app import create_app as reporting_app
from shared.provisioned import NotProvisioned
from shared.settings import load_settings
from tests.conftest import TEST_KEK
from tests.platform.conftest import user_url

pytestmark = pytest.mark.nats
SANCTUARY = [sys.executable, "-c", "from sanctuary.cli import main; main()"]


async def stream_names(url: str) -> set[str]:
    nc = await nats.connect(url)
    try:
        return {str(s.config.name) for s in await nc.jetstream().streams_info()}
    finally:
        await nc.close()


async def test_a_service_on_an_unprovisioned_server_stops_naming_what_is_missing(
    bare_nats_server: NatsServer, tmp_path: Path
) -> None:
    settings = load_settings(
        nats_url=bare_nats_server.url,
        kek=TEST_KEK,
        database_url=f"sqlite:///{tmp_path / 'read.db'}",
        signing_keys_dir=tmp_path / "keys",
    )
    app, _ = reporting_app(settings)
    with pytest.raises(NotProvisioned) as refused:
        await app.start()
    await app.stop()
    message = str(refused.value)
    assert message.startswith("reporting: not provisioned on the NATS server: CASES, DEADLETTER;")
    assert "sanctuary provision" in message and "\n" not in message
    assert await stream_names(bare_nats_server.url) == set(), "the service created nothing"


async def test_provisioning_makes_everything_and_again_changes_nothing_stored(
    bare_nats_server: NatsServer,
) -> None:
    nc = await nats.connect(bare_nats_server.url)
    try:
        first = await provision(nc)
        assert {p.name for p in first} == set(names()) and {p.action for p in first} <= {
            "created",
            "created (empty)",
        }
        js = nc.jetstream()
        await js.publish("case.P-1.referral.ReferralSubmitted", b"{}")
        await js.publish("view.police.P-1", b"{}")
        again = await provision(nc)
        assert {p.action for p in again} <= {"updated", "present"}
        assert (await js.stream_info("CASES")).state.messages == 1
        assert (await js.stream_info("VIEWS")).state.messages == 1
        assert (await js.stream_info("CASES")).config.deny_delete
    finally:
        await nc.close()


def provision_command(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "SANCTUARY_ADMIN_NATS_URL")}
    return subprocess.run(
        [*SANCTUARY, "provision", "--nats-url", url],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_only_the_administrator_can_provision(secured_server: NatsServer, tmp_path: Path) -> None:
    done = provision_command(user_url(secured_server, "admin"), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CASES: updated" in done.stdout and "Provisioned (as the NATS administrator)" in done.stdout

    refused = provision_command(user_url(secured_server, "reporting"), tmp_path)
    assert refused.returncode == 1
    assert "provisioning failed: this NATS user may not provision" in refused.stdout
    assert "test-reporting-pw" not in refused.stdout + refused.stderr, "no credential in the message"
