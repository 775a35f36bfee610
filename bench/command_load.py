"""The load of the command benchmark (bench/commands.py): the commands' bodies, requests one at a
time and many in flight, the CPU a process spends, the readers' lag, and py-spy profiles."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from nats.aio.client import Client as NATS
from workers import percentile, run_workers  # bench/workers.py, beside this script

from sanctuary.demo.people import make_client
from sanctuary.demo.storyline import COORDINATOR
from shared.contracts.referral import AcceptReferral, case_id_for
from shared.eventstore import STREAM


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Submissions:
    """SubmitReferral bodies from the demo's synthetic clients, each with a fresh command id."""

    def __init__(self, run: str, forms: int = 50) -> None:
        rng = random.Random(14)
        today = datetime.now(UTC).date()
        self.run = run
        self.templates = []
        for n in range(forms):
            client = make_client(rng, n + 1, today, under_18=False, urgent=False, eligible=True)
            self.templates.append(
                {
                    "actor": client.referrer.model_dump(mode="json"),
                    "form": client.form.model_dump(mode="json"),
                    "consents": client.consents.model_dump(mode="json"),
                }
            )
        self.sent = 0

    def next(self, label: str) -> tuple[str, bytes]:
        """(case id, body) of a new submission."""
        self.sent += 1
        command_id = f"bench-{self.run}-{label}-{self.sent}"
        body = self.templates[self.sent % len(self.templates)] | {"command_id": command_id}
        return case_id_for(command_id), orjson.dumps(body)


def accept_body(case_id: str, n: int, run: str) -> bytes:
    command = AcceptReferral(command_id=f"bench-{run}-accept-{n}", case_id=case_id, actor=COORDINATOR)
    return command.model_dump_json().encode()


async def ok_request(nc: NATS, subject: str, body: bytes) -> None:
    reply = await nc.request(subject, body, timeout=30)
    answer = orjson.loads(reply.data)
    if "ok" in answer and not answer["ok"]:
        raise RuntimeError(f"{subject} refused: {[e.get('field') for e in answer.get('errors', [])]}")
    if "error" in answer:
        raise RuntimeError(f"{subject}: {answer['error'].get('description')}")


async def sequential(count: int, send: Callable[[int], Awaitable[None]]) -> tuple[float, float]:
    """p50 and p99 in ms, one request at a time."""
    latencies = []
    for i in range(count):
        started = time.perf_counter()
        await send(i)
        latencies.append((time.perf_counter() - started) * 1000)
    return percentile(latencies, 50), percentile(latencies, 99)


async def concurrent(clients: int, total: int, send: Callable[[int], Awaitable[None]]) -> float:
    """Requests per second with ``clients`` each waiting for its own reply."""

    async def one(_: int, n: int) -> None:
        await send(n)

    return await run_workers(clients, total, one)


# -- catching up ---------------------------------------------------------------------------------


async def lags(nc: NATS, names: tuple[str, ...]) -> dict[str, int]:
    """Events not yet handled, per reader of CASES: each durable consumer's pending and unacked
    messages, and the lag each service reports for its readers on ``health.<service>``."""
    js = nc.jetstream()
    out: dict[str, int] = {}
    for info in await js.consumers_info(STREAM):
        out[f"consumer {info.name}"] = (info.num_pending or 0) + (info.num_ack_pending or 0)
    for name in names:
        reply = await nc.request(f"health.{name}", b"", timeout=10)
        for reader in json.loads(reply.data).get("readers", []):
            out[f"{name} {reader.get('name', '?')}"] = int(reader.get("lag", 0))
    return out


@dataclass
class CatchUp:
    """How long after the load stopped every reader was back to lag 0 (``seconds``), what was still
    behind if it was not (``left``), when each reader seen behind was last seen so
    (``last_behind_s``), how far behind each was as the load stopped (``behind_at_end``), and when
    CASES was last seen to grow (``stream_moved_s``: the projections' own writes, the disclosures,
    go on after the load; no reader is level before the last of them)."""

    seconds: float
    left: int
    last_behind_s: dict[str, float]
    behind_at_end: dict[str, int]
    stream_moved_s: float


async def time_to_catch_up(nc: NATS, names: tuple[str, ...], deadline_s: float) -> CatchUp:
    """Look at every reader's lag until all are 0 (or ``deadline_s`` has passed)."""
    js = nc.jetstream()
    started = time.perf_counter()
    stream_end = (await js.stream_info(STREAM)).state.last_seq
    now = await lags(nc, names)
    behind_at_end = {reader: lag for reader, lag in now.items() if lag > 0}
    last_behind: dict[str, float] = {}
    stream_moved = 0.0
    while True:
        seen = time.perf_counter() - started
        last_behind |= {reader: seen for reader, lag in now.items() if lag > 0}
        left = sum(now.values())
        if left == 0 or seen > deadline_s:
            return CatchUp(seen, left, last_behind, behind_at_end, stream_moved)
        await asyncio.sleep(0.2)  # each look asks every service: not so often it adds to their work
        end = (await js.stream_info(STREAM)).state.last_seq
        if end != stream_end:
            stream_end, stream_moved = end, time.perf_counter() - started
        now = await lags(nc, names)


def profile(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the process into ``out`` (collapsed stacks), for as long as the load runs."""
    beside = Path(sys.executable).parent / "py-spy"
    spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if spy is None:
        raise RuntimeError("--profile needs py-spy, beside the interpreter or on PATH")
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--output",
            out,
            "--rate",
            "200",
            "--gil",  # the thread holding the GIL: what costs CPU, not the idle worker threads
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def profiling(directory: Path | None, files: dict[int, str]) -> Iterator[None]:
    """py-spy on each process id of ``files`` into its file in ``directory``, for as long as the
    block runs (nothing when ``directory`` is None); py-spy writes its file on SIGINT."""
    profilers = [profile(pid, directory / name) for pid, name in files.items()] if directory else []
    try:
        yield
    finally:
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)
            profiler.wait()
