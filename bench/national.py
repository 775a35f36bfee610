"""The read side at national scale: a synthetic national history, and what reading it back costs.

    python bench/national.py [--cases 10000,30000,100000] [--help]
    python bench/national.py --live-lag 960 [--clients 32]
    python bench/national.py --cases 100000 --keep DIR   (then again with --keep DIR: no writing)

Starts its own nats-server on a free port with a temporary store. First --templates synthetic case
pathways (the demo's storylines) are decided by the real deciders in this process, with the
services' reactions applied as they happen; then the history grows to each size in --cases by
writing copies of those cases (new case ids, the same decisions in the same groups) straight through
the event store (envelope, sealing of personal fields, expected-sequence check, hash chain,
signature). At each size, against its floor measured in the same run:
  - the raw ordered replay of the whole stream (a nats-py ordered consumer, nothing decoded);
  - `sanctuary rebuild` of the read models, on SQLite and on PostgreSQL (--postgres), events/s, with
    its CPU and its worker processes' (--rebuild-workers 0,1 measures each in turn), each against
    the raw replay measured again just before it;
  - the year's monitoring report from those read models (what `sanctuary report` runs), seconds: the
    funders' (the default audience) with the template alone (standing-together), then with a
    scheme's own measures (tower-hamlets' performance indicators, south-essex's service standards);
    then the coordinator's for each (exact, with the late cases listed);
  - `sanctuary audit verify --all`, events/s;
  - peak memory (maxrss) of each of those, each in its own process (timed after its imports);
  - loading one case (EventStore.load) against a raw ordered consumer on the case's subjects.
The history is written with the server's default sync (a bulk load; reads do not depend on it),
64 cases in flight. On one server each atomic batch (a decision of several events) is staged in a
file store of its own, one at a time, and the disk's sync makes that the writer's limit: with
--store-dir /dev/shm the history is written about three times faster.
At the end, a table of the curve (one line per size), then one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import nats
import psycopg
from eventstore import case_load_times  # bench/eventstore.py, beside this script
from national_history import Writer, copy_cases, template_cases  # beside this script
from national_lag import live_lag  # beside this script
from national_task import AUDIENCE_ENV, WORKERS_ENV  # beside this script
from nats.aio.client import Client as NATS
from workers import percentile  # bench/workers.py, beside this script

from sanctuary.demo.generator import financial_year_start, year_end
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import start_service, wait_healthy
from sanctuary.provision import provision
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from shared.crypto import KeyStore
from shared.eventstore import STREAM, EventStore
from shared.settings import load_settings
from shared.signing import load_or_create_signer

ROOT = Path(__file__).resolve().parent.parent
OWNERS = ("referral", "assessment", "contractor")
SCHEMES = ROOT / "config" / "schemes"
# The year's report is timed for each: the template alone first, then each kind of own measures.
REPORT_SCHEMES = ("standing-together", "tower-hamlets", "south-essex")


async def raw_replay(nc: NATS) -> tuple[int, float]:
    """(events, seconds) for an ordered consumer to read the whole stream, nothing decoded."""
    js = nc.jetstream()
    last = (await js.stream_info(STREAM)).state.last_seq
    done = asyncio.Event()
    seen = 0

    async def on_msg(msg: Any) -> None:
        nonlocal seen
        seen += 1
        if msg.metadata.sequence.stream >= last:
            done.set()

    started = time.perf_counter()
    sub = await js.subscribe("case.>", ordered_consumer=True, cb=on_msg, pending_msgs_limit=-1)
    try:
        await asyncio.wait_for(done.wait(), timeout=3600)
    finally:
        await sub.unsubscribe()
    return seen, time.perf_counter() - started


TASK = Path(__file__).with_name("national_task.py")  # the child that runs one task
PROFILE_DIR: Path | None = None  # --profile: py-spy each task into this directory
MEASURED: frozenset[str] = frozenset({"rebuild", "report", "verify", "load"})  # --only
REBUILD_WORKERS: tuple[str, ...] = ("auto",)  # --rebuild-workers


def timed_task(task: str, env: dict[str, str], *extra: str) -> dict[str, float]:
    """Run one task (bench/national_task.py) in its own process: the seconds it took (after its
    imports) and its peak memory. Called in a thread: the event loop keeps answering the server's
    pings meanwhile."""
    command = [sys.executable, str(TASK), task, *extra]
    if PROFILE_DIR is not None:
        out = PROFILE_DIR / f"{task}-{time.time_ns()}.txt"
        beside = Path(sys.executable).parent / "py-spy"
        spy = str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"
        command = [
            spy,
            "record",
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "100",
            "--output",
            str(out),
            "--",
            *command,
        ]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{task} failed ({done.returncode}): {done.stdout[-1500:]} {done.stderr[-1500:]}")
    # The task's own line: the last one that is a JSON object (py-spy may print after it).
    for line in reversed(done.stdout.strip().splitlines()):
        if '{"seconds"' in line:  # py-spy's own lines may run into it
            figures: dict[str, float] = json.loads(line[line.index('{"seconds"') :].split("}")[0] + "}")
            return figures
    raise RuntimeError(f"{task} printed no figures: {done.stdout[-1500:]}")


async def case_loads(writer: Writer, cases: int, samples: int) -> tuple[float, float, float, float]:
    """p50 and p99 in ms of EventStore.load of a random case, then of a raw ordered consumer."""
    names = [f"NAT-{n:06d}" for n in range(cases)]
    ours, raw = await case_load_times(writer.stores["referral"], writer.nc.jetstream(), names, samples)
    return percentile(ours, 50), percentile(ours, 99), percentile(raw, 50), percentile(raw, 99)


async def measure_at(
    writer: Writer, cases: int, env: dict[str, str], databases: dict[str, str], year: tuple[date, date]
) -> dict[str, Any]:
    out: dict[str, Any] = {"cases": cases}
    events, seconds = await raw_replay(writer.nc)
    out |= {"events": events, "raw_replay_s": seconds, "raw_replay_per_s": events / seconds}
    print(f"  {cases:,} cases, {events:,} events: raw ordered replay {events / seconds:,.0f}/s")
    last = (await writer.nc.jetstream().stream_info(STREAM)).state.last_seq
    for name, url in databases.items():
        db_env = env | {"DATABASE_URL": url}
        if "rebuild" not in MEASURED and "report" in MEASURED and read_model_position(url) != last:
            # A report from read models that do not hold the history (a new scratch database, an
            # older shape of tables) would time an empty year: rebuild them first, untimed.
            print(f"  {name}: the read models are not up to date with the history: rebuilding (untimed)")
            await asyncio.to_thread(timed_task, "rebuild", db_env)
        if "rebuild" in MEASURED:
            for workers in REBUILD_WORKERS:
                # Its floor again, just before it: on a shared machine the raw replay alone moved by
                # a fifth between runs, and a ratio to one measured minutes earlier moved with it.
                _, floor_s = await raw_replay(writer.nc)
                floor = events / floor_s
                rebuilt = await asyncio.to_thread(timed_task, "rebuild", db_env | {WORKERS_ENV: workers})
                key = f"rebuild_{name}" + (f"_w{workers}" if len(REBUILD_WORKERS) > 1 else "")
                per_s = events / rebuilt["seconds"]
                out |= {
                    f"{key}_s": rebuilt["seconds"],
                    f"{key}_per_s": per_s,
                    f"{key}_raw_per_s": floor,
                    f"{key}_vs_raw": per_s / floor,
                    f"{key}_mb": rebuilt["peak_mb"],
                    f"{key}_cpu_s": rebuilt["cpu_s"],
                    f"{key}_workers_cpu_s": rebuilt["workers_cpu_s"],
                    f"{key}_all_mb": rebuilt["all_peak_mb"],
                }
                print(
                    f"  rebuild on {name} (workers {workers}): {per_s:,.0f} events/s "
                    f"({per_s / floor:.2f}x the raw replay just before it, {floor:,.0f}/s), "
                    f"peak {rebuilt['peak_mb']:,.0f} MB (with its workers {rebuilt['all_peak_mb']:,.0f} MB), "
                    f"CPU {rebuilt['cpu_s']:.1f} s + workers' {rebuilt['workers_cpu_s']:.1f} s"
                )
        if "report" not in MEASURED:
            continue
        period = (year[0].isoformat(), year[1].isoformat())
        reports = {
            scheme: await asyncio.to_thread(
                timed_task, "report", db_env | {"SANCTUARY_SCHEME": str(SCHEMES / f"{scheme}.yaml")}, *period
            )
            for scheme in REPORT_SCHEMES
        }
        # The coordinator's report too: exact, and listing the cases late for each standard.
        exact = {
            scheme: await asyncio.to_thread(
                timed_task,
                "report",
                db_env | {"SANCTUARY_SCHEME": str(SCHEMES / f"{scheme}.yaml"), AUDIENCE_ENV: "coordinator"},
                *period,
            )
            for scheme in REPORT_SCHEMES
        }
        report = reports[REPORT_SCHEMES[0]]
        out |= {
            f"report_{name}_s": report["seconds"],
            f"report_{name}_mb": report["peak_mb"],
        }
        out |= {f"report_{name}_{scheme}_s": r["seconds"] for scheme, r in reports.items()}
        out |= {f"report_{name}_{scheme}_coordinator_s": r["seconds"] for scheme, r in exact.items()}
        own = ", ".join(f"{scheme} {r['seconds']:.2f} s" for scheme, r in list(reports.items())[1:])
        coordinator = ", ".join(f"{scheme} {r['seconds']:.2f} s" for scheme, r in exact.items())
        print(
            f"  {name}: the funders' year's report {report['seconds']:.2f} s, "
            f"peak {report['peak_mb']:,.0f} MB; with own measures: {own}; "
            f"the coordinator's (late cases listed): {coordinator}"
        )
    if "verify" in MEASURED:
        out |= await measure_verify(env, events, out["raw_replay_per_s"])
    if "load" in MEASURED:
        ours50, ours99, raw50, raw99 = await case_loads(writer, cases, 200)
        out |= {"load_p50_ms": ours50, "load_p99_ms": ours99}
        out |= {"raw_load_p50_ms": raw50, "raw_load_p99_ms": raw99}
        print(
            f"  one case: load p50 {ours50:.2f} ms, p99 {ours99:.2f} ms; "
            f"raw ordered consumer p50 {raw50:.2f} ms, p99 {raw99:.2f} ms"
        )
    return out


async def measure_verify(env: dict[str, str], events: int, raw_per_s: float) -> dict[str, Any]:
    """`sanctuary audit verify --all` over the whole history, against the raw replay."""
    verified = await asyncio.to_thread(timed_task, "verify", env)
    per_s = events / verified["seconds"]
    out = {
        "verify_s": verified["seconds"],
        "verify_per_s": per_s,
        "verify_vs_raw": per_s / raw_per_s,
        "verify_mb": verified["peak_mb"],
        "verify_worker_mb": verified["workers_peak_mb"],
        "verify_cpu_us": verified["cpu_s"] / events * 1e6,
        "verify_worker_cpu_us": verified["workers_cpu_s"] / events * 1e6,
    }
    print(
        f"  audit verify --all: {per_s:,.0f} events/s ({per_s / raw_per_s:.2f}x raw replay), "
        f"peak {verified['peak_mb']:,.0f} MB (each signature worker at most "
        f"{verified['workers_peak_mb']:,.0f} MB); CPU per event {out['verify_cpu_us']:.0f} us, "
        f"its workers {out['verify_worker_cpu_us']:.0f} us"
    )
    return out


def read_model_position(url: str) -> int:
    """The last stream sequence the live read models at ``url`` hold (0: none, or no tables yet)."""
    store = ReadModelStore(make_engine(url))
    try:
        store.ensure()
        return store.position()
    finally:
        store.engine.dispose()


@contextlib.contextmanager
def postgres_database(url: str | None) -> Any:
    """A database of our own on the PostgreSQL server (dropped afterwards), or None."""
    if not url:
        yield None
        return
    name = f"sanctuary_national_{os.urandom(3).hex()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    base = url.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    sizes = sorted(int(n) for n in args.cases.split(","))
    kept = _kept_history(args.keep)
    if args.keep:
        work = args.keep
        store = work / "nats"
        store.mkdir(parents=True, exist_ok=True)
        kek = (work / "kek").read_text() if kept else base64.b64encode(os.urandom(32)).decode()
        (work / "kek").write_text(kek)
    else:
        work = Path(tempfile.mkdtemp(prefix="sanctuary-bench-national-"))
        store = Path(tempfile.mkdtemp(prefix="nats-", dir=args.store_dir or work))
        kek = base64.b64encode(os.urandom(32)).decode()
    if kept:
        print(f"measuring the kept history of {kept:,} cases in {work} (--cases ignored)")
    curve: list[dict[str, Any]] = []
    try:
        with NatsServer(store_dir=store) as server, postgres_database(args.postgres) as pg:
            env = dict(os.environ) | {
                "NATS_URL": server.url,
                "SANCTUARY_KEK": kek,
                "SANCTUARY_SIGNING_KEYS": str(work / "keys"),
                "SANCTUARY_PUBLIC_KEYS": str(work / "keys"),
                "SANCTUARY_LOG_LEVEL": "WARNING",
            }
            settings = load_settings(
                nats_url=server.url, kek=kek, signing_keys_dir=work / "keys", public_keys_dir=work / "keys"
            )
            databases = {"sqlite": f"sqlite:///{work / 'read.db'}"} | ({"postgresql": pg} if pg else {})
            databases = {k: v for k, v in databases.items() if k in args.databases.split(",")}
            nc = await nats.connect(server.url, name="bench-national")
            js = nc.jetstream(timeout=30)
            await provision(nc)  # every stream and bucket, as `sanctuary provision` makes them
            # The services hold no KEK: rebuild and verify ask the key custodian for case keys.
            custodian = start_service("keys", env | {"PYTHONPATH": str(ROOT)}, work / "logs", ROOT)
            await wait_healthy(server.url, [custodian], timeout=120)
            keys = KeyStore(js, settings.kek_bytes)
            await keys.start()
            writer = Writer(nc, keys)
            for owner in OWNERS:
                signer = load_or_create_signer(work / "keys", owner, work / "keys")
                writer.stores[owner] = EventStore(nc, keys, owner, signer)
            try:
                start = financial_year_start(date.today()) - timedelta(days=365)
                year = (start, year_end(start))
                if kept:
                    curve.append(await measure_at(writer, kept, env, databases, year))
                    return {"curve": curve}
                templates = await template_cases(writer, settings, args.templates)
                per_case = sum(len(d.events) for t in templates for d in t) / len(templates)
                print(f"{len(templates)} template cases decided, {per_case:.1f} events per case on average")
                written = 0
                for size in sizes:
                    rate = await copy_cases(writer, templates, written, size)
                    written = size
                    print(f"history of {size:,} cases written at {rate:,.0f} events/s")
                    if args.keep:
                        (work / "written").write_text(str(size))
                    measured = {
                        k: v for k, v in databases.items() if k == "sqlite" or size <= args.postgres_up_to
                    }
                    curve.append(await measure_at(writer, size, env, measured, year) | {"write_per_s": rate})
            finally:
                await keys.stop()
                await nc.close()
                custodian.stop()
    finally:
        if not args.keep:
            shutil.rmtree(store, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)
    return {"curve": curve}


def _kept_history(keep: Path | None) -> int:
    """The cases of a history an earlier run kept in ``keep`` (0: none, it is written and kept)."""
    if keep is None:
        return 0
    keep.mkdir(parents=True, exist_ok=True)
    written = keep / "written"
    return int(written.read_text()) if written.exists() else 0


def table(curve: list[dict[str, Any]]) -> str:
    """The curve as a table: each figure with its floor (the raw ordered replay) beside it."""

    def cell(point: dict[str, Any], key: str, fmt: str) -> str:
        return format(point[key], fmt) if key in point else "-"

    columns: list[tuple[str, Any]] = [
        ("cases", lambda p: f"{p['cases']:,}"),
        ("events", lambda p: f"{p['events']:,}"),
        ("raw replay/s", lambda p: f"{p['raw_replay_per_s']:,.0f}"),
        ("write/s", lambda p: cell(p, "write_per_s", ",.0f")),
    ]
    for db in ("sqlite", "postgresql"):
        columns += [
            (
                f"rebuild {db}/s (x raw)",
                lambda p, db=db: (
                    f"{cell(p, f'rebuild_{db}_per_s', ',.0f')} ({cell(p, f'rebuild_{db}_vs_raw', '.2f')})"
                ),
            ),
            (f"rebuild {db} MB", lambda p, db=db: cell(p, f"rebuild_{db}_mb", ",.0f")),
            (f"report {db} s", lambda p, db=db: cell(p, f"report_{db}_s", ".2f")),
            (f"report {db} MB", lambda p, db=db: cell(p, f"report_{db}_mb", ",.0f")),
            *(
                (f"report {db} {s} s", lambda p, db=db, s=s: cell(p, f"report_{db}_{s}_s", ".2f"))
                for s in REPORT_SCHEMES[1:]
            ),
            (
                f"coordinator's report {db} s ({'/'.join(REPORT_SCHEMES)})",
                lambda p, db=db: "/".join(
                    cell(p, f"report_{db}_{s}_coordinator_s", ".2f") for s in REPORT_SCHEMES
                ),
            ),
        ]
    columns += [
        (
            "verify/s (x raw)",
            lambda p: f"{cell(p, 'verify_per_s', ',.0f')} ({cell(p, 'verify_vs_raw', '.2f')})",
        ),
        ("verify MB", lambda p: cell(p, "verify_mb", ",.0f")),
        ("load p50/p99 ms", lambda p: f"{cell(p, 'load_p50_ms', '.1f')}/{cell(p, 'load_p99_ms', '.1f')}"),
        (
            "raw load p50/p99 ms",
            lambda p: f"{cell(p, 'raw_load_p50_ms', '.1f')}/{cell(p, 'raw_load_p99_ms', '.1f')}",
        ),
    ]
    lines = [" | ".join(name for name, _ in columns)]
    lines += [" | ".join(str(value(p)) for _, value in columns) for p in curve]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default="10000,30000", help="history sizes, comma-separated (10000,30000)")
    parser.add_argument("--templates", type=int, default=60, help="distinct synthetic pathways copied (60)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server to make a scratch database on ('' to skip)",
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="the read models' databases measured (sqlite,postgresql)",
    )
    parser.add_argument(
        "--postgres-up-to", type=int, default=10**9, help="measure PostgreSQL only up to this many cases"
    )
    parser.add_argument(
        "--store-dir",
        type=Path,
        help="where the server keeps its store (default a temporary directory). On one server with "
        "file storage each atomic batch is staged in a file store of its own, which the disk's sync "
        "makes ~10 ms and one at a time: on /dev/shm the history is written several times faster",
    )
    parser.add_argument("--profile", type=Path, help="py-spy each task into this directory")
    parser.add_argument(
        "--only",
        default="rebuild,report,verify,load",
        help="measure only these, comma-separated: rebuild, report, verify, load (every one)",
    )
    parser.add_argument(
        "--rebuild-workers",
        default="auto",
        help="the rebuild's --workers, comma-separated to measure each in turn (auto: its default)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the history (server store, keys, KEK) in this directory; a later run with the same "
        "--keep measures it again without writing it (a bench history: synthetic data only)",
    )
    parser.add_argument(
        "--live-lag",
        type=int,
        metavar="N",
        help="instead: N SubmitReferral to the four running services, then the time to lag 0",
    )
    parser.add_argument("--clients", type=int, default=32, help="clients in flight for --live-lag (32)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    PROFILE_DIR = arguments.profile
    MEASURED = frozenset(arguments.only.split(","))
    REBUILD_WORKERS = tuple(arguments.rebuild_workers.split(","))
    if arguments.live_lag:
        lag = asyncio.run(live_lag(arguments.live_lag, arguments.clients))
        seconds = {
            k: "not within 600 s" if v is None else f"{v:.2f} s"
            for k, v in lag.items()
            if k.endswith("_s") and not isinstance(v, dict)
        }
        print(
            f"{arguments.live_lag} SubmitReferral at {lag['submit_per_s']:,.0f}/s "
            f"({arguments.clients} clients), {lag['events']:,} events: the reporting read model at lag 0 "
            f"{seconds['reporting_lag_0_s']} after the load stopped, "
            f"every reader {seconds['all_readers_lag_0_s']}"
        )
        print(
            f"  the stream last grew {lag['stream_last_grew_s']:.2f} s after the load stopped (the "
            f"reactions' events); meanwhile the read model was at most {lag['read_model_most_behind']} "
            "events behind"
        )
        for reader, at in sorted(lag["readers_lag_0_s"].items(), key=lambda kv: kv[1]):
            print(f"  {reader}: lag 0 from {at:.2f} s after the load stopped")
        print(json.dumps(lag))
    else:
        figures = asyncio.run(main(arguments))
        print(table(figures["curve"]))
        print(json.dumps(figures))
