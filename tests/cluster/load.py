"""A steady command load against a cluster, and the checks of what the stream holds afterwards.

Each client submits referrals one after another; a command that times out, meets no responders or
is refused for the moment is sent again with the same command id (so the service's idempotency is
what keeps a retried command from being recorded twice). Every ok reply is kept with its event ids
and the time it arrived, so the test can check each against the stream and measure the gap."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import DeliverPolicy
from nats.js.errors import APIError

from sanctuary.devtools.nats_cluster import NatsCluster
from shared.commands import CommandReply
from shared.contracts.referral import SubmitReferral
from tests.referral.scenarios import form_data, submission

RETRYABLE = (NatsTimeoutError, NoRespondersError, ConnectionClosedError, asyncio.TimeoutError)


@dataclass(frozen=True)
class Acked:
    command_id: str
    case_id: str
    event_ids: tuple[str, ...]
    at: float  # monotonic time the ok reply arrived
    sent: float  # monotonic time the command was first sent


@dataclass
class Figures:
    """What a fault test prints: events acknowledged, lost and duplicated, and the times."""

    name: str
    commands: int = 0
    events_acked: int = 0
    lost: int = 0
    duplicated: int = 0
    retries: int = 0
    seconds_to_leader: float | None = None
    seconds_without_service: float = 0.0
    seconds_to_resume: float = 0.0

    def line(self) -> str:
        leader = "-" if self.seconds_to_leader is None else f"{self.seconds_to_leader:.2f}"
        return (
            f"{self.name}: commands acknowledged {self.commands}, events acknowledged "
            f"{self.events_acked}, lost {self.lost}, duplicated {self.duplicated}, retries "
            f"{self.retries}; seconds to a new leader {leader}; seconds to resume "
            f"{self.seconds_to_resume:.2f}; longest time without service {self.seconds_without_service:.2f}s"
        )


FIGURES: list[Figures] = []
Held = tuple[int, int, int, int]  # one node's copy of a stream: messages, bytes, first and last seq


def new_submission() -> dict[str, Any]:
    body = submission(form=form_data())
    body["command_id"] = f"sr-{uuid.uuid4().hex}"
    body.pop("occurred_at")
    return body


async def client(urls: list[str]) -> NATS:
    return await nats.connect(
        servers=urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2, connect_timeout=2
    )


@dataclass
class CommandLoad:
    nc: NATS
    workers: int = 3
    timeout: float = 2.0
    acked: list[Acked] = field(default_factory=list)
    retries: int = 0
    refusals: list[str] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> CommandLoad:
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]
        return self

    async def _send(self, body: dict[str, Any]) -> CommandReply:
        data = json.dumps(body).encode()
        while True:
            try:
                msg = await self.nc.request(SubmitReferral.subject(), data, timeout=self.timeout)
                reply = CommandReply.model_validate_json(msg.data)
            except RETRYABLE:
                self.retries += 1
                await asyncio.sleep(0.1)
                continue
            if reply.ok:
                return reply
            # A refusal while the stream has no leader: the same command again, later.
            self.refusals.append(";".join(p.field for p in reply.errors))
            self.retries += 1
            await asyncio.sleep(0.2)

    async def _worker(self) -> None:
        while not self._stop.is_set():
            body = new_submission()
            sent = time.monotonic()
            reply = await self._send(body)
            assert reply.case_id is not None
            self.acked.append(
                Acked(body["command_id"], reply.case_id, tuple(reply.event_ids), time.monotonic(), sent)
            )

    async def wait_for_more(self, count: int, deadline_s: float = 90.0) -> None:
        """Until ``count`` more commands have been acknowledged (commands resume)."""
        target = len(self.acked) + count
        deadline = time.monotonic() + deadline_s
        while len(self.acked) < target:
            assert time.monotonic() < deadline, f"commands did not resume within {deadline_s:.0f}s"
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self._stop.set()
        # Each worker finishes the command in hand (retrying until acknowledged).
        await asyncio.wait_for(asyncio.gather(*self._tasks), timeout=120)

    async def finish(self, name: str, since: float) -> Figures:
        """Stop the load; the figures of the fault at ``since``: the longest time without service
        and the time until commands resumed (the stream's count is check_against_stream's)."""
        await self.stop()
        return Figures(
            name, seconds_without_service=self.longest_gap(since), seconds_to_resume=self.resumed_after(since)
        )

    async def abandon(self) -> None:
        """After a test, whatever became of it: the workers still sending are cancelled, not awaited."""
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def resumed_after(self, since: float) -> float:
        """Seconds from ``since`` until the first command first sent after it was acknowledged."""
        return min((a.at for a in self.acked if a.sent >= since), default=since) - since

    def longest_gap(self, since: float) -> float:
        """The longest time between consecutive ok replies from ``since`` on: time without service."""
        times = [since, *sorted(a.at for a in self.acked if a.at >= since)]
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


async def stream_events(nc: NATS, deadline_s: float = 60.0) -> list[dict[str, Any]]:
    """Every record in CASES, in order, through an ordered consumer. Retried as a whole while the
    cluster has no meta leader yet (the node that died may have been it): the API times out then."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return await _read_all(nc)
        except (*RETRYABLE, APIError):
            assert time.monotonic() < deadline, "could not read CASES back after the fault"
            await asyncio.sleep(0.5)


