"""The national bench's live lag: how soon the readers are back to lag 0 after a load on the four
running services."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import nats

from sanctuary.devtools.nats_server import NatsServer
from sanctuary.provision import provision
from shared.eventstore import STREAM

# -- the live read model's lag after a load ----------------------------------------------------------

READ_MODEL = "reporting-monitoring"


async def live_lag(requests: int, clients: int) -> dict[str, Any]:
    """The key custodian and the four services as processes (sync always, as `sanctuary run`);
    ``requests`` SubmitReferral from ``clients`` in flight; then the seconds from the load's end
    until the reporting read model (reader reporting-monitoring) has handled the whole stream, and
    until every reader of every service has (the reactions append more events meanwhile)."""
    from command_load import Submissions, concurrent, ok_request  # beside this script
    from command_services import start_services

    from shared.contracts.referral import SubmitReferral

    work = Path(tempfile.mkdtemp(prefix="sanctuary-bench-lag-"))
    names = ("referral", "assessment", "contractor", "reporting")
    try:
        with NatsServer(store_dir=work / "nats", sync_interval="always") as server:
            nc = await nats.connect(server.url, name="bench-national-lag")
            await provision(nc)
            processes = await start_services(names, server.url, work)  # the custodian first
            try:
                submissions = Submissions(os.urandom(3).hex())

                async def submit(_: int) -> None:
                    await ok_request(nc, SubmitReferral.subject(), submissions.next("lag")[1])

                rate = await concurrent(clients, requests, submit)
                stopped = time.perf_counter()
                js = nc.jetstream()
                reporting_s = all_s = None
                caught_up: dict[str, float] = {}  # reader -> when it first had the whole stream
                previous, grew_s, most_behind = 0, 0.0, 0  # the stream's last append; the model's worst
                while all_s is None and time.perf_counter() - stopped < 600:
                    last = (await js.stream_info(STREAM)).state.last_seq
                    if last != previous:
                        previous, grew_s = last, time.perf_counter() - stopped
                    behind = {}
                    for name in names:
                        reply = await nc.request(f"health.{name}", b"", timeout=10)
                        for r in json.loads(reply.data).get("readers", []):
                            if r.get("stream", STREAM) == STREAM:
                                behind[r["name"]] = max(last - int(r["position"]), 0)
                    now = time.perf_counter() - stopped
                    for reader, lag in behind.items():
                        if lag == 0:
                            caught_up.setdefault(reader, now)
                        else:
                            caught_up.pop(reader, None)  # behind again: new events from reactions
                    most_behind = max(most_behind, behind.get(READ_MODEL, 0))
                    if reporting_s is None and behind.get(READ_MODEL, 1) == 0:
                        reporting_s = now
                    if all(v == 0 for v in behind.values()):
                        all_s = now
                    await asyncio.sleep(0.1)
                events = (await js.stream_info(STREAM)).state.last_seq
            finally:
                for process in reversed(processes):
                    process.stop()
                await nc.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "submit_per_s": rate,
        "events": events,
        "reporting_lag_0_s": reporting_s,
        "all_readers_lag_0_s": all_s,
        "readers_lag_0_s": caught_up,
        # The reactions' commands go on appending after the load: when the stream last grew, and
        # the most events the read model was ever behind meanwhile.
        "stream_last_grew_s": grew_s,
        "read_model_most_behind": most_behind,
    }
