"""A service's HTTP side, on the real process (``python -m services.referral``) and a real
nats-server: readiness is 503 while NATS is down and 200 again once it is back, liveness holds
throughout, and /metrics counts a refused command by its type without holding what it carried."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import nats
import pytest

from sanctuary.devtools.nats_server import NatsServer, free_port
from shared.codec import CasePosition
from shared.contracts.referral import AcceptReferral, CaseClosed, ClosureReason, SafetyOutcome
from shared.crypto import KeyStore
from shared.events import SYSTEM_ACTOR
from shared.eventstore import EventStore, ensure_stream
from shared.signing import load_or_create_signer
from tests.conftest import TEST_KEK

pytestmark = pytest.mark.nats
DEADLINE_S = 90  # generous: the machine is shared; each wait ends as soon as its condition holds
PHONE = "07700 900123"
HEARTBEATS_S = 8


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def wait_for(port: int, path: str, status: int, log: Path) -> str:
    deadline = time.monotonic() + DEADLINE_S
    seen = (0, "")
    while time.monotonic() < deadline:
        seen = get(port, path)
        if seen[0] == status:
            return seen[1]
        time.sleep(0.2)
    raise AssertionError(f"{path} still {seen[0]} (wanted {status}); log: {log.read_text()[-2000:]}")


def start(name: str, nats_url: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    """``python -m services.<name>`` as the launcher and compose run it, ready on its HTTP port."""
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANCTUARY_")} | {
        "NATS_URL": nats_url,
        "SANCTUARY_KEK": TEST_KEK,
        "SANCTUARY_SIGNING_KEYS": str(tmp_path / "keys"),
        "SANCTUARY_HTTP_PORT": str(port),
        "SANCTUARY_LOG_JSON": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'read.db'}",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for(port, "/health/ready", 200, log)
    return proc, port, log


@pytest.fixture
def referral(fresh_nats_server: NatsServer, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    proc, port, log = start("referral", fresh_nats_server.url, tmp_path)
    try:
        yield port, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _a_case(url: str, keys_dir: Path) -> None:
    """One closed case in the stream (and its key in CASE_KEYS), for the readers to have work."""
    nc = await nats.connect(url)
    await ensure_stream(nc.jetstream())
    keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    await keys.start()
    try:
        closed = CaseClosed(
            reason=ClosureReason.WORKS_COMPLETED,
            safety_outcome=SafetyOutcome.FEELS_SAFER,
            closed_on=date(2025, 1, 10),
        )
        store = EventStore(nc, keys, "referral", load_or_create_signer(keys_dir, "referral"))
        await store.append(
            "SHUT-1", [closed], expected=CasePosition(), actor=SYSTEM_ACTOR, command_id="shut-1"
        )
    finally:
        await keys.stop()
        await nc.close()


async def test_the_reporting_service_stops_without_a_traceback(
    fresh_nats_server: NatsServer, tmp_path: Path
) -> None:
    await _a_case(fresh_nats_server.url, tmp_path / "keys")
    proc, _, log = await asyncio.to_thread(start, "reporting", fresh_nats_server.url, tmp_path)
    # Up long enough for the idle heartbeats of its ordered consumers (every 5 s) to queue on
    # subscriptions whose readers stop first: what a drain at shutdown used to wait on in vain.
    await asyncio.sleep(HEARTBEATS_S)
    proc.terminate()  # SIGTERM, as the launcher and compose stop it
    proc.wait(timeout=60)
    text = log.read_text()
    assert "Application shutdown complete." in text
    assert "Traceback" not in text and "never retrieved" not in text, text[-3000:]
    for line in text.splitlines():
        json.loads(line)


def test_readiness_follows_nats_down_and_back(referral, fresh_nats_server: NatsServer) -> None:
    port, log = referral
    body = json.loads(wait_for(port, "/health/ready", 200, log))
    assert body["service"] == "referral" and body["connected"] and body["http_port"] == port

    fresh_nats_server.stop()
    body = json.loads(wait_for(port, "/health/ready", 503, log))
    assert body["ready"] is False and body["connected"] is False
    assert get(port, "/health/live")[0] == 200  # alive all the same: restarting would not help
    assert "sanctuary_ready 0.0" in get(port, "/metrics")[1]

    fresh_nats_server.start()  # same port, same store
    body = json.loads(wait_for(port, "/health/ready", 200, log))
    assert body["ready"] and body["connected"]
    for line in log.read_text().splitlines():
        json.loads(line)  # every line the service wrote is JSON, NATS's disconnection included


async def test_metrics_count_a_refused_command_by_type(referral, fresh_nats_server: NatsServer) -> None:
    port, log = referral
    nc = await nats.connect(fresh_nats_server.url)
    try:
        # Not an AcceptReferral the service can parse (no actor, no case): refused, naming fields.
        body = json.dumps({"command_id": "m-1", "note": f"ring {PHONE}"}).encode()
        reply = json.loads((await nc.request(AcceptReferral.subject(), body, timeout=30)).data)
    finally:
        await nc.close()
    assert reply["ok"] is False

    refused = 'sanctuary_commands_total{command="AcceptReferral",outcome="refused"} 1.0'
    deadline = time.monotonic() + DEADLINE_S  # the reply may reach us a moment before the count
    while refused not in (metrics := get(port, "/metrics")[1]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert refused in metrics
    assert 'sanctuary_command_reply_seconds_count{command="AcceptReferral"} 1.0' in metrics
    assert "faststream_received_messages_total" in metrics  # FastStream's own middleware
    assert "sanctuary_concurrency_conflicts_total 0.0" in metrics
    assert PHONE not in metrics and PHONE not in log.read_text()
