"""Two replicas of every command service on a real server, driven by many clients at once.

Given two processes of each command service sharing its command queue group (and reporting, the
one writer of the read models, once), when synthetic cases' commands
arrive from 16 clients (each case's in order, cases interleaved; some commands sent twice, as a
client that lost its reply would), then:
- every ok reply's events are stored, each exactly once, and a retried command returns the same
  events (a duplicate), never new ones;
- no case's sequence check was bypassed: each case's history is one unbroken hash chain, and
  ``sanctuary audit verify --all`` says every case is intact;
- every reaction's command (its id derived from the triggering event) is applied exactly once,
  whichever replica's reader saw the event, and every accepted referral got its CPO work item.

Scaled down by default (REPLICAS_TEST_CASES cases, 10 commands each; 40 here). The full size
(200 cases, 2,000 commands) runs with REPLICAS_TEST_CASES=200.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS

from sanctuary.demo.driver import register_installers
from sanctuary.demo.generator import financial_year_start, generate
from sanctuary.demo.storyline import Step, Storyline
from sanctuary.deployconfig import KEYS, REPLICATED
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import (
    SERVICES,
    ServiceProcess,
    service_environment,
    start_service,
    wait_healthy,
)
from shared.bus import send_command
from shared.catalogue import load_catalogue
from shared.commands import CommandReply
from shared.contracts.referral import ReferralAccepted
from shared.eventstore import read_matching
from shared.scheme import load_scheme
from shared.settings import REPO_ROOT, load_settings

pytestmark = [pytest.mark.nats, pytest.mark.timeout(900)]

CASES = int(os.environ.get("REPLICAS_TEST_CASES", "40"))
STEPS_PER_CASE = 10
CLIENTS = 16
REPLICAS = 2
KEK = base64.b64encode(os.urandom(32)).decode()
GENESIS = "0" * 64


@pytest.fixture
def system(fresh_nats_server: NatsServer, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    common = {
        "SANCTUARY_SIGNING_KEYS": str(tmp_path / "keys"),
        "SANCTUARY_PUBLIC_KEYS": str(tmp_path / "keys"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'read.db'}",
    }
    env = service_environment(fresh_nats_server.url, None) | common
    processes: list[ServiceProcess] = []
    try:
        # The key custodian first, alone holding the KEK; the services ask it for case keys.
        custodian_env = service_environment(fresh_nats_server.url, KEK) | common
        processes.append(start_service(KEYS, custodian_env, tmp_path / "logs", REPO_ROOT))
        for name in SERVICES:
            for replica in range(1, (REPLICAS if name in REPLICATED else 1) + 1):
                processes.append(start_service(name, env, tmp_path / "logs", REPO_ROOT, replica))
        asyncio.run(wait_healthy(fresh_nats_server.url, processes, timeout=180))
        yield fresh_nats_server.url, env
        dead = {p.log_path.name: p.log_path.read_text()[-1500:] for p in processes if not p.alive()}
        assert not dead, f"service processes died: {dead}"
    finally:
        for process in processes:
            process.stop()


def system_logs(env: dict[str, str]) -> Path:
    return Path(env["SANCTUARY_SIGNING_KEYS"]).parent / "logs"


def stories() -> list[Storyline]:
    settings = load_settings(kek=KEK)
    start = financial_year_start(date.today()) - timedelta(days=365)
    made = generate(
        14, CASES, start, load_scheme(settings.scheme_config), load_catalogue(settings.catalogue_path)
    )
    return [
        Storyline(s.number, s.case_id, s.path, s.received_on, s.urgent, s.steps[:STEPS_PER_CASE])
        for s in made
    ]


async def send(nc: NATS, command: Any) -> CommandReply:
    return await send_command(nc, command, timeout=60)


async def drive_case(
    nc: NATS, story: Storyline, replies: list[tuple[str, CommandReply]], retries: list[CommandReply]
) -> None:
    """One case's commands in order; a step that needs another service's reaction first is retried
    until the reaction has landed (as the demo driver does); every fourth command is sent twice."""
    remembered: dict[str, str] = {}
    for n, step in enumerate(story.steps):
        command = bind(step, remembered)
        reply = await send(nc, command)
        deadline = time.monotonic() + 120
        while step.after_reaction and not reply.ok and time.monotonic() < deadline:
            if not all(p.field == "case_id" for p in reply.errors):
                break
            await asyncio.sleep(0.1)
            reply = await send(nc, command)
        replies.append((command.command_id, reply))
        if not reply.ok:
            return  # a refused step ends the case here, as in the demo
        if step.remember and reply.event_ids:
            remembered[step.remember] = reply.event_ids[0]
        if n % 4 == 1:
            again = await send(nc, command)
            assert again.ok and again.duplicate and again.event_ids == reply.event_ids
            retries.append(again)


def bind(step: Step, remembered: dict[str, str]) -> Any:
    updates = {name: remembered[getattr(step.command, name)] for name in step.bind}
    return step.command.model_copy(update=updates) if updates else step.command


async def drive(url: str, storylines: list[Storyline]) -> tuple[list[tuple[str, CommandReply]], int]:
    nc = await nats.connect(url, name="replicas-test")
    replies: list[tuple[str, CommandReply]] = []
    retries: list[CommandReply] = []
    queue: asyncio.Queue[Storyline] = asyncio.Queue()
    for story in storylines:
        queue.put_nowait(story)

    async def client() -> None:
        while not queue.empty():
            await drive_case(nc, queue.get_nowait(), replies, retries)

    try:
        await register_installers(nc, storylines[0].received_on - timedelta(days=30))
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
    finally:
        await nc.close()
    return replies, len(retries)


async def stored_cases(url: str, case_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    nc = await nats.connect(url, name="replicas-test-reader")
    try:
        return {
            case_id: [json.loads(data) for _, _, data in await read_matching(nc, f"case.{case_id}.>")]
            for case_id in case_ids
        }
    finally:
        await nc.close()


async def wait_for_work_items(url: str, accepted: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The stored cases, once every accepted referral's CPO work item has been opened by reaction."""
    deadline = time.monotonic() + 300
    while True:
        cases = await stored_cases(url, sorted(set(accepted.values())))
        opened = {r["causation_id"] for events in cases.values() for r in events}
        missing = [e for e in accepted if f"{e}:open-cpo-work-item" not in opened]
        if not missing or time.monotonic() > deadline:
            assert not missing, f"{len(missing)} accepted referrals have no CPO work item"
            return cases
        await asyncio.sleep(0.5)


