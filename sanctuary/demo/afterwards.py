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
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError
from rich.table import Table

from services.reporting.views.stream import VIEWS_STREAM
from services.reporting.views.wiring import VIEWS_READER
from shared.audit_verify import CaseVerification, verify_case
from shared.eventstore import STREAM, case_filter, read_matching
from shared.positions import POSITIONS_BUCKET
from shared.signing import load_verifier


@dataclass(frozen=True)
class Afterwards:
    views_by_recipient: dict[str, int]
    verified: list[CaseVerification]

    @property
    def events(self) -> int:
        return sum(v.events for v in self.verified)

    @property
    def broken(self) -> list[CaseVerification]:
        return [v for v in self.verified if not v.intact]


async def wait_for_views(nc: NATS, timeout_s: float = 60.0) -> None:
    """Until the views reader's stored position reaches the end of CASES as it is now."""
    js = nc.jetstream()
    last = (await js.stream_info(STREAM)).state.last_seq
    try:
        positions = await js.key_value(POSITIONS_BUCKET)
    except BucketNotFoundError:
        return  # no reader has run on this bus
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        try:
            position = int((await positions.get(VIEWS_READER)).value or b"0")
        except KeyNotFoundError:
            # Not one event applied yet, or no views reader at all on this bus: ask reporting.
            if not await _views_reader_runs(nc):
                return
            position = 0
        if position >= last:
            return
        await asyncio.sleep(0.2)


async def _views_reader_runs(nc: NATS) -> bool:
    try:
        reply = await nc.request("health.reporting", b"", timeout=5)
    except (NoRespondersError, NatsTimeoutError):
        return False
    return any(r.get("name") == VIEWS_READER for r in json.loads(reply.data).get("readers", []))


async def check_afterwards(nc: NATS, case_ids: Sequence[str], signing_keys: Path) -> Afterwards:
    await wait_for_views(nc)
    try:
        info = await nc.jetstream().stream_info(VIEWS_STREAM, subjects_filter="view.>")
        subjects = info.state.subjects or {}
    except NotFoundError:
        subjects = {}
    mine = set(case_ids)
    held = Counter(s.split(".")[1] for s in subjects if s.split(".")[2] in mine)
    verifier = load_verifier(signing_keys)
    verified = [verify_case(c, await read_matching(nc, case_filter(c)), verifier) for c in case_ids]
    return Afterwards(dict(sorted(held.items())), verified)


def afterwards_table(after: Afterwards) -> Table:
    table = Table(title="What each agency holds now (current view or removal notice per case)")
    table.add_column("recipient (view.<recipient>.<case>)")
    table.add_column("cases", justify="right")
    for recipient, count in after.views_by_recipient.items():
        table.add_row(recipient, str(count))
    return table
