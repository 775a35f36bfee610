"""Command throughput benchmark: the real services as processes, against raw nats-py in the same run.

    python bench/commands.py [--help]

Starts its own nats-server (sync_interval: always, as `sanctuary run` does) on a free port, then:
  floor  a raw nats-py responder process: each request is one JetStream publish (with the same
         expected-sequence and message-id headers as an event) and a reply with the ack; measured
         one request at a time (p50/p99) and with --clients in flight (per second);
  (1)    the referral service alone: SubmitReferral p50/p99 one client at a time, AcceptReferral on
         an existing case p50/p99, SubmitReferral with --clients in flight, then AcceptReferral on
         those cases with --clients in flight (one event, one publish: the floor's own write);
  (2)    all four services, on a second server (so none starts behind): SubmitReferral with
         --clients in flight, then the time until every reaction and projection has caught up
         (lag 0) after the load stops.
CPU per command is the process's CPU time (user + system, from /proc) over the commands it handled.
Every figure is printed beside its floor and as a ratio to it, since the machine may be shared.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError
from workers import run_workers  # bench/workers.py, beside this script

from sanctuary.demo.people import make_client
from sanctuary.demo.storyline import COORDINATOR
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import ServiceProcess, service_environment, start_service, wait_healthy
from shared.contracts.referral import AcceptReferral, SubmitReferral, case_id_for
from shared.eventstore import STREAM

RAW_STREAM = "RAWCMD"
RAW_SUBJECT = "bench.raw.command"
ROOT = Path(__file__).resolve().parent.parent
SERVICES_BUT_REFERRAL = ("assessment", "contractor", "reporting")
# What SubmitReferral records: the referral, four consents and the eligibility evaluation.
SUBMIT_EVENTS = 6


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the floor: a raw nats-py responder in its own process ---------------------------------------


async def raw_responder(url: str, events: int) -> None:
    """Each request: ``events`` JetStream publishes of its body to a new subject (the first with the
    expected-sequence 0 check and a message id; several go as one atomic batch, as the event store
    writes a decision's events) and a reply with the ack. A task per message, as concurrent as
    nats-py allows."""
    nc = await nats.connect(url, name="bench-raw-responder")
    js = nc.jetstream()
    with contextlib.suppress(BadRequestError):  # the other floor's responder made it
        await js.add_stream(
            StreamConfig(
                name=RAW_STREAM,
                subjects=["raw.>"],
                storage=StorageType.FILE,
                allow_direct=True,
                allow_atomic=True,
                duplicate_window=120,
            )
        )
    tasks: set[asyncio.Task[None]] = set()
    counter = 0

    async def answer(msg: Msg, n: int) -> None:
        case = f"{os.getpid()}-{n}"
        first = {
            "Nats-Msg-Id": f"{case}:0",
            "Nats-Expected-Last-Subject-Sequence": "0",
            "Nats-Expected-Last-Subject-Sequence-Subject": f"raw.{case}.>",
        }
        if events == 1:
            ack = await nc.request(f"raw.{case}.event", msg.data, headers=first, timeout=30)
        else:
            batch = uuid.uuid4().hex
            for i in range(1, events + 1):
                headers = {
                    "Nats-Batch-Id": batch,
                    "Nats-Batch-Sequence": str(i),
                    "Nats-Msg-Id": f"{case}:{i}",
                }
                if i == 1:
                    headers |= first
                if i < events:
                    await nc.publish(f"raw.{case}.event", msg.data, headers=headers)
                else:
                    headers["Nats-Batch-Commit"] = "1"
                    ack = await nc.request(f"raw.{case}.event", msg.data, headers=headers, timeout=30)
        await msg.respond(ack.data)

    async def on_request(msg: Msg) -> None:
        nonlocal counter
        counter += 1
        task = asyncio.create_task(answer(msg, counter))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    await nc.subscribe(f"{RAW_SUBJECT}.{events}", queue="raw", cb=on_request)
    await nc.flush()
    print("ready", flush=True)
    await asyncio.Event().wait()


def start_raw_responder(url: str, events: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--raw-responder", url, "--raw-events", str(events)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        process.kill()
        raise RuntimeError("the raw responder did not start")
    return process


async def measure_floor(
    nc: NATS, args: argparse.Namespace, process: subprocess.Popen[bytes], events: int, body: bytes
) -> dict[str, float]:
    cpu = cpu_seconds(process.pid)

    async def send(i: int) -> None:
        await ok_request(nc, f"{RAW_SUBJECT}.{events}", body)

    p50, p99 = await sequential(args.sequential, send)
    rate = await concurrent(args.clients, args.requests, send)
    cpu_ms = (cpu_seconds(process.pid) - cpu) * 1000 / (args.sequential + args.requests)
    return {"p50_ms": p50, "p99_ms": p99, "per_s": rate, "cpu_ms": cpu_ms}


# -- load ----------------------------------------------------------------------------------------


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


async def total_lag(nc: NATS, names: tuple[str, ...]) -> int:
    """Events not yet handled by any reader of CASES: durable consumers' pending and unacked
    messages, and the lag each service reports for its readers on ``health.<service>``."""
    js = nc.jetstream()
    lag = 0
    for info in await js.consumers_info(STREAM):
        lag += (info.num_pending or 0) + (info.num_ack_pending or 0)
    for name in names:
        reply = await nc.request(f"health.{name}", b"", timeout=10)
        lag += sum(int(r.get("lag", 0)) for r in json.loads(reply.data).get("readers", []))
    return lag


async def time_to_catch_up(nc: NATS, names: tuple[str, ...], deadline_s: float) -> tuple[float, int]:
    """Seconds until every reader has caught up, and what was still behind when it stopped
    waiting (0 when it caught up within ``deadline_s``)."""
    started = time.perf_counter()
    while (lag := await total_lag(nc, names)) > 0:
        if time.perf_counter() - started > deadline_s:
            return time.perf_counter() - started, lag
        await asyncio.sleep(0.2)  # each look asks every service: not so often it adds to their work
    return time.perf_counter() - started, 0


# -- the run -------------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"clients": args.clients, "requests": args.requests}
    run = os.urandom(3).hex()
    env = bench_environment(url, work)
    nc = await nats.connect(url, name="bench-commands-client")
    processes: list[ServiceProcess] = []
    raws = [start_raw_responder(url, 1), start_raw_responder(url, SUBMIT_EVENTS)]
    try:
        # The floors: one publish (the brief's floor), and the atomic batch a submission writes.
        one = await measure_floor(nc, args, raws[0], 1, b"x" * 2600)
        result |= {f"floor_{k}": v for k, v in one.items()}
        batch = await measure_floor(nc, args, raws[1], SUBMIT_EVENTS, b"x" * 900)
        result |= {f"batch_floor_{k}": v for k, v in batch.items()}

        # (1) The referral service alone.
        processes.append(start_service("referral", env, work / "logs", ROOT))
        await wait_healthy(url, processes, timeout=120)
        submissions = Submissions(run)
        submit = SubmitReferral.subject()
        warm = [submissions.next("warm") for _ in range(50)]
        for _, body in warm:
            await ok_request(nc, submit, body)
        referral_pid = processes[0].process.pid
        cpu = cpu_seconds(referral_pid)
        submitted: list[str] = []

        async def submit_send(i: int) -> None:
            case_id, body = submissions.next("seq")
            await ok_request(nc, submit, body)
            submitted.append(case_id)

        submit_seq = await sequential(args.sequential, submit_send)

        async def accept_send(i: int) -> None:
            await ok_request(nc, AcceptReferral.subject(), accept_body(submitted[i], i, run))

        accept_seq = await sequential(args.sequential, accept_send)
        result["referral_cpu_ms_sequential"] = (
            (cpu_seconds(referral_pid) - cpu) * 1000 / (2 * args.sequential)
        )

        loaded: list[str] = []

        async def submit_any(i: int) -> None:
            case_id, body = submissions.next("load")
            await ok_request(nc, submit, body)
            loaded.append(case_id)

        cpu = cpu_seconds(referral_pid)
        profiler = profile(referral_pid, args.profile / "referral.txt") if args.profile else None
        alone_rate = await concurrent(args.clients, args.requests, submit_any)
        if profiler:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            profiler.wait()
        result["referral_cpu_ms_alone"] = (cpu_seconds(referral_pid) - cpu) * 1000 / args.requests

        # A one-event command (one publish, like the floor) on existing cases, as many at once.
        async def accept_any(i: int) -> None:
            await ok_request(nc, AcceptReferral.subject(), accept_body(loaded[i], i, run + "-load"))

        profiler = profile(referral_pid, args.profile / "referral-accept.txt") if args.profile else None
        result["accept_alone_per_s"] = await concurrent(args.clients, len(loaded), accept_any)
        if profiler:
            profiler.send_signal(signal.SIGINT)
            profiler.wait()
        result |= {
            "submit_p50_ms": submit_seq[0],
            "submit_p99_ms": submit_seq[1],
            "accept_p50_ms": accept_seq[0],
            "accept_p99_ms": accept_seq[1],
            "submit_alone_per_s": alone_rate,
        }

    finally:
        for p in reversed(processes):
            p.stop()
        for raw in raws:
            raw.kill()
            raw.wait()
        await nc.close()
    return result


async def measure_all_four(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    """(2) All four services on a stream of their own (so none starts behind): SubmitReferral with
    --clients in flight, each service's CPU per command, and the time until every reaction and
    projection has caught up after the load stops."""
    result: dict[str, Any] = {}
    env = bench_environment(url, work)
    nc = await nats.connect(url, name="bench-commands-client")
    processes = [
        start_service(name, env, work / "logs", ROOT) for name in ("referral", *SERVICES_BUT_REFERRAL)
    ]
    try:
        await wait_healthy(url, processes, timeout=120)
        names = tuple(p.name for p in processes)
        submissions = Submissions(os.urandom(3).hex())

        async def submit_any(i: int) -> None:
            await ok_request(nc, SubmitReferral.subject(), submissions.next("load")[1])

        cpus = {p.name: cpu_seconds(p.process.pid) for p in processes}
        profilers = (
            [profile(p.process.pid, args.profile / f"{p.name}-all-four.txt") for p in processes]
            if args.profile
            else []
        )
        result["submit_all_four_per_s"] = await concurrent(args.clients, args.requests, submit_any)
        result["catch_up_s"], result["lag_left"] = await time_to_catch_up(nc, names, args.catch_up_wait)
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)
            profiler.wait()
        for p in processes:
            cpu_ms = (cpu_seconds(p.process.pid) - cpus[p.name]) * 1000 / args.requests
            result[f"cpu_ms_per_command_{p.name}"] = cpu_ms
    finally:
        for p in reversed(processes):
            p.stop()
        await nc.close()
    return result


def bench_environment(url: str, work: Path) -> dict[str, str]:
    env = service_environment(url, base64.b64encode(os.urandom(32)).decode())
    return env | {
        "SANCTUARY_SIGNING_KEYS": str(work / "keys"),
        "SANCTUARY_PUBLIC_KEYS": str(work / "keys"),
        "DATABASE_URL": f"sqlite:///{work / 'readmodel.db'}",
    }


def profile(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the process into ``out`` (collapsed stacks), for as long as the load runs."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--output",
            out,
            "--rate",
            "200",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def report(r: dict[str, Any]) -> None:
    f50, f99, frate, clients = r["floor_p50_ms"], r["floor_p99_ms"], r["floor_per_s"], r["clients"]
    b50, brate = r["batch_floor_p50_ms"], r["batch_floor_per_s"]
    print(
        f"floor, raw nats-py responder, one JetStream publish: p50 {f50:.2f} ms, p99 {f99:.2f} ms; "
        f"{frate:,.0f}/s with {clients} clients; {r['floor_cpu_ms']:.2f} ms CPU per request"
    )
    print(
        f"floor, raw nats-py responder, atomic batch of {SUBMIT_EVENTS} (what a submission writes): "
        f"p50 {b50:.2f} ms, p99 {r['batch_floor_p99_ms']:.2f} ms; {brate:,.0f}/s with {clients} clients"
    )
    for label, p50, p99, own in (
        ("SubmitReferral, one client    ", r["submit_p50_ms"], r["submit_p99_ms"], b50),
        ("AcceptReferral, one client    ", r["accept_p50_ms"], r["accept_p99_ms"], f50),
    ):
        print(
            f"{label}: p50 {p50:.2f} ms ({p50 / f50:.1f}x floor, {p50 / own:.1f}x its own write's floor), "
            f"p99 {p99:.2f} ms"
        )
    for label, key in (
        ("AcceptReferral, referral alone", "accept_alone_per_s"),
        ("SubmitReferral, referral alone", "submit_alone_per_s"),
        ("SubmitReferral, all four      ", "submit_all_four_per_s"),
    ):
        if key in r:
            rate = r[key]
            print(
                f"{label}: {rate:,.0f}/s with {clients} clients "
                f"({rate / frate:.2f}x floor, {rate / brate:.2f}x the batch floor)"
            )
    cpu = ", ".join(f"{k.rsplit('_', 1)[1]} {v:.2f} ms" for k, v in r.items() if k.startswith("cpu_ms_per"))
    if cpu:
        print(f"CPU per command, all four running: {cpu}")
    print(
        f"CPU per command, referral alone under load {r['referral_cpu_ms_alone']:.2f} ms, one at a time "
        f"{r['referral_cpu_ms_sequential']:.2f} ms (floor {r['floor_cpu_ms']:.2f} ms)"
    )
    if r.get("lag_left"):
        print(
            f"reactions and projections NOT back to lag 0 within {r['catch_up_s']:.0f} s after the load "
            f"stopped: {r['lag_left']:,} events still behind"
        )
    elif "catch_up_s" in r:
        print(f"reactions and projections back to lag 0: {r['catch_up_s']:.2f} s after the load stopped")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="sanctuary-bench-commands-"))
    try:
        with NatsServer(store_dir=work / "nats", sync_interval="always") as server:
            result = await measure(args, server.url, work)
        print("referral alone:", json.dumps(result), flush=True)  # kept if the rest fails
        if not args.referral_only:
            with NatsServer(store_dir=work / "nats-2", sync_interval="always") as server:
                result |= await measure_all_four(args, server.url, work / "all-four")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result |= {
        "submit_p50_vs_floor": result["submit_p50_ms"] / result["floor_p50_ms"],
        "submit_p50_vs_batch_floor": result["submit_p50_ms"] / result["batch_floor_p50_ms"],
        "accept_p50_vs_floor": result["accept_p50_ms"] / result["floor_p50_ms"],
        "submit_alone_rate_vs_floor": result["submit_alone_per_s"] / result["floor_per_s"],
        "submit_alone_rate_vs_batch_floor": result["submit_alone_per_s"] / result["batch_floor_per_s"],
        "accept_alone_rate_vs_floor": result["accept_alone_per_s"] / result["floor_per_s"],
    }
    if "submit_all_four_per_s" in result:
        result["submit_all_four_rate_vs_floor"] = result["submit_all_four_per_s"] / result["floor_per_s"]
    report(result)
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=960, help="commands per rate measurement (960)")
    parser.add_argument("--sequential", type=int, default=200, help="commands one at a time for p50 (200)")
    parser.add_argument("--clients", type=int, default=32, help="clients in flight for the rates (32)")
    parser.add_argument(
        "--profile", type=Path, help="py-spy each service under load into this directory (collapsed stacks)"
    )
    parser.add_argument(
        "--catch-up-wait", type=float, default=300.0, help="seconds to wait for lag 0 after the load (300)"
    )
    parser.add_argument("--referral-only", action="store_true", help="skip the four-service measures")
    parser.add_argument("--raw-responder", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--raw-events", type=int, default=1, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.raw_responder:
        asyncio.run(raw_responder(arguments.raw_responder, arguments.raw_events))
    else:
        figures = asyncio.run(main(arguments))
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))
