"""After the scheme year: what each agency now holds, and proof that every case's history is intact.

Needs no key-encryption key: it counts view subjects and checks hashes and signatures, never
reading a personal field.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NotFoundError
from rich.table import Table

from services.reporting.views.stream import VIEWS_STREAM
from services.reporting.views.wiring import VIEWS_READER
from shared.audit_verify import CaseVerification, verify_case
from shared.eventstore import STREAM, case_filter, read_matching
from shared.signing import load_verifier


@dataclass(frozen=True)
class Afterwards:
    views_by_recipient: dict[str, int]
    verified: list[CaseVerification]
    views_settled: bool = True  # the views reader had read every event when they were counted

    @property
    def events(self) -> int:
        return sum(v.events for v in self.verified)

    @property
    def broken(self) -> list[CaseVerification]:
        return [v for v in self.verified if not v.intact]


async def wait_for_views(nc: NATS, stall_s: float = 60.0) -> bool:
    """Until the reporting service's views reader has handled every event up to the end of CASES
    as it is now: True then. False when no views reader answers on this bus, or when it has not
    moved on for ``stall_s`` (a reader working through a backlog is waited for).

    Asked of the reader itself (``health.<service>``), whose position counts the events it was
    not given as well: its stored position is only the last event that could change a view."""
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
    loop = asyncio.get_running_loop()
    best, moved_at = -1, loop.time()
    while True:
        position = await _views_position(nc)
        if position is None:
            return False
        if position >= last:
            return True
        if position > best:
            best, moved_at = position, loop.time()
        elif loop.time() - moved_at > stall_s:
            return False
        await asyncio.sleep(0.2)


async def _views_position(nc: NATS) -> int | None:
    """How far the views reader has read CASES (-1: not known now); None when no reporting service
    runs one."""
    try:
        reply = await nc.request("health.reporting", b"", timeout=5)
    except NoRespondersError:
        return None
    except NatsTimeoutError:
        return -1  # a busy service: not known to have moved on
    for reader in json.loads(reply.data).get("readers", []):
        if reader.get("name") == VIEWS_READER:
            return int(reader.get("position", 0))
    return None


async def check_afterwards(nc: NATS, case_ids: Sequence[str], signing_keys: Path) -> Afterwards:
    settled = await wait_for_views(nc)
    try:
        info = await nc.jetstream().stream_info(VIEWS_STREAM, subjects_filter="view.>")
        subjects = info.state.subjects or {}
    except NotFoundError:
        subjects = {}
    mine = set(case_ids)
    held = Counter(s.split(".")[1] for s in subjects if s.split(".")[2] in mine)
    verifier = load_verifier(signing_keys)
    verified = [verify_case(c, await read_matching(nc, case_filter(c)), verifier) for c in case_ids]
    return Afterwards(dict(sorted(held.items())), verified, settled)


def afterwards_table(after: Afterwards) -> Table:
    table = Table(title="What each agency holds now (current view or removal notice per case)")
    table.add_column("recipient (view.<recipient>.<case>)")
    table.add_column("cases", justify="right")
    for recipient, count in after.views_by_recipient.items():
        table.add_row(recipient, str(count))
    return table
