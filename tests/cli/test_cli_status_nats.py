"""``sanctuary status`` against a real nats-server with a service running: the service up with its
replica count and version, the streams' sizes, parked messages, case keys and erased cases."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from sanctuary.cli_app import sanctuary_version
from shared.decider import Decider
from shared.service import create_service_app
from tests.cli.run import SANCTUARY

pytestmark = pytest.mark.nats
_NOTHING: Decider = Decider(initial=dict, decide=lambda c, s: [], evolve=lambda s, e: s)


async def test_status_shows_the_service_streams_and_counts(settings, tmp_path) -> None:
    # Two replicas of one service: each answers health.<service>, so status counts two.
    apps = [create_service_app(settings, "contractor", _NOTHING, commands=[])[0] for _ in range(2)]
    for app in apps:
        await app.start()
    try:
        env = {k: v for k, v in os.environ.items() if k != "SANCTUARY_KEK"} | {
            "NATS_URL": str(settings.nats_url)
        }
        proc = await asyncio.create_subprocess_exec(
            *SANCTUARY, "status", "--format", "json", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    finally:
        for app in apps:
            await app.stop()
    assert proc.returncode == 0, err.decode()
    status = json.loads(out)
    contractor = next(s for s in status["services"] if s["name"] == "contractor")
    assert len(contractor["replies"]) == 2
    assert {r["version"] for r in contractor["replies"]} == {sanctuary_version()}
    assert all(r["ready"] for r in contractor["replies"])
    assert {name for name, _, _ in status["streams"]} >= {"CASES", "DEADLETTER", "KV_CASE_KEYS"}
    assert status["parked"] >= 0 and status["case_keys"] >= 0 and status["erased_cases"] >= 0


def test_the_screen_shows_each_part() -> None:
    from rich.console import Console

    from sanctuary.cli_status import ServiceState, SystemStatus, render

    reader = {"name": "readmodel", "position": 40, "lag": 2, "parked": 1, "stalled": True}
    up = ServiceState(
        "reporting", [{"version": "0.1.0", "ready": False, "readers": [reader], "http_port": 8104}]
    )
    status = SystemStatus(
        [up, ServiceState("referral")], [("CASES", 42, 9000)], [("CASES", "reporting-views", 40, 2)], 3, 7, 1
    )
    console = Console(record=True, width=200)
    render(status, console)
    screen = console.export_text()
    assert "reporting" in screen and "down" in screen and "0/1" in screen and "8104" in screen
    assert "readmodel" in screen and "CASES" in screen and "9,000" in screen and "reporting-views" in screen
    assert (
        "Parked messages (DEADLETTER): 3" in screen
        and "Case keys: 7" in screen
        and "Erased cases: 1" in screen
    )
