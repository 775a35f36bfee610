"""``sanctuary run`` as the operator runs it: its own nats-server, a development key made once,
the services up and answering health requests, a request/reply through the bus, a clean stop.
A service that cannot start is a clear error naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sanctuary.deployconfig import password_variable, users
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import Credentials, dev_kek, dev_passwords, secured_config
from shared.settings import REPO_ROOT, load_settings

pytestmark = pytest.mark.nats
SANCTUARY = [sys.executable, "-c", "from sanctuary.cli import main; main()"]
# Named here, not read from the files that exist: a missing service fails these tests.
RUNNABLE = ("referral", "assessment", "contractor", "reporting")


def sanctuary(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NATS_URL", "SANCTUARY_KEK", "SANCTUARY_ADMIN_NATS_URL")
    }
    return subprocess.run(
        [*SANCTUARY, *args], cwd=cwd, env=clean | env, capture_output=True, text=True, timeout=90, check=False
    )


def test_development_key_is_made_once_private_and_valid(tmp_path: Path) -> None:
    path = tmp_path / ".sanctuary" / "dev.env"
    key, created = dev_kek(path)
    again, created_again = dev_kek(path)
    assert created and not created_again and again == key
    assert path.stat().st_mode & 0o077 == 0
    assert len(load_settings(kek=key).kek_bytes) == 32


def test_development_passwords_are_made_once_private_and_put_only_in_the_servers_copy(tmp_path: Path) -> None:
    path = tmp_path / ".sanctuary" / "nats-passwords.env"
    passwords, created = dev_passwords(path)
    again, created_again = dev_passwords(path)
    assert created and not created_again and again == passwords
    assert set(passwords) == set(users()) and len(set(passwords.values())) == len(passwords)
    assert all(p.isalnum() and len(p) >= 32 for p in passwords.values())
    assert path.stat().st_mode & 0o077 == 0

    conf = secured_config(passwords, tmp_path / "var" / "nats-users.conf")
    text = conf.read_text()
    assert conf.stat().st_mode & 0o077 == 0
    assert all(f'"{p}"' in text for p in passwords.values())
    assert not any(f"${password_variable(u)}" in text for u in users())
    committed = (REPO_ROOT / "deploy" / "nats-users.conf").read_text()
    assert not any(p in committed for p in passwords.values())

    urls = Credentials.for_server("nats://127.0.0.1:4999", passwords)
    assert urls.url("referral") == f"nats://referral:{passwords['referral']}@127.0.0.1:4999"
    assert Credentials.as_given("nats://x:1").url("referral") == "nats://x:1"


def test_run_starts_nats_and_services_shows_them_up_and_stops_cleanly(tmp_path: Path) -> None:
    args = ["run", *(a for s in RUNNABLE for a in ("--service", s))]
    result = sanctuary(args, tmp_path, COLUMNS="200")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    assert "DEVELOPMENT key-encryption key" in out
    assert "sync_interval: always" in out
    assert "secured by the deploy configuration" in out and "Provisioned (as the NATS administrator)" in out
    for name in RUNNABLE:
        assert f"var/logs/{name}.log" in out
        log = (tmp_path / "var" / "logs" / f"{name}.log").read_text()
        assert '"service started"' in log
    assert "<- referral service: refused" in out and "nothing stored" in out
    assert "Event store: stream CASES" in out
    assert "Stopped: services and NATS shut down." in out
    assert (tmp_path / "var" / "nats" / "jetstream").is_dir()


def test_a_service_that_cannot_start_is_named(tmp_path: Path) -> None:
    # A malformed setting the service reads (the KEK is the key custodian's alone now).
    result = sanctuary(["run", "--service", RUNNABLE[0]], tmp_path, SANCTUARY_HTTP_PORT="not-a-port")
    assert result.returncode == 1
    assert f"{RUNNABLE[0]} service exited with code" in result.stdout
    log = (tmp_path / "var" / "logs" / f"{RUNNABLE[0]}.log").read_text()
    assert "SANCTUARY_HTTP_PORT" in log and "not-a-port" not in log


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    result = sanctuary(["run", "--service", "payroll"], tmp_path)
    assert result.returncode != 0
    assert "unknown service" in result.stdout + result.stderr


def test_a_given_nats_url_is_used_as_it_is_and_provisioned_only_with_an_admin_url(
    bare_nats_server: NatsServer, tmp_path: Path
) -> None:
    url = bare_nats_server.url  # an open server, nothing on it yet
    skipped = sanctuary(["run", "--service", "referral"], tmp_path, NATS_URL=url, COLUMNS="200")
    assert skipped.returncode == 1
    assert f"NATS: using {url} (from NATS_URL)" in skipped.stdout
    assert "Not provisioning: set SANCTUARY_ADMIN_NATS_URL" in skipped.stdout
    log = (tmp_path / "var" / "logs" / "referral.log").read_text()
    assert "not provisioned on the NATS server" in log and "sanctuary provision" in log

    done = sanctuary(
        ["run", "--service", "referral"], tmp_path, NATS_URL=url, SANCTUARY_ADMIN_NATS_URL=url, COLUMNS="200"
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Provisioned (as the NATS administrator): CASES: created" in done.stdout
    assert "<- referral service: refused" in done.stdout
