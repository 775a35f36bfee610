"""Checks one case's stored history: the hash chain, the order, and that every event came through
its owning service. Pure: it takes the raw stored messages and the public signing keys.

A finding names the stream sequence and what is wrong, never a payload value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.codec import event_hash
from shared.decider import GENESIS_HASH
from shared.events import UnknownEventType, registry
from shared.signing import SignatureVerifier

ALTERED = "altered"  # a stored record no longer matches its own hash
GAP = "gap"  # the chain skips or repeats: an event is missing, moved or inserted
FORGED = "forged"  # not signed by the service that owns the event type, or on the wrong subject
MALFORMED = "malformed"  # not a readable event record


@dataclass(frozen=True)
class Finding:
    seq: int
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class CaseVerification:
    case_id: str
    events: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_case(
    case_id: str, raw: Sequence[tuple[int, str, bytes]], verifier: SignatureVerifier
) -> CaseVerification:
    """``raw`` is (stream sequence, subject, stored bytes) in stream order, as EventStore.read_raw gives."""
    findings: list[Finding] = []
    expected_prev = GENESIS_HASH
    last_seq = 0
    seen_ids: set[str] = set()
    for seq, subject, data in raw:
        if seq <= last_seq:
            findings.append(Finding(seq, GAP, f"out of order after sequence {last_seq}"))
        last_seq = max(last_seq, seq)
        try:
            record = json.loads(data)
            stored_hash = record["hash"]
            prev_hash = record["prev_hash"]
            type_name = record["type"]
            event_id = record["event_id"]
        except (ValueError, KeyError, TypeError):
            findings.append(Finding(seq, MALFORMED, "not an event record"))
            continue
        if event_hash(record) != stored_hash:
            findings.append(Finding(seq, ALTERED, f"{type_name} does not match its stored hash"))
        if prev_hash != expected_prev:
            findings.append(Finding(seq, GAP, f"{type_name} does not follow the case's previous event"))
        if event_id in seen_ids:
            findings.append(Finding(seq, GAP, f"{type_name} repeats an earlier event id"))
        seen_ids.add(event_id)
        findings.extend(_check_origin(case_id, seq, subject, record, verifier))
        expected_prev = stored_hash
    return CaseVerification(case_id=case_id, events=len(raw), findings=findings)


def _check_origin(
    case_id: str, seq: int, subject: str, record: dict[str, object], verifier: SignatureVerifier
) -> list[Finding]:
    type_name = str(record["type"])
    try:
        owner = registry.get(type_name).owner
    except UnknownEventType:
        return [Finding(seq, FORGED, f"unknown event type {type_name}")]
    out: list[Finding] = []
    if record.get("case_id") != case_id or subject != f"case.{case_id}.{owner}.{type_name}":
        out.append(Finding(seq, FORGED, f"{type_name} is not on its owner's subject for this case"))
    if not verifier.verify(owner, str(record["hash"]), str(record.get("signature") or "")):
        out.append(Finding(seq, FORGED, f"{type_name} is not signed by the {owner} service"))
    return out
