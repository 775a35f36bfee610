"""Read every stored message on a subject filter across all cases (closures, erasures), by the
direct batch get: no consumer to create, and only the matching messages travel."""

from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client as NATS

from shared.eventstore import STREAM, EventStoreError

_BATCH = 1000


async def scan_subject(nc: NATS, subject_filter: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(stream sequence, subject, stored record) of every message matching ``subject_filter``."""
    out: list[tuple[int, str, dict[str, Any]]] = []
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    try:
        start = 1
        while True:
            request = {"seq": start, "next_by_subj": subject_filter, "batch": _BATCH}
            await nc.publish(f"$JS.API.DIRECT.GET.{STREAM}", json.dumps(request).encode(), reply=inbox)
            pending = 0
            while True:
                msg = await sub.next_msg(timeout=5)
                headers = msg.headers or {}
                status = headers.get("Status")
                if status == "404":
                    return out
                if status == "204":
                    pending = int(headers.get("Nats-Num-Pending", "0"))
                    break
                if status:
                    raise EventStoreError(f"direct get failed: {status}")
                seq = int(headers["Nats-Sequence"])
                out.append((seq, headers["Nats-Subject"], json.loads(msg.data)))
                start = seq + 1
            if pending == 0:
                return out
    finally:
        await sub.unsubscribe()


async def all_case_ids(nc: NATS) -> list[str]:
    """Every case with at least one event: the distinct case ids among the stream's subjects."""
    info = await nc.jetstream().stream_info(STREAM, subjects_filter="case.>")
    subjects = info.state.subjects or {}
    return sorted({subject.split(".")[1] for subject in subjects})
