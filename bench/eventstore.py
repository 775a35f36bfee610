"""Event store benchmark: our append and case load against raw nats-py on the same machine, same run.

    python bench/eventstore.py [--help]

Starts its own nats-server(s) on free ports with temporary stores, then measures:
  (a) raw nats-py JetStream publish rate (publish, wait for the ack) at --concurrency;
  (b) our EventStore.append rate at the same concurrency over many cases (envelope, validation,
      encryption of personal fields, expected-sequence check, hash chain, signature);
  (c) loading one case's history (p50/p99) with --fill-cases x --events-per-case events in the
      stream, by EventStore.load against a raw ordered-consumer read of the same subject filter.
(a) and (b) run with sync_interval: always (the production setting; append_ratio is taken from
it) and again with the server's default, to show what fsync-before-ack costs. (c) fills the
default-sync server (reads do not depend on sync_interval) unless --fill-with-sync-always.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from pydantic import Field
from workers import percentile, run_workers  # bench/workers.py, beside this script

from sanctuary.devtools.nats_server import NatsServer
from sanctuary.provision import provision
from shared.codec import GENESIS_HASH, CasePosition, build_record, canonical, event_hash
from shared.crypto import KeyStore
from shared.events import Actor, Event, Role, utcnow
from shared.eventstore import STREAM, EventStore, new_event_id
from shared.personal import Personal
from shared.signing import load_or_create_signer

COORD = Actor(agency="Bench Borough Council", person="coord-bench", role=Role.COORDINATOR)
RAW_STREAM = "RAWBENCH"


class BenchReferralNoted(Event):
    """A referral-sized event: monitoring categories in the clear, personal data sealed."""

    owner = "referral"
    referral_source: str
    risk_level: str
    children_count: int = Field(ge=0)
    age_band: str
    client_name: Personal[str]
    client_address: Personal[str]
    client_telephone: Personal[str]
    notes: Personal[str]


def sample_event(n: int) -> BenchReferralNoted:
    return BenchReferralNoted(
        referral_source="IDVA service",
        risk_level="high",
        children_count=n % 4,
        age_band="25-34",
        client_name="Alice Example",
        client_address="1 Test Road, Testtown, TE1 1ST",
        client_telephone="07700 900123",
        notes="Synthetic benchmark note. " * 8,
    )


async def raw_publish_rate(js: JetStreamContext, payload: bytes, total: int, concurrency: int) -> float:
    config = StreamConfig(name=RAW_STREAM, subjects=["rawbench.>"], storage=StorageType.FILE)
    await js.add_stream(config)

    async def one(w: int, i: int) -> None:
        await js.publish(f"rawbench.{w}.{i % 50}", payload)

    try:
        return await run_workers(concurrency, total, one)
    finally:
        await js.delete_stream(RAW_STREAM)


async def append_rate(store: EventStore, total: int, concurrency: int, cases_per_worker: int) -> float:
    run = os.urandom(3).hex()
    positions: dict[str, CasePosition] = {}

    async def one(w: int, i: int) -> None:
        case_id = f"B{run}-{w}-{i % cases_per_worker}"
        recorded = await store.append(
            case_id,
            [sample_event(i)],
            expected=positions.get(case_id, CasePosition()),
            actor=COORD,
            command_id=f"{case_id}-{i}",
        )
        positions[case_id] = CasePosition(recorded[-1].seq, recorded[-1].hash)

    return await run_workers(concurrency, total, one)


async def fill(js: JetStreamContext, keys: KeyStore, cases: list[str], per_case: int) -> float:
    """Realistic stored records (our codec: sealed personal data, hash chain), published raw with
    many in flight. Cases are interleaved in the stream as they would be in life. Events/second."""
    case_keys = await asyncio.gather(*(keys.key_for_writing(c) for c in cases))
    prev = dict.fromkeys(cases, GENESIS_HASH)
    started = time.perf_counter()
    for k in range(per_case):
        for case_id, key in zip(cases, case_keys, strict=True):
            event = sample_event(k)
            now = utcnow()
            record = build_record(
                event_id=new_event_id(),
                payload=event,
                case_id=case_id,
                occurred_at=now,
                recorded_at=now,
                actor=COORD,
                causation_id=f"fill-{case_id}-{k}",
                correlation_id=f"fill-{case_id}-{k}",
                prev_hash=prev[case_id],
                key=key,
            )
            record["hash"] = prev[case_id] = event_hash(record)
            record["signature"] = ""
            await js.publish_async(f"case.{case_id}.referral.BenchReferralNoted", canonical(record))
    await js.publish_async_completed()
    return len(cases) * per_case / (time.perf_counter() - started)


async def raw_case_read(js: JetStreamContext, case_id: str) -> int:
    sub = await js.subscribe(f"case.{case_id}.>", ordered_consumer=True)
    count = 0
    try:
        while True:
            msg = await sub.next_msg(timeout=10)
            count += 1
            if msg.metadata.num_pending == 0:
                return count
    finally:
        await sub.unsubscribe()


async def case_load_times(
    store: EventStore, js: JetStreamContext, cases: list[str], samples: int, per_case: int | None = None
) -> tuple[list[float], list[float]]:
    """Milliseconds of EventStore.load of ``samples`` random cases and of a raw ordered consumer
    reading the same case, taking turns at reading first; each must find ``per_case`` events
    (None: as many as the raw read)."""
    ours: list[float] = []
    raw: list[float] = []
    for i, case_id in enumerate(random.sample(cases, min(samples, len(cases)))):
        # Whichever reads a case first finds the server's blocks cold: the two take turns at it.
        for turn in (0, 1) if i % 2 == 0 else (1, 0):
            started = time.perf_counter()
            if turn == 0:
                loaded = await store.load(case_id)
            else:
                read = await raw_case_read(js, case_id)
            (ours if turn == 0 else raw).append((time.perf_counter() - started) * 1000)
        if len(loaded) != read or (per_case is not None and read != per_case):
            raise RuntimeError(f"case {case_id}: loaded {len(loaded)}, raw read {read}, expected {per_case}")
    return ours, raw


@dataclass
class Connected:
    nc: NATS
    js: JetStreamContext
    keys: KeyStore
    store: EventStore

    @classmethod
    async def to(cls, url: str, keys_dir: Path) -> Connected:
        nc = await nats.connect(url, name="sanctuary-bench")
        js = nc.jetstream(timeout=30, publish_async_max_pending=4000)
        await provision(nc)  # every stream and bucket, as `sanctuary provision` makes them
        keys = KeyStore(js, os.urandom(32))
        await keys.start()
        store = EventStore(nc, keys, "referral", load_or_create_signer(keys_dir, "referral"))
        return cls(nc, js, keys, store)

    async def close(self) -> None:
        await self.keys.stop()
        await self.nc.close()


async def write_rates(url: str, keys_dir: Path, args: argparse.Namespace, label: str) -> dict[str, float]:
    conn = await Connected.to(url, keys_dir)
    try:
        payload = canonical(
            build_record(
                event_id=new_event_id(),
                payload=sample_event(0),
                case_id="raw",
                occurred_at=utcnow(),
                recorded_at=utcnow(),
                actor=COORD,
                causation_id="raw",
                correlation_id="raw",
                prev_hash=GENESIS_HASH,
                key=os.urandom(32),
            )
        )
        raw = await raw_publish_rate(conn.js, payload, args.publishes, args.concurrency)
        print(f"[{label}] raw nats-py publish: {raw:,.0f}/s ({len(payload)} byte records)")
        ours = await append_rate(conn.store, args.appends, args.concurrency, args.cases_per_worker)
        print(f"[{label}] EventStore.append:  {ours:,.0f}/s (ratio {ours / raw:.2f})")
        return {"raw_publish_per_s": raw, "append_per_s": ours}
    finally:
        await conn.close()


async def case_load_figures(url: str, keys_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    conn = await Connected.to(url, keys_dir)
    try:
        cases = [f"F{os.urandom(3).hex()}-{i}" for i in range(args.fill_cases)]
        filled = await fill(conn.js, conn.keys, cases, args.events_per_case)
        info = await conn.js.stream_info(STREAM)
        print(
            f"filled {args.fill_cases * args.events_per_case:,} events at {filled:,.0f}/s "
            f"(stream now {info.state.messages:,} events)"
        )
        ours, raw = await case_load_times(conn.store, conn.js, cases, args.loads, args.events_per_case)
    finally:
        await conn.close()
    figures = {
        "stream_events": info.state.messages,
        "case_events": args.events_per_case,
        "case_load_p50_ms": statistics.median(ours),
        "case_load_p99_ms": percentile(ours, 99),
        "raw_case_load_p50_ms": statistics.median(raw),
        "raw_case_load_p99_ms": percentile(raw, 99),
        "fill_per_s": filled,
    }
    print(
        f"case load ({args.events_per_case} events): ours p50 {figures['case_load_p50_ms']:.1f} ms, "
        f"p99 {figures['case_load_p99_ms']:.1f} ms; raw ordered consumer p50 "
        f"{figures['raw_case_load_p50_ms']:.1f} ms, p99 {figures['raw_case_load_p99_ms']:.1f} ms"
    )
    return figures


async def main(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="sanctuary-bench-"))
    keys_dir = work / "keys"
    print(
        f"concurrency {args.concurrency}; {args.publishes} raw publishes, {args.appends} appends over "
        f"{args.concurrency * args.cases_per_worker} cases; case load with "
        f"{args.fill_cases * args.events_per_case:,} events in the stream"
    )
    result: dict[str, Any] = {"concurrency": args.concurrency}
    try:
        with NatsServer(store_dir=work / "nats-always", sync_interval="always") as server:
            result |= await write_rates(server.url, keys_dir, args, "sync_interval: always")
            if args.fill_with_sync_always:
                result |= await case_load_figures(server.url, keys_dir, args)
        # Reads do not depend on sync_interval; filling without an fsync per message is 3x faster.
        with NatsServer(store_dir=work / "nats-default") as server:
            if not args.skip_default_sync:
                default = await write_rates(server.url, keys_dir, args, "default sync_interval")
                result["raw_publish_per_s_default_sync"] = default["raw_publish_per_s"]
                result["append_per_s_default_sync"] = default["append_per_s"]
                result["sync_always_cost_append"] = 1 - result["append_per_s"] / default["append_per_s"]
            if not args.fill_with_sync_always:
                result |= await case_load_figures(server.url, keys_dir, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["append_ratio"] = result["append_per_s"] / result["raw_publish_per_s"]
    result["case_load_p99_vs_raw"] = result["case_load_p99_ms"] / result["raw_case_load_p99_ms"]
    result["fill_sync_interval"] = "always" if args.fill_with_sync_always else "default"
    verdict = "meets" if result["append_ratio"] >= 0.5 and result["case_load_p99_vs_raw"] <= 2 else "misses"
    print(f"target (append_ratio >= 0.5 with sync always, case load p99 within 2x of raw): {verdict}")
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=32, help="in-flight writers (default 32)")
    parser.add_argument("--publishes", type=int, default=8000, help="raw publishes for (a) (default 8000)")
    parser.add_argument("--appends", type=int, default=8000, help="appends for (b) (default 8000)")
    parser.add_argument("--cases-per-worker", type=int, default=20, help="cases each writer appends to")
    parser.add_argument("--fill-cases", type=int, default=2000, help="cases filled for (c) (default 2000)")
    parser.add_argument("--events-per-case", type=int, default=100, help="events per filled case (100)")
    parser.add_argument("--loads", type=int, default=200, help="case loads sampled for (c) (default 200)")
    parser.add_argument(
        "--skip-default-sync", action="store_true", help="do not repeat (a) and (b) with the default sync"
    )
    parser.add_argument(
        "--fill-with-sync-always",
        action="store_true",
        help="fill and load on the sync_interval: always server (slower fill; same read path)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    figures = asyncio.run(main(parse_args()))
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))
