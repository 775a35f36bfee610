"""Read every stored message on a subject filter across all cases (closures, erasures), by the
direct batch get: no consumer to create, and only the matching messages travel."""

from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client as NATS

from shared.eventstore import STREAM, read_matching


async def scan_subject(nc: NATS, subject_filter: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(stream sequence, subject, stored record) of every message matching ``subject_filter``."""
    return [(seq, subj, json.loads(data)) for seq, subj, data in await read_matching(nc, subject_filter)]


async def all_case_ids(nc: NATS) -> list[str]:
    """Every case with at least one event: the distinct case ids among the stream's subjects."""
    info = await nc.jetstream().stream_info(STREAM, subjects_filter="case.>")
    subjects = info.state.subjects or {}
    return sorted({subject.split(".")[1] for subject in subjects})
