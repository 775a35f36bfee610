"""Command throughput benchmark: the real services as processes, against raw nats-py in the same run.

    python bench/commands.py [--cluster 3] [--help]

Starts its own nats-server (sync_interval: always, as `sanctuary run` does) on a free port, or with
--cluster N a local N-node cluster (as `sanctuary run --cluster N` does) whose
streams have N replicas (the floor's stream too), provisions it as `sanctuary provision` does, starts
the key custodian, then:
  floor  a raw nats-py responder process: each request is one JetStream publish (with the same
         expected-sequence and message-id headers as an event) and a reply with the ack; measured
         one request at a time (p50/p99) and with --clients in flight (per second); the same with the
         atomic batch of 6 events a submission writes (the batch floor); and the FastStream floor: a
         broker wired as a service's (same middlewares, decoder, workers) doing only that publish;
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
from collections.abc import AsyncIterator, Awaitable, Callable
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

from sanctuary.cluster import MAX_REPLICAS
from sanctuary.demo.people import make_client
from sanctuary.demo.storyline import COORDINATOR
from sanctuary.deployconfig import KEYS
from sanctuary.devtools.nats_cluster import NatsCluster
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import (
    ServiceProcess,
    provision_server,
    service_environment,
    start_service,
    wait_healthy,
)
from shared.contracts.referral import AcceptReferral, SubmitReferral, case_id_for
from shared.eventstore import STREAM
from shared.nats_connect import server_list

RAW_STREAM = "RAWCMD"
RAW_SUBJECT = "bench.raw.command"
# Under cmd., as a command's subject is: the command metrics middleware times what it carries.
FASTSTREAM_SUBJECT = "cmd.bench.FastStreamFloor"
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


async def raw_responder(url: str, events: int, replicas: int) -> None:
    """Each request: ``events`` JetStream publishes of its body to a new subject (the first with the
    expected-sequence 0 check and a message id; several go as one atomic batch, as the event store
    writes a decision's events) and a reply with the ack. A task per message, as concurrent as
    nats-py allows. The stream has ``replicas`` replicas, as CASES has."""
    nc = await nats.connect(server_list(url), name="bench-raw-responder")
    js = nc.jetstream()
    with contextlib.suppress(BadRequestError):  # the other floor's responder made it
        await js.add_stream(
            StreamConfig(
                name=RAW_STREAM,
                subjects=["raw.>"],
                storage=StorageType.FILE,
                num_replicas=replicas,
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


async def faststream_responder(url: str) -> None:
    """The FastStream floor: a broker wired as a service's is (the same middlewares, decoder and
    workers, shared.service and shared.bus), whose command endpoint does only the raw floor's one
    JetStream publish and replies with the ack. What it costs beyond the raw floor is FastStream's
    own consume path, which the services keep."""
    from faststream.nats import NatsBroker

    from shared.bus import COMMAND_WORKERS, raw_body
    from shared.health import ServiceHealth
    from shared.metrics import ServiceMetrics
    from shared.tracing import tracing_middlewares

    nc = await nats.connect(server_list(url), name="bench-faststream-responder")
    metrics = ServiceMetrics("bench", ServiceHealth("bench", "0"))
    broker = NatsBroker(
        server_list(url), logger=None, middlewares=(*tracing_middlewares("bench"), *metrics.middlewares())
    )
    counter = 0

    async def endpoint(body: Any) -> bytes:
        nonlocal counter
        counter += 1
        case = f"fs{os.getpid()}-{counter}"
        headers = {
            "Nats-Msg-Id": f"{case}:0",
            "Nats-Expected-Last-Subject-Sequence": "0",
            "Nats-Expected-Last-Subject-Sequence-Subject": f"raw.{case}.>",
        }
        ack = await nc.request(f"raw.{case}.event", body, headers=headers, timeout=30)
        return ack.data

    broker.subscriber(FASTSTREAM_SUBJECT, queue="fs", decoder=raw_body, max_workers=COMMAND_WORKERS)(endpoint)
    await broker.start()
    await broker.connection.flush(timeout=5)
    print("ready", flush=True)
    await asyncio.Event().wait()


def start_faststream_responder(url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--faststream-responder", url], stdout=subprocess.PIPE, cwd=ROOT
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        process.kill()
        raise RuntimeError("the FastStream responder did not start")
    return process


def start_raw_responder(url: str, events: int, replicas: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--raw-responder",
            url,
            "--raw-events",
            str(events),
            "--raw-replicas",
            str(replicas),
        ],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        process.kill()
        raise RuntimeError("the raw responder did not start")
    return process


async def measure_floor(
    nc: NATS, args: argparse.Namespace, process: subprocess.Popen[bytes], subject: str, body: bytes
) -> dict[str, float]:
    cpu = cpu_seconds(process.pid)

    async def send(i: int) -> None:
        await ok_request(nc, subject, body)

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
    nc = await nats.connect(server_list(url), name="bench-commands-client")
    processes: list[ServiceProcess] = []
    raws = [
        start_raw_responder(url, 1, args.replicas),
        start_raw_responder(url, SUBMIT_EVENTS, args.replicas),
    ]
    try:
        raws.append(start_faststream_responder(url))
        # The floors: one publish (the floor), and the atomic batch a submission writes;
        # then the one publish behind FastStream wired as a service is.
        one = await measure_floor(nc, args, raws[0], f"{RAW_SUBJECT}.1", b"x" * 2600)
        result |= {f"floor_{k}": v for k, v in one.items()}
        batch = await measure_floor(nc, args, raws[1], f"{RAW_SUBJECT}.{SUBMIT_EVENTS}", b"x" * 900)
        result |= {f"batch_floor_{k}": v for k, v in batch.items()}
        faststream = await measure_floor(nc, args, raws[2], FASTSTREAM_SUBJECT, b"x" * 2600)
        result |= {f"faststream_floor_{k}": v for k, v in faststream.items()}

        # (1) The referral service alone (with the key custodian, which it asks for case keys).
        processes += await start_services(("referral",), url, work)
        submissions = Submissions(run)
        submit = SubmitReferral.subject()
        warm = [submissions.next("warm") for _ in range(50)]
        for _, body in warm:
            await ok_request(nc, submit, body)
        referral_pid = processes[-1].process.pid
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
    nc = await nats.connect(server_list(url), name="bench-commands-client")
    processes: list[ServiceProcess] = []
    try:
        processes += await start_services(("referral", *SERVICES_BUT_REFERRAL), url, work)
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


async def start_services(names: tuple[str, ...], url: str, work: Path) -> list[ServiceProcess]:
    """The key custodian (alone holding the KEK, as `sanctuary run` starts it) and then ``names``,
    healthy. The custodian comes first in the list."""
    common = {
        "SANCTUARY_SIGNING_KEYS": str(work / "keys"),
        "SANCTUARY_PUBLIC_KEYS": str(work / "keys"),
        "DATABASE_URL": f"sqlite:///{work / 'readmodel.db'}",
    }
    kek = base64.b64encode(os.urandom(32)).decode()
    processes = [start_service(KEYS, service_environment(url, kek) | common, work / "logs", ROOT)]
    try:
        await wait_healthy(url, processes, timeout=120)
        env = service_environment(url, None) | common
        processes += [start_service(name, env, work / "logs", ROOT) for name in names]
        await wait_healthy(url, processes, timeout=120)
    except BaseException:
        for p in reversed(processes):
            p.stop()
        raise
    return processes


@contextlib.asynccontextmanager
async def nats_system(store: Path, cluster: int) -> AsyncIterator[str]:
    """A provisioned NATS (one server, or a ``cluster``-node cluster with that many replicas of
    every stream); yields its URL (every node's, comma-separated)."""
    replicas = min(cluster, MAX_REPLICAS) if cluster else 1
    with contextlib.ExitStack() as stack:
        if cluster:
            url = stack.enter_context(NatsCluster(size=cluster, base_dir=store)).url
        else:
            url = stack.enter_context(NatsServer(store_dir=store, sync_interval="always")).url
        await provision_server(url, replicas)
        yield url


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
            "--gil",  # the thread holding the GIL: what costs CPU, not the idle worker threads
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def report(r: dict[str, Any]) -> None:
    """One table: each figure, ours, the raw nats-py floor measured in the same run, the ratio, the
    issue's target."""
    clients, where = r["clients"], r["where"]
    f50, frate, b50, brate = (
        r["floor_p50_ms"],
        r["floor_per_s"],
        r["batch_floor_p50_ms"],
        r["batch_floor_per_s"],
    )
    rows: list[tuple[str, str, str, str, str]] = []

    def row(figure: str, ours: float, floor: float, unit: str, target: str) -> None:
        fmt = "{:,.0f}" if unit == "/s" else "{:.2f}"
        rows.append(
            (
                figure,
                fmt.format(ours) + f" {unit}",
                fmt.format(floor) + f" {unit}",
                f"{ours / floor:.2f}x",
                target,
            )
        )

    row("SubmitReferral p50, one client", r["submit_p50_ms"], f50, "ms", "<= 4x floor")
    row("  the same, against a raw atomic batch of 6", r["submit_p50_ms"], b50, "ms", "")
    row("SubmitReferral p99, one client", r["submit_p99_ms"], r["floor_p99_ms"], "ms", "")
    row("AcceptReferral p50, one client", r["accept_p50_ms"], f50, "ms", "<= 3x floor")
    row("AcceptReferral p99, one client", r["accept_p99_ms"], r["floor_p99_ms"], "ms", "")
    row(
        f"SubmitReferral, {clients} clients, referral alone",
        r["submit_alone_per_s"],
        frate,
        "/s",
        ">= 1,000/s",
    )
    row("  the same, against a raw atomic batch of 6", r["submit_alone_per_s"], brate, "/s", "")
    row(f"AcceptReferral, {clients} clients, referral alone", r["accept_alone_per_s"], frate, "/s", "")
    if "submit_all_four_per_s" in r:
        row(
            f"SubmitReferral, {clients} clients, all four",
            r["submit_all_four_per_s"],
            frate,
            "/s",
            ">= 500/s",
        )
        row("  the same, against a raw atomic batch of 6", r["submit_all_four_per_s"], brate, "/s", "")
    s50, srate = r["faststream_floor_p50_ms"], r["faststream_floor_per_s"]
    row("FastStream floor p50, one client (one publish)", s50, f50, "ms", "")
    row(f"FastStream floor, {clients} clients", srate, frate, "/s", "")
    row("FastStream floor CPU per request", r["faststream_floor_cpu_ms"], r["floor_cpu_ms"], "ms", "")
    row("AcceptReferral p50 against the FastStream floor", r["accept_p50_ms"], s50, "ms", "")
    row("AcceptReferral rate against the FastStream floor", r["accept_alone_per_s"], srate, "/s", "")
    fcpu = r["floor_cpu_ms"]
    row("CPU per command, referral alone, under load", r["referral_cpu_ms_alone"], fcpu, "ms", "printed")
    row(
        "CPU per command, referral alone, one at a time",
        r["referral_cpu_ms_sequential"],
        fcpu,
        "ms",
        "printed",
    )
    for key, value in r.items():
        if key.startswith("cpu_ms_per_command_"):
            name = key.removeprefix("cpu_ms_per_command_")
            row(f"CPU per SubmitReferral, all four: {name}", value, fcpu, "ms", "printed")
    headings = ("figure", "ours", "floor", "ratio", "target")
    widths = [max(len(x[i]) for x in (headings, *rows)) for i in range(5)]
    print(f"\n{where}; floor: a raw nats-py responder doing one JetStream publish per request")
    print(f"(batch floor: the same doing the atomic batch of {SUBMIT_EVENTS} a submission writes)")
    for line in (headings, tuple("-" * w for w in widths), *rows):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    if r.get("lag_left"):
        print(
            f"reactions and projections NOT back to lag 0 within {r['catch_up_s']:.0f} s after the load "
            f"stopped: {r['lag_left']:,} events still behind (target: lag 0 within 5 s)"
        )
    elif "catch_up_s" in r:
        print(
            f"reactions and projections back to lag 0 {r['catch_up_s']:.2f} s after the load stopped "
            "(target 5 s)"
        )


async def main(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="sanctuary-bench-commands-"))
    try:
        async with nats_system(work / "nats", args.cluster) as url:
            result = await measure(args, url, work)
        print("referral alone:", json.dumps(result), flush=True)  # kept if the rest fails
        if not args.referral_only:
            async with nats_system(work / "nats-2", args.cluster) as url:
                result |= await measure_all_four(args, url, work / "all-four")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["where"] = (
        f"a {args.cluster}-node cluster, streams with {args.replicas} replicas"
        if args.cluster
        else "one server, R1"
    )
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
        "--profile",
        type=Path,
        help="py-spy each service under load into this directory (collapsed stacks); the sampling "
        "slows the services, so the rates of such a run are not the figures",
    )
    parser.add_argument(
        "--catch-up-wait", type=float, default=300.0, help="seconds to wait for lag 0 after the load (300)"
    )
    parser.add_argument("--referral-only", action="store_true", help="skip the four-service measures")
    parser.add_argument(
        "--cluster",
        type=int,
        default=0,
        metavar="N",
        help="run on a local N-node cluster with N-replica streams (0, the default: one server, R1)",
    )
    parser.add_argument("--raw-responder", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--faststream-responder", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--raw-events", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--raw-replicas", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.replicas = min(args.cluster, MAX_REPLICAS) if args.cluster else 1
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.faststream_responder:
        asyncio.run(faststream_responder(arguments.faststream_responder))
    elif arguments.raw_responder:
        asyncio.run(raw_responder(arguments.raw_responder, arguments.raw_events, arguments.raw_replicas))
    else:
        figures = asyncio.run(main(arguments))
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))
