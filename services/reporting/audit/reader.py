"""What the audit tools read: a case's events, every case's integrity, the disclosures of a case,
and the subject access export. Reading needs the case key (to show personal fields to a reader
allowed them), so these run with a read-only event store: it writes nothing and signs nothing."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.aio.client import Client as NATS

from services.reporting.audit.checkpointer import newest_checkpoint, newest_checkpoints
from services.reporting.audit.signature_pool import SignaturePool
from services.reporting.audit.timeline import payload_fields
from services.reporting.monitoring.reading import OnConnection, stream_bounds
from shared.audit_verify import DEFAULT_ANCHOR_BOUND, CaseChecker, CaseVerification, verify_case
from shared.contracts.reporting import DisclosureRecorded
from shared.events import RecordedEvent
from shared.eventstore import EventStore, case_filter, read_matching
from shared.personal import split_personal
from shared.signing import SignatureVerifier
from shared.tasks import cancel_and_wait

VERIFY_BATCH = 1000
POOL_FROM = 20_000  # stored events from which signatures are checked on worker processes


async def verify_cases(
    nc: NATS,
    store: EventStore,
    verifier: SignatureVerifier,
    case_ids: Sequence[str] | None = None,
    bound: timedelta = DEFAULT_ANCHOR_BOUND,
) -> list[CaseVerification]:
    """Each case's verification against its newest checkpoint (every case in the stream, and every
    case checkpointed, when ``case_ids`` is None: a case removed whole is still named)."""
    if case_ids is None:
        return await verify_all(nc, verifier, bound)
    now = datetime.now(UTC)
    out = []
    for case_id in case_ids:
        raw = await store.read_raw(case_id)
        checkpoint = await newest_checkpoint(nc, case_id)
        out.append(verify_case(case_id, raw, verifier, checkpoint, now=now, bound=bound))
    return out


async def verify_all(
    nc: NATS,
    verifier: SignatureVerifier,
    bound: timedelta = DEFAULT_ANCHOR_BOUND,
    workers: int | None = None,
) -> list[CaseVerification]:
    """Every case, in one ordered pass over the stream (direct batch gets, the next batch asked for
    while this one is checked) after one over the checkpoints, rather than two requests per case.
    What is held per case does not grow with its history; a case whose chain is broken is read
    again on its own, to say how. Signatures are checked on ``workers`` processes (by default one
    per core once the stream holds POOL_FROM events; 0: in this process)."""
    _, last = await stream_bounds(nc)
    if workers is None:
        workers = (os.cpu_count() or 1) if last >= POOL_FROM else 0
    if not workers:
        return await _verify_all(nc, verifier, bound, last, None)
    with SignaturePool(verifier, workers) as pool:
        return await _verify_all(nc, verifier, bound, last, pool)


async def _verify_all(
    nc: NATS, verifier: SignatureVerifier, bound: timedelta, last: int, pool: SignaturePool | None
) -> list[CaseVerification]:
    now = datetime.now(UTC)
    checkpoints = await newest_checkpoints(nc)
    checkers: dict[str, CaseChecker] = {}
    stream = OnConnection(nc)
    seq = 1
    batch = asyncio.ensure_future(stream.read(seq, VERIFY_BATCH)) if last else None
    try:
        while batch is not None:
            raw = await batch
            seq = raw[-1][0] + 1 if raw else last + 1
            batch = asyncio.ensure_future(stream.read(seq, VERIFY_BATCH)) if raw and seq <= last else None
            for s, subject, data in raw:
                case_id = subject.split(".")[1]
                checker = checkers.get(case_id)
                if checker is None:
                    checker = checkers[case_id] = CaseChecker(
                        case_id,
                        verifier,
                        checkpoints.pop(case_id, None),
                        now=now,
                        bound=bound,
                        signatures=pool,
                    )
                checker.add(s, subject, data)
            if pool is not None:
                await pool.sent()
    finally:
        if batch is not None:  # the pass stopped early: the batch read ahead is not left running
            await cancel_and_wait([batch])
    if pool is not None:
        await pool.settle()
    out = []
    for case_id in sorted(checkers.keys() | checkpoints.keys()):
        checker = checkers.pop(case_id, None) or CaseChecker(
            case_id, verifier, checkpoints.get(case_id), now=now, bound=bound
        )
        result = checker.finish()
        if result is None:  # a broken chain: its links, read again, say what is missing or moved
            history = await read_matching(nc, case_filter(case_id))
            checkpoint = await newest_checkpoint(nc, case_id)
            result = verify_case(case_id, history, verifier, checkpoint, now=now, bound=bound)
        out.append(result)
    return out


@dataclass(frozen=True)
class DisclosureLine:
    occurred_at: datetime
    recipient: str
    subject: str
    basis_kind: str
    basis: str
    override_event_id: str | None
    policy_version: str
    event_types: list[str]
    fields: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "recipient": self.recipient,
            "subject": self.subject,
            "basis_kind": self.basis_kind,
            "basis": self.basis,
            "override_event_id": self.override_event_id,
            "policy_version": self.policy_version,
            "event_types": self.event_types,
            "fields": self.fields,
        }


def disclosures(events: Sequence[RecordedEvent]) -> list[DisclosureLine]:
    """Every disclosure of the case to another agency, with its lawful basis (or consent)."""
    out: list[DisclosureLine] = []
    for event in events:
        payload = event.payload
        if not isinstance(payload, DisclosureRecorded):
            continue
        out.append(
            DisclosureLine(
                occurred_at=event.occurred_at,
                recipient=payload.recipient.value,
                subject=payload.subject,
                basis_kind=payload.basis_kind,
                basis=payload.basis,
                override_event_id=payload.override_event_id,
                policy_version=payload.policy_version,
                event_types=list(payload.event_types),
                fields=list(payload.fields),
            )
        )
    return out


def subject_access_export(case_id: str, events: Sequence[RecordedEvent]) -> dict[str, Any]:
    """Everything held about the client in this case: each event in full, the personal data in it,
    who it was disclosed to and who read the case. For a data subject access request."""
    personal: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for event in events:
        fields = payload_fields(event, show_personal=True)
        for path, value in split_personal(
            type(event.payload), event.payload.model_dump(mode="json", warnings=False)
        ).items():
            personal.append(
                {
                    "event": event.type,
                    "recorded_at": event.recorded_at.isoformat(),
                    "field": path,
                    "value": value,
                }
            )
        records.append(
            {
                "event": event.type,
                "occurred_at": event.occurred_at.isoformat(),
                "recorded_at": event.recorded_at.isoformat(),
                "agency": event.actor.agency,
                "role": event.actor.role.value,
                "fields": fields,
            }
        )
    return {
        "case_id": case_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "erased": any(e.erased for e in events),
        "personal_data": personal,
        "disclosures": [d.as_json() for d in disclosures(events)],
        "events": records,
    }
