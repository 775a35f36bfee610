"""Fire control lookup benchmark: "is this address a sanctuary address?" against a raw nats-py
request/reply on the same machine, same run.

    python bench/fire_lookup.py [--help]

Starts its own nats-server on a free port with a temporary store, records --flags synthetic
SanctuaryAddressFlagged events (one per case) through the event store, then starts the real
assessment service, which rebuilds its address index from the stream (timed), and measures:
  (a) a raw nats-py request/reply to a responder that answers a fixed flag-sized reply at once;
  (b) a FastStream subscriber that returns the same reply at once (what the framework itself
      costs: every service endpoint is a FastStream subscriber);
  (c) the service's lookup on query.fire.SanctuaryAddress as the fire control room, half the
      addresses flagged and half not (validation, role check, keyed hash of the address, index,
      the answer with its flag, the log line without the address);
each one request at a time (latency p50/p99) and with --concurrency in flight (requests/second).
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import nats
from faststream import FastStream
from faststream.nats import NatsBroker, NatsMessage
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from workers import percentile, run_workers  # bench/workers.py, beside this script

from sanctuary.devtools.nats_server import NatsServer
from sanctuary.provision import provision
from services.assessment.app import create_app
from services.keys.app import create_app as keys_app
from shared.codec import CasePosition
from shared.contracts.assessment import (
    SANCTUARY_ADDRESS_QUERY,
    FireFlagView,
    SanctuaryAddressFlagged,
    SharingBasis,
)
from shared.crypto import KeyStore
from shared.events import Actor, Role
from shared.eventstore import EventStore
from shared.logging import configure_logging
from shared.settings import load_settings
from shared.signing import load_or_create_signer

FIRE_CREW = Actor(agency="Bench Fire and Rescue", person="bench-fire", role=Role.FIRE_OFFICER)
CONTROL = Actor(agency="Bench Fire Control", person="bench-ctl", role=Role.FIRE_CONTROL)
RAW_SUBJECT = "bench.raw.lookup"
FASTSTREAM_SUBJECT = "bench.faststream.lookup"


def address(n: int) -> tuple[str, str]:
    """A synthetic postcode and house number, unique per n."""
    return f"ZZ{n % 90 + 10} {n % 9}{chr(65 + n // 810 % 26)}{chr(65 + n // 21060 % 26)}", str(n % 810 + 1)


def flag(n: int) -> FireFlagView:
    postcode, house = address(n)
    return FireFlagView(
        address=f"{house} Bench Street, Testtown",
        house=house,
        postcode=postcode,
        sanctuary_room="front bedroom, first floor",
        sanctuary_room_at_front=True,
        risk_of_arson=n % 3 == 0,
        occupants=1 + n % 4,
        children=n % 3,
        rescue_needs=None,
        flagged_on=date(2025, 6, 2),
    )


async def record_flags(url: str, kek: bytes, keys_dir: Path, count: int, concurrency: int) -> None:
    nc = await nats.connect(url, name="sanctuary-bench-flags")
    js = nc.jetstream(timeout=30)
    await provision(nc)  # what the assessment service expects to find
    keys = KeyStore(js, kek)
    await keys.start()
    store = EventStore(nc, keys, "assessment", load_or_create_signer(keys_dir, "assessment"))
    run = os.urandom(3).hex()

    async def one(_: int, n: int) -> None:
        case_id = f"F{run}-{n}"
        event = SanctuaryAddressFlagged(flag=flag(n), shared_under=SharingBasis.CONSENT)
        await store.append(case_id, [event], expected=CasePosition(), actor=FIRE_CREW, command_id=case_id)

    try:
        await run_workers(concurrency, count, one)
    finally:
        await keys.stop()
        await nc.close()


async def measure(
    nc: NATS, subject: str, bodies: list[bytes], requests: int, concurrency: int
) -> tuple[float, float, float]:
    """p50 and p99 in ms one at a time, then requests/second with ``concurrency`` in flight."""
    latencies = []
    for i in range(requests):
        started = time.perf_counter()
        await nc.request(subject, bodies[i % len(bodies)], timeout=5)
        latencies.append((time.perf_counter() - started) * 1000)

    async def one(_: int, i: int) -> None:
        await nc.request(subject, bodies[i % len(bodies)], timeout=5)

    rate = await run_workers(concurrency, requests, one)
    return percentile(latencies, 50), percentile(latencies, 99), rate


async def faststream_responder(url: str, reply: bytes) -> FastStream:
    broker = NatsBroker(url, logger=None)

    @broker.subscriber(FASTSTREAM_SUBJECT)
    async def respond(msg: NatsMessage) -> bytes:
        return reply

    app = FastStream(broker, logger=None)
    await app.start()
    return app


def queries(flags: int, count: int) -> list[bytes]:
    """Half flagged addresses, half addresses that are not (numbers past the flagged ones)."""
    bodies = []
    for i in range(count):
        postcode, house = address(i * 7 % flags if i % 2 == 0 else flags + i)
        body = {"actor": CONTROL.model_dump(mode="json"), "postcode": postcode, "house": house}
        bodies.append(json.dumps(body).encode())
    return bodies


async def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging(json=True, level="WARNING")  # the service logs every lookup at INFO
    work = Path(tempfile.mkdtemp(prefix="sanctuary-bench-fire-"))
    kek = os.urandom(32)
    result: dict[str, Any] = {"flags": args.flags, "requests": args.requests, "concurrency": args.concurrency}
    try:
        with NatsServer(store_dir=work / "nats") as server:
            await record_flags(server.url, kek, work / "keys", args.flags, 32)
            settings = load_settings(
                nats_url=server.url,
                kek=base64.b64encode(kek).decode(),
                signing_keys_dir=work / "keys",
                log_json=True,
                log_level="WARNING",
            )
            # The services hold no KEK: the key custodian (here in this process) gives case keys.
            custodian, _ = keys_app(settings)
            await custodian.start()
            app, service = create_app(settings)
            started = time.perf_counter()
            await app.start()
            result["index_rebuild_s"] = time.perf_counter() - started
            result["flags"] = len(service.parts.fire_lookup.index)
            print(
                f"assessment service up, index of {len(service.parts.fire_lookup.index):,} flags "
                f"rebuilt from the stream in {result['index_rebuild_s']:.2f} s"
            )
            nc = await nats.connect(server.url, name="sanctuary-bench-client")
            try:
                bodies = queries(args.flags, 1000)
                probe = json.loads((await nc.request(SANCTUARY_ADDRESS_QUERY, bodies[0], timeout=5)).data)
                assert probe["found"] is True, "a flagged address was not found"
                raw_reply = json.dumps(probe).encode()

                async def raw_responder(msg: Msg) -> None:
                    await msg.respond(raw_reply)

                await nc.subscribe(RAW_SUBJECT, cb=raw_responder)
                await nc.flush()
                framework = await faststream_responder(server.url, raw_reply)
                raw = await measure(nc, RAW_SUBJECT, bodies, args.requests, args.concurrency)
                bare = await measure(nc, FASTSTREAM_SUBJECT, bodies, args.requests, args.concurrency)
                ours = await measure(nc, SANCTUARY_ADDRESS_QUERY, bodies, args.requests, args.concurrency)
            finally:
                await nc.close()
                await app.stop()
                await framework.stop()
                await custodian.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result |= {
        "raw_request_p50_ms": raw[0],
        "raw_request_p99_ms": raw[1],
        "raw_requests_per_s": raw[2],
        "faststream_p50_ms": bare[0],
        "faststream_p99_ms": bare[1],
        "faststream_requests_per_s": bare[2],
        "lookup_p50_ms": ours[0],
        "lookup_p99_ms": ours[1],
        "lookups_per_s": ours[2],
        "lookup_p99_vs_raw": ours[1] / raw[1],
        "lookup_rate_ratio": ours[2] / raw[2],
        "lookup_rate_vs_faststream": ours[2] / bare[2],
    }
    for name, (p50, p99, rate) in (
        ("raw nats-py request/reply  ", raw),
        ("bare FastStream subscriber ", bare),
        ("sanctuary address lookup   ", ours),
    ):
        print(f"{name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms; {rate:,.0f}/s with {args.concurrency} in flight")
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flags", type=int, default=5000, help="flagged addresses recorded (default 5000)")
    parser.add_argument("--requests", type=int, default=4000, help="requests per measurement (default 4000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight for the rate (16)")
    return parser.parse_args()


if __name__ == "__main__":
    figures = asyncio.run(main(parse_args()))
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))
