"""The deployment files: docker-compose.yml is accepted by compose (when a compose client is
installed) and has the shape we rely on; deploy/nats.conf is accepted by the real nats-server."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sanctuary.deployconfig import password_variable, users
from sanctuary.devtools.nats_server import nats_server_binary
from shared.settings import REPO_ROOT

SERVICES = ("referral", "assessment", "contractor", "reporting", "keys")
SECRETS = {
    "SANCTUARY_KEK": base64.b64encode(bytes(range(32))).decode(),
    "POSTGRES_PASSWORD": "testpg",
    **{password_variable(u): f"test{u}" for u in users()},
}


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def compose_file() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text()))


def test_compose_file_has_nats_postgres_and_one_container_per_service() -> None:
    services = compose_file()["services"]
    assert set(services) == {"nats", "postgres", "provision", *SERVICES}
    provision = services["provision"]
    assert provision["command"] == ["sanctuary", "provision"] and provision["restart"] == "no"
    assert provision["environment"]["SANCTUARY_ADMIN_NATS_URL"].startswith(
        "nats://admin:${NATS_ADMIN_PASSWORD}@"
    )
    nats = services["nats"]
    assert nats["command"] == ["-c", "/etc/nats/nats.conf"]
    assert "./deploy:/etc/nats:ro" in nats["volumes"]
    for name in SERVICES:
        assert services[name]["command"] == ["python", "-m", f"services.{name}"]
        url = services[name]["environment"]["NATS_URL"]
        assert url.startswith(f"nats://{name}:${{NATS_{name.upper()}_PASSWORD}}@nats:"), name
        assert (REPO_ROOT / "services" / name).is_dir()
        started_after = services[name]["depends_on"]
        assert started_after["provision"] == {"condition": "service_completed_successfully"}, name
    assert services["reporting"]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert (REPO_ROOT / "Dockerfile").exists()


def test_each_service_holds_only_its_own_signing_key() -> None:
    compose = compose_file()
    services = compose["services"]
    key_volumes = {}
    for name in SERVICES:
        volumes = services[name]["volumes"]
        assert "public-keys:/public-keys" in volumes, name
        [private] = [v for v in volumes if v.endswith(":/keys")]
        key_volumes[name] = private.split(":")[0]
        env = services[name]["environment"]
        assert env["SANCTUARY_SIGNING_KEYS"] == "/keys" and env["SANCTUARY_PUBLIC_KEYS"] == "/public-keys"
    assert len(set(key_volumes.values())) == len(SERVICES)
    assert set(key_volumes.values()) <= set(compose["volumes"])


def test_every_secret_the_compose_file_needs_is_listed_in_the_example_env() -> None:
    example = (REPO_ROOT / "deploy" / "env.example").read_text()
    listed = {line.split("=")[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    assert listed == set(SECRETS)


@pytest.mark.skipif(compose_command() is None, reason="no docker compose client on this machine")
def test_compose_accepts_the_file_and_refuses_a_missing_secret(tmp_path: Path) -> None:
    command = compose_command()
    assert command is not None
    env = {k: v for k, v in os.environ.items() if k not in SECRETS} | SECRETS
    args = [*command, "-f", str(REPO_ROOT / "docker-compose.yml"), "config", "-q"]
    ok = subprocess.run(args, env=env, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert ok.returncode == 0, ok.stderr

    without_key = {k: v for k, v in env.items() if k != "SANCTUARY_KEK"}
    refused = subprocess.run(args, env=without_key, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert refused.returncode != 0
    assert "SANCTUARY_KEK" in refused.stderr


def test_nats_server_accepts_deploy_config_and_needs_every_password() -> None:
    conf = REPO_ROOT / "deploy" / "nats.conf"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATS_")} | SECRETS
    ok = subprocess.run(
        [nats_server_binary(), "-c", str(conf), "-t"], env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "sync_interval: always" in conf.read_text()

    del env["NATS_FIRE_CONTROL_PASSWORD"]
    refused = subprocess.run(
        [nats_server_binary(), "-c", str(conf), "-t"], env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "NATS_FIRE_CONTROL_PASSWORD" in refused.stderr + refused.stdout
