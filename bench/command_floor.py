"""The floors of the command benchmark (bench/commands.py): a raw nats-py responder and a FastStream
broker wired as a service's, each in a process of its own, and their measurement.

    python bench/command_floor.py --raw-responder URL [--raw-events N] [--raw-replicas N]
    python bench/command_floor.py --faststream-responder URL

The responder prints "ready" once it is subscribed; bench/commands.py starts it so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import nats
from command_load import concurrent, cpu_seconds, ok_request, sequential  # beside this script
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.errors import BadRequestError

from shared.eventstore import stream_config
from shared.nats_connect import server_list

RAW_STREAM = "RAWCMD"
RAW_SUBJECT = "bench.raw.command"
# Under cmd., as a command's subject is: the command metrics middleware times what it carries.
FASTSTREAM_SUBJECT = "cmd.bench.FastStreamFloor"
ROOT = Path(__file__).resolve().parent.parent
# What SubmitReferral records: the referral, four consents and the eligibility evaluation; the
# batch floor writes as many.
SUBMIT_EVENTS = 6


def first_event_headers(case: str) -> dict[str, str]:
    """The headers of a new case's first event: its message id and the expected-sequence 0 check."""
    return {
        "Nats-Msg-Id": f"{case}:0",
        "Nats-Expected-Last-Subject-Sequence": "0",
        "Nats-Expected-Last-Subject-Sequence-Subject": f"raw.{case}.>",
    }


async def raw_responder(url: str, events: int, replicas: int) -> None:
    """Each request: ``events`` JetStream publishes of its body to a new subject (the first with the
    expected-sequence 0 check and a message id; several go as one atomic batch, as the event store
    writes a decision's events) and a reply with the ack. A task per message, as concurrent as
    nats-py allows. The stream is defined as CASES is, with ``replicas`` replicas."""
    nc = await nats.connect(server_list(url), name="bench-raw-responder")
    js = nc.jetstream()
    with contextlib.suppress(BadRequestError):  # the other floor's responder made it
        await js.add_stream(replace(stream_config(replicas), name=RAW_STREAM, subjects=["raw.>"]))
    tasks: set[asyncio.Task[None]] = set()
    counter = 0

    async def answer(msg: Msg, n: int) -> None:
        case = f"{os.getpid()}-{n}"
        first = first_event_headers(case)
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
        ack = await nc.request(f"raw.{case}.event", body, headers=first_event_headers(case), timeout=30)
        return ack.data

    broker.subscriber(FASTSTREAM_SUBJECT, queue="fs", decoder=raw_body, max_workers=COMMAND_WORKERS)(endpoint)
    await broker.start()
    await broker.connection.flush(timeout=5)
    print("ready", flush=True)
    await asyncio.Event().wait()


def start_responder(*options: str) -> subprocess.Popen[bytes]:
    """This script in a process of its own with ``options``, once it says it is ready."""
    process = subprocess.Popen([sys.executable, __file__, *options], stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        process.kill()
        raise RuntimeError(f"the responder {options[0]} did not start")
    return process


def start_faststream_responder(url: str) -> subprocess.Popen[bytes]:
    return start_responder("--faststream-responder", url)


def start_raw_responder(url: str, events: int, replicas: int) -> subprocess.Popen[bytes]:
    return start_responder(
        "--raw-responder", url, "--raw-events", str(events), "--raw-replicas", str(replicas)
    )


async def measure_floor(
    nc: NATS,
    args: argparse.Namespace,
    process: subprocess.Popen[bytes],
    subject: str,
    body: bytes,
    server_cpu: Callable[[], float],
) -> dict[str, float]:
    """A floor's p50 and p99 one request at a time, its rate with --clients in flight, and the CPU
    its responder process and the server (``server_cpu``: its CPU seconds so far) spent per request."""
    cpu, server = cpu_seconds(process.pid), server_cpu()

    async def send(i: int) -> None:
        await ok_request(nc, subject, body)

    p50, p99 = await sequential(args.sequential, send)
    rate = await concurrent(args.clients, args.requests, send)
    requests = args.sequential + args.requests
    cpu_ms = (cpu_seconds(process.pid) - cpu) * 1000 / requests
    server_ms = (server_cpu() - server) * 1000 / requests
    return {"p50_ms": p50, "p99_ms": p99, "per_s": rate, "cpu_ms": cpu_ms, "server_cpu_ms": server_ms}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--raw-responder", metavar="URL", help="the raw nats-py floor")
    which.add_argument("--faststream-responder", metavar="URL", help="the FastStream floor")
    parser.add_argument("--raw-events", type=int, default=1, help="events a request writes (1)")
    parser.add_argument("--raw-replicas", type=int, default=1, help="replicas of the floor's stream (1)")
    arguments = parser.parse_args()
    if arguments.faststream_responder:
        asyncio.run(faststream_responder(arguments.faststream_responder))
    else:
        asyncio.run(raw_responder(arguments.raw_responder, arguments.raw_events, arguments.raw_replicas))
