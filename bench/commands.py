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
CPU per command is the process's CPU time (user + system, from /proc) over the commands it handled;
the server's own (nats-server's, every node's) is printed the same way, for each floor, the
referral service alone and all four, and with all four the sum over every process: the most a
steady load can reach on the machine's cores, whatever the services did.
Every figure is printed beside its floor and as a ratio to it, since the machine may be shared.
The last line printed is one JSON object with every figure.
The floors are in bench/command_floor.py, the load in bench/command_load.py, the services in
bench/command_services.py and the table in bench/command_table.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import nats
from command_floor import (  # bench/command_floor.py and the rest, beside this script
    FASTSTREAM_SUBJECT,
    RAW_SUBJECT,
    SUBMIT_EVENTS,
    measure_floor,
    start_faststream_responder,
    start_raw_responder,
)
from command_load import (
    Submissions,
    accept_body,
    concurrent,
    cpu_seconds,
    ok_request,
    profiling,
    sequential,
    time_to_catch_up,
)
from command_services import SERVICES_BUT_REFERRAL, NatsSystem, nats_system, start_services
from command_table import SERVER, report

from sanctuary.cluster import MAX_REPLICAS
from sanctuary.launcher import ServiceProcess
from shared.contracts.referral import AcceptReferral, SubmitReferral
from shared.nats_connect import server_list

# -- the run -------------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, system: NatsSystem, work: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"clients": args.clients, "requests": args.requests}
    url = system.url
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
        # Each with the CPU the server spent per request, beside the responder's.
        floors = {
            "floor": (raws[0], f"{RAW_SUBJECT}.1", b"x" * 2600),
            "batch_floor": (raws[1], f"{RAW_SUBJECT}.{SUBMIT_EVENTS}", b"x" * 900),
            "faststream_floor": (raws[2], FASTSTREAM_SUBJECT, b"x" * 2600),
        }
        for name, (responder, subject, body) in floors.items():
            floor = await measure_floor(nc, args, responder, subject, body, system.cpu_seconds)
            result |= {f"{name}_{k}": v for k, v in floor.items()}

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

        cpu, server_cpu = cpu_seconds(referral_pid), system.cpu_seconds()
        with profiling(args.profile, {referral_pid: "referral.txt"}):
            alone_rate = await concurrent(args.clients, args.requests, submit_any)
        result["referral_cpu_ms_alone"] = (cpu_seconds(referral_pid) - cpu) * 1000 / args.requests
        result["server_cpu_ms_alone"] = (system.cpu_seconds() - server_cpu) * 1000 / args.requests

        # A one-event command (one publish, like the floor) on existing cases, as many at once.
        async def accept_any(i: int) -> None:
            await ok_request(nc, AcceptReferral.subject(), accept_body(loaded[i], i, run + "-load"))

        with profiling(args.profile, {referral_pid: "referral-accept.txt"}):
            result["accept_alone_per_s"] = await concurrent(args.clients, len(loaded), accept_any)
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


async def measure_all_four(args: argparse.Namespace, system: NatsSystem, work: Path) -> dict[str, Any]:
    """(2) All four services on a stream of their own (so none starts behind): SubmitReferral with
    --clients in flight, each service's CPU per command, and the time until every reaction and
    projection has caught up after the load stops."""
    result: dict[str, Any] = {}
    nc = await nats.connect(server_list(system.url), name="bench-commands-client")
    processes: list[ServiceProcess] = []
    try:
        processes += await start_services(("referral", *SERVICES_BUT_REFERRAL), system.url, work)
        names = tuple(p.name for p in processes)
        submissions = Submissions(os.urandom(3).hex())

        async def submit_any(i: int) -> None:
            await ok_request(nc, SubmitReferral.subject(), submissions.next("load")[1])

        cpus = {p.name: cpu_seconds(p.process.pid) for p in processes}
        server_cpu = system.cpu_seconds()
        with profiling(args.profile, {p.process.pid: f"{p.name}-all-four.txt" for p in processes}):
            result["submit_all_four_per_s"] = await concurrent(args.clients, args.requests, submit_any)
            caught_up = await time_to_catch_up(nc, names, args.catch_up_wait)
        result["catch_up_s"], result["lag_left"] = caught_up.seconds, caught_up.left
        result["stream_moved_s"] = caught_up.stream_moved_s
        # Which readers the catch-up waited on: each one seen behind, how far it was behind when the
        # load stopped, and when it was last seen behind.
        result["catch_up_by_reader"] = {
            reader: {"behind": caught_up.behind_at_end.get(reader, 0), "last_behind_s": seconds}
            for reader, seconds in caught_up.last_behind_s.items()
        }
        for p in processes:
            cpu_ms = (cpu_seconds(p.process.pid) - cpus[p.name]) * 1000 / args.requests
            result[f"cpu_ms_per_command_{p.name}"] = cpu_ms
        result[f"cpu_ms_per_command_{SERVER}"] = (system.cpu_seconds() - server_cpu) * 1000 / args.requests
    finally:
        for p in reversed(processes):
            p.stop()
        await nc.close()
    return result


async def main(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="sanctuary-bench-commands-"))
    try:
        async with nats_system(work / "nats", args.cluster) as system:
            result = await measure(args, system, work)
        print("referral alone:", json.dumps(result), flush=True)  # kept if the rest fails
        if not args.referral_only:
            async with nats_system(work / "nats-2", args.cluster) as system:
                result |= await measure_all_four(args, system, work / "all-four")
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
    args = parser.parse_args()
    args.replicas = min(args.cluster, MAX_REPLICAS) if args.cluster else 1
    return args


if __name__ == "__main__":
    figures = asyncio.run(main(parse_args()))
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))