def test_two_replicas_of_every_command_service_apply_each_command_once(
    system: tuple[str, dict[str, str]],
) -> None:
    url, env = system
    storylines = stories()
    replies, retried = asyncio.run(drive(url, storylines))
    ok = [(cid, r) for cid, r in replies if r.ok]
    assert retried > 0 and len(ok) >= len(storylines) * 3, f"only {len(ok)} ok replies"

    case_ids = [s.case_id for s in storylines]
    stored = asyncio.run(stored_cases(url, case_ids))
    accepted = {
        r["event_id"]: case_id
        for case_id, events in stored.items()
        for r in events
        if r["type"] == ReferralAccepted.type_name()
    }
    assert accepted, "no referral was accepted"
    stored = asyncio.run(wait_for_work_items(url, accepted)) | {
        c: e for c, e in stored.items() if c not in accepted.values()
    }

    # Every ok reply's events stored, each exactly once.
    counts = Counter(r["event_id"] for events in stored.values() for r in events)
    assert all(n == 1 for n in counts.values()), "an event is stored twice"
    for command_id, reply in ok:
        missing = [e for e in reply.event_ids if e not in counts]
        assert not missing, f"{command_id}: replied ok but {len(missing)} of its events are not stored"

    for case_id, events in stored.items():
        # One unbroken chain per case: a bypassed sequence check would fork it.
        assert [r["prev_hash"] for r in events] == [GENESIS] + [r["hash"] for r in events[:-1]], case_id
        # Each command (a client's, or a reaction's) applied once: its events form one run.
        causes = [r["causation_id"] for r in events]
        runs = [c for i, c in enumerate(causes) if i == 0 or c != causes[i - 1]]
        twice = [c for c, n in Counter(runs).items() if n > 1]
        assert not twice, f"{case_id}: commands applied more than once: {twice}"

    # Both replicas of each commanded service served some of the commands (one queue group).
    logs = system_logs(env)
    for name in REPLICATED:
        for log in (f"{name}.log", f"{name}-2.log"):
            assert '"command handled"' in (logs / log).read_text(), f"{log} handled no command"

    verify = subprocess.run(
        [sys.executable, "-c", "from sanctuary.cli import main; main()", "audit", "verify", "--all"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-2000:]
    assert "0 not intact" in verify.stdout