async def _read_all(nc: NATS) -> list[dict[str, Any]]:
    js = nc.jetstream()
    last = (await js.stream_info("CASES")).state.last_seq
    records: list[dict[str, Any]] = []
    if last == 0:
        return records
    sub = await js.subscribe(
        "case.>", stream="CASES", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    try:
        while True:
            msg = await sub.next_msg(timeout=10)
            records.append(json.loads(msg.data))
            if msg.metadata.sequence.stream >= last:
                return records
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def check_against_stream(nc: NATS, load: CommandLoad, figures: Figures) -> None:
    """Every acknowledged event is in the stream once; no command has more events recorded than its
    reply acknowledged (a retry recorded twice would)."""
    records = await stream_events(nc)
    counts = Counter(r["event_id"] for r in records)
    # Events recorded for each command (other services may add events of their own to the case).
    per_command = Counter(r["causation_id"] for r in records)
    acked_ids = [e for a in load.acked for e in a.event_ids]
    figures.commands = len(load.acked)
    figures.events_acked = len(acked_ids)
    figures.retries = load.retries
    figures.lost = sum(1 for e in acked_ids if counts[e] == 0)
    extra = sum(max(per_command[a.command_id] - len(a.event_ids), 0) for a in load.acked)
    figures.duplicated = sum(c - 1 for c in counts.values() if c > 1) + extra
    FIGURES.append(figures)
    print(figures.line())
    assert figures.lost == 0, f"{figures.lost} acknowledged event(s) missing from the stream"
    assert figures.duplicated == 0, f"{figures.duplicated} event(s) recorded twice"
    assert len({a.case_id for a in load.acked}) == len(load.acked), "two commands answered with one case"


async def stream_leader(nc: NATS, stream: str = "CASES") -> str | None:
    """The stream's leader as the cluster reports it; None while unknown. Asked with a short
    timeout, so the time to a new leader is measured to a fraction of a second."""
    try:
        msg = await nc.request(f"$JS.API.STREAM.INFO.{stream}", b"", timeout=0.5)
    except RETRYABLE:
        return None
    leader = json.loads(msg.data).get("cluster", {}).get("leader")
    return str(leader) if leader else None


async def current_leader(nc: NATS, deadline_s: float = 60.0) -> str:
    """The stream's leader, waiting while the cluster is too busy to say."""
    deadline = time.monotonic() + deadline_s
    while (leader := await stream_leader(nc)) is None:
        assert time.monotonic() < deadline, f"CASES reported no leader within {deadline_s:.0f}s"
        await asyncio.sleep(0.1)
    return leader


async def wait_new_leader(nc: NATS, old: str, since: float, deadline_s: float = 60.0) -> float:
    """Seconds from ``since`` until the stream reports a leader other than ``old``."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        leader = await stream_leader(nc)
        if leader is not None and leader != old:
            return time.monotonic() - since
        await asyncio.sleep(0.05)
    raise AssertionError(f"no new leader for CASES within {deadline_s:.0f}s")


def replica_states(nodes: NatsCluster, stream: str = "CASES") -> dict[str, Held]:
    """Each running node's own copy of ``stream`` (messages, bytes, first and last sequence), from
    its monitoring endpoint: what that node holds on its disk, not what the leader says."""
    states: dict[str, Held] = {}
    for index in range(nodes.size):
        jsz = nodes.varz(index, "jsz?streams=true")
        for account in jsz.get("account_details") or []:
            for detail in account.get("stream_detail") or []:
                if detail["name"] == stream:
                    s = detail["state"]
                    states[nodes.node_name(index)] = (
                        s["messages"],
                        s["bytes"],
                        s["first_seq"],
                        s["last_seq"],
                    )
    return states


async def wait_replicas_equal(nodes: NatsCluster, deadline_s: float = 60.0) -> dict[str, Held]:
    deadline = time.monotonic() + deadline_s
    while True:
        states = replica_states(nodes)
        if len(states) == nodes.size and len(set(states.values())) == 1:
            return states
        assert time.monotonic() < deadline, f"the replicas differ: {states}"
        await asyncio.sleep(0.2)
