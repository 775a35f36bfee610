"""For the kill -9 tests: the four services as real processes, a steady load of complete referrals
that rides out a service's death (a command is sent again, with the same id, until it is answered),
and the checks that every reader came through: the read model equals a clean rebuild table by
table, each view equals what a clean replay would publish, each reaction's command was applied
exactly once, and nothing was parked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError
from sqlalchemy import select

from sanctuary.demo.driver import register_installers
from sanctuary.demo.storyline import Step, Storyline
from sanctuary.deployconfig import KEYS
from sanctuary.launcher import ServiceProcess, start_service, wait_healthy
from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.views.disclosures import views_decider
from services.reporting.views.project import case_view
from services.reporting.views.stream import read_view
from shared.bus import send_command
from shared.commands import Command, CommandReply
from shared.contracts.reporting import Recipient
from shared.events import RecordedEvent, utcnow
from shared.eventstore import STREAM
from shared.settings import REPO_ROOT
from shared.sharing import SharingPolicy
from tests.waiting import DEADLINE_S, until

SERVICES = ("referral", "assessment", "contractor", "reporting")
REACTION_SUFFIXES = (
    ":open-cpo-work-item",
    ":works-order",
    ":flag-sanctuary-address",
    ":remove-sanctuary-flag",
)


@dataclass
class Services:
    """The key custodian and the four services as child processes; ``kill`` is kill -9 and
    ``start`` brings one back."""

    url: str
    env: dict[str, str]
    logs: Path
    running: dict[str, ServiceProcess] = field(default_factory=dict)

    async def start(self, name: str) -> None:
        self.running[name] = start_service(name, self.env, self.logs, REPO_ROOT)
        await wait_healthy(self.url, [self.running[name]], timeout=DEADLINE_S)

    async def start_all(self) -> None:
        # The key custodian first: the services ask it for every case key.
        for name in (KEYS, *SERVICES):
            self.running[name] = start_service(name, self.env, self.logs, REPO_ROOT)
        await wait_healthy(self.url, list(self.running.values()), timeout=DEADLINE_S)

    def kill(self, name: str) -> None:
        proc = self.running.pop(name)
        proc.process.kill()
        proc.process.wait()
        proc.stop()  # closes its log

    def stop_all(self) -> None:
        for proc in self.running.values():
            proc.stop()
        self.running.clear()


CONSUMERS = "consumers"


async def kill_and_restart(
    nc: NATS, services: Services, plan: Sequence[str], rng: random.Random, done: asyncio.Event
) -> list[str]:
    """kill -9 each service named in ``plan`` in turn, at a random moment, and start it again;
    ``CONSUMERS`` in the plan deletes every consumer on CASES under the running services instead."""
    killed: list[str] = []
    for name in plan:
        await asyncio.sleep(rng.uniform(0.2, 1.2))
        if name == CONSUMERS:
            if await delete_consumers(nc):
                killed.append(name)
            continue
        services.kill(name)
        killed.append(name)
        await asyncio.sleep(rng.uniform(0.0, 0.5))  # sometimes commands meet nobody for a while
        await services.start(name)
    done.set()
    return killed


async def delete_consumers(nc: NATS) -> int:
    """Delete every consumer on CASES, as a careless operator might; returns how many."""
    js = nc.jetstream()
    deleted = 0
    for info in await js.consumers_info(STREAM):
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(STREAM, info.name)
            deleted += 1
    return deleted


@dataclass
class Load:
    started: list[Storyline] = field(default_factory=list)
    sent: int = 0
    resent: int = 0
    refusals: list[str] = field(default_factory=list)


async def drive_all(
    nc: NATS,
    stories: Sequence[Storyline],
    year_start: date,
    until_done: asyncio.Event | None = None,
    concurrency: int = 6,
) -> Load:
    """Storylines to their end, ``concurrency`` cases at a time, each case's steps in order; once
    ``until_done`` is set no new one starts (the load lasts as long as the faults, whatever the
    machine's speed), and those started are finished."""
    load = Load()
    await _answered(nc, lambda: register_installers(nc, year_start))
    gate = asyncio.Semaphore(concurrency)

    async def one(story: Storyline) -> None:
        async with gate:
            if until_done is not None and until_done.is_set():
                return
            load.started.append(story)
            await _drive_story(nc, story, load)

    await asyncio.gather(*(one(s) for s in stories))
    return load


async def _answered(nc: NATS, work: Any) -> None:
    async def attempt() -> bool:
        try:
            await work()
        except (NoRespondersError, NatsTimeout):
            return False
        return True

    await until(attempt, "the installers are registered", every=0.2)


async def _drive_story(nc: NATS, story: Storyline, load: Load) -> None:
    remembered: dict[str, str] = {}
    for step in story.steps:
        updates = {name: remembered[getattr(step.command, name)] for name in step.bind}
        command = step.command.model_copy(update=updates) if updates else step.command
        reply = await _send_until_answered(nc, command, step, load)
        load.sent += 1
        if not reply.ok:
            load.refusals.append(f"{story.case_id} {command.name()}: {[p.field for p in reply.errors]}")
            return
        if step.remember and reply.event_ids:
            remembered[step.remember] = reply.event_ids[0]


async def _send_until_answered(nc: NATS, command: Command, step: Step, load: Load) -> CommandReply:
    """The same command (same id) again while its service is down or its reaction has not landed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        try:
            reply = await send_command(nc, command, timeout=10.0)
        except (NoRespondersError, NatsTimeout):
            reply = None
        waiting = reply is not None and step.after_reaction and not reply.ok
        waiting = waiting and all(p.field == "case_id" for p in reply.errors)  # type: ignore[union-attr]
        if reply is not None and not waiting:
            return reply
        if loop.time() > deadline:
            raise AssertionError(f"{command.name()} was never answered")
        load.resent += 1
        await asyncio.sleep(0.1)


async def readers_behind(nc: NATS) -> list[str]:
    """The readers (of every service) that have not handled the whole stream; [] when all have and
    the stream stands still."""
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
    behind: list[str] = []
    for name in SERVICES:
        try:
            reply = await nc.request(f"health.{name}", b"", timeout=5)
        except (NoRespondersError, NatsTimeout):
            behind.append(f"{name} does not answer")
            continue
        readers = json.loads(reply.data)["readers"]
        behind += [
            f"{r['name']} at {r['position']} of {last}" for r in readers if r["position"] < last or r["lag"]
        ]
    if not behind and (await nc.jetstream().stream_info(STREAM)).state.last_seq != last:
        behind.append("the stream moved on")
    return behind


def table_rows(store: ReadModelStore) -> dict[str, list[tuple[str, ...]]]:
    """Every table of the live generation, rows sorted, under its name without the prefix."""
    with store.engine.connect() as conn:
        tables = store.active(conn)
        prefix = len(f"{store.base}g{store.active_generation()}_")
        return {
            table.name[prefix:]: sorted(tuple(repr(v) for v in row) for row in conn.execute(select(table)))
            for table in tables.metadata.sorted_tables
        }


async def views_differ(
    nc: NATS, policy: SharingPolicy, histories: dict[str, list[RecordedEvent]]
) -> list[str]:
    """Where a published view is not what a clean replay of the case's history publishes."""
    decider = views_decider(policy)
    wrong: list[str] = []
    now = utcnow()
    for case_id, events in histories.items():
        state = decider.initial()
        for event in events:
            state = decider.evolve(state, event)
        for recipient in Recipient:
            expected = case_view(policy, state, case_id, recipient, now)
            published = await read_view(nc, recipient, case_id)
            want = None if expected is None else expected.model_dump(mode="json", exclude={"published_at"})
            got = None if published is None else published.model_dump(mode="json", exclude={"published_at"})
            if want != got:
                wrong.append(f"{case_id} {recipient.value}")
    return wrong


def reactions_not_once(histories: dict[str, list[RecordedEvent]]) -> list[str]:
    """Reaction commands (ids derived from their event) whose events are not one single append,
    and causes whose reaction is missing."""
    wrong: list[str] = []
    for case_id, events in histories.items():
        runs: dict[str, list[tuple[int, str]]] = {}
        for i, event in enumerate(events):
            if event.causation_id.endswith(REACTION_SUFFIXES) or ":disclose:" in event.causation_id:
                runs.setdefault(event.causation_id, []).append((i, event.type))
        for cause, run in runs.items():
            at, types = [i for i, _ in run], [t for _, t in run]
            # One command, one append: its events sit together, each type once.
            if at != list(range(at[0], at[0] + len(at))) or len(set(types)) != len(types):
                wrong.append(f"{case_id}: {cause.rsplit(':', 1)[-1]} applied more than once")
        for event in events:
            expected = {
                "ReferralAccepted": ":open-cpo-work-item",
                "RecommendationsApproved": ":works-order",
            }.get(event.type)
            if expected is None:
                continue
            if event.type == "RecommendationsApproved" and not getattr(event.payload, "approved_items", None):
                continue
            if f"{event.event_id}{expected}" not in runs:
                wrong.append(f"{case_id}: {event.type} had no reaction")
    return wrong
