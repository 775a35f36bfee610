"""Checks one case's stored history: the bytes as stored, the hash chain, the order, that every event
came through its owning service, and that the history reaches the head its newest signed
checkpoint anchors. Pure: it takes the raw stored messages, the checkpoint and the public keys.

A finding names the stream sequence and what is wrong, never a payload value.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.checkpoints import Checkpoint
from shared.codec import GENESIS_HASH, canonical, event_hash
from shared.events import UnknownEventType, registry
from shared.signing import SignatureVerifier

ALTERED = "altered"  # a stored record no longer matches its own hash
GAP = "gap"  # the chain skips or repeats: an event is missing or inserted
REORDERED = "reordered"  # an event follows one stored elsewhere in the case: events moved
FORGED = "forged"  # not signed by the service that owns the event type, or on the wrong subject
MALFORMED = "malformed"  # not a readable event record
DUPLICATE_KEY = "duplicate key"  # the stored JSON repeats a key: not the bytes that were hashed
TRUNCATED = "truncated"  # the case's last event(s) are gone: the checkpointed head is missing
REMOVED = "removed"  # a checkpointed case has no events at all
UNANCHORED = "unanchored"  # events older than the bound that no checkpoint covers

DEFAULT_ANCHOR_BOUND = timedelta(minutes=10)


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
    anchored: bool = False  # a genuine checkpoint covers the history up to its head
    unanchored: int = 0  # events newer than the newest checkpoint, still within the bound

    @property
    def intact(self) -> bool:
        return not self.findings


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def parse_stored(data: bytes) -> dict[str, Any]:
    """The stored record, refusing JSON that repeats a key (a parser keeps one of the two, so the
    record read would not be the bytes that were hashed and signed)."""
    record = json.loads(data, object_pairs_hook=_no_repeats)
    if not isinstance(record, dict):
        raise TypeError("not an object")
    return record


def verify_case(
    case_id: str,
    raw: Sequence[tuple[int, str, bytes]],
    verifier: SignatureVerifier,
    checkpoint: Checkpoint | None = None,
    *,
    now: datetime | None = None,
    bound: timedelta = DEFAULT_ANCHOR_BOUND,
) -> CaseVerification:
    """``raw`` is (stream sequence, subject, stored bytes) in stream order, as EventStore.read_raw
    gives; ``checkpoint`` the case's newest one, if any."""
    checker = CaseChecker(case_id, verifier)
    for seq, subject, data in raw:
        checker.add(seq, subject, data)
    return checker.finish(checkpoint, now=now, bound=bound)


class CaseChecker:
    """``verify_case`` fed one stored message at a time, so one ordered pass over the whole stream
    can check every case: each record's own checks (bytes, hash, origin, signature) are done as it
    comes, and only what the chain and the head need is kept (hashes as bytes)."""

    def __init__(self, case_id: str, verifier: SignatureVerifier) -> None:
        self.case_id = case_id
        self._verifier = verifier
        self.findings: list[Finding] = []
        self.events = 0
        # (seq, hash, prev_hash, type, event_id, recorded_at) of each readable record
        self._kept: list[tuple[int, bytes | str, bytes | str, str, str, object]] = []

    def add(self, seq: int, subject: str, data: bytes) -> None:
        self.events += 1
        record, repeated, is_canonical = _readable(seq, data, self.findings)
        if record is None:
            return
        self.findings.extend(
            _check_record(self.case_id, seq, subject, data, record, self._verifier, repeated, is_canonical)
        )
        self._kept.append(
            (
                seq,
                _compact(record["hash"]),
                _compact(record["prev_hash"]),
                sys.intern(str(record["type"])),
                record["event_id"],
                record.get("recorded_at"),
            )
        )

    def finish(
        self,
        checkpoint: Checkpoint | None,
        *,
        now: datetime | None = None,
        bound: timedelta = DEFAULT_ANCHOR_BOUND,
    ) -> CaseVerification:
        records = [
            (
                seq,
                {
                    "hash": _expand(h),
                    "prev_hash": _expand(prev),
                    "type": type_name,
                    "event_id": event_id,
                    "recorded_at": recorded_at,
                },
            )
            for seq, h, prev, type_name, event_id, recorded_at in self._kept
        ]
        chain = _check_chain(records)
        anchored, unanchored, head = _check_head(
            self.case_id, records, self._verifier, checkpoint, now, bound
        )
        return CaseVerification(
            case_id=self.case_id,
            events=self.events,
            findings=self.findings + chain + head,
            anchored=anchored,
            unanchored=unanchored,
        )


def _compact(value: object) -> bytes | str:
    """A lower-case hex hash as its bytes (half the memory); anything else as it is."""
    if isinstance(value, str) and len(value) == 64:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            return value
        if raw.hex() == value:
            return raw
    return value  # type: ignore[return-value]


def _expand(value: bytes | str) -> object:
    return value.hex() if isinstance(value, bytes) else value


def _parse_fast(data: bytes) -> tuple[dict[str, Any], bool]:
    """``parse_stored``, without its per-object hook when the bytes are a record's canonical form
    (canonical JSON never repeats a key); anything else is parsed again with the hook. With
    whether the bytes are the canonical form."""
    record = json.loads(data)
    if isinstance(record, dict) and canonical(record) == data:
        return record, True
    return parse_stored(data), False


def _readable(seq: int, data: bytes, findings: list[Finding]) -> tuple[dict[str, Any] | None, bool, bool]:
    """(the record, whether its JSON repeats a key, whether the bytes are its canonical form). A
    record that repeats a key is reported and still read as a last-wins parser reads it, so the
    rest of the chain is checked too."""
    repeated = is_canonical = False
    try:
        try:
            record, is_canonical = _parse_fast(data)
        except _RepeatedKey as exc:
            findings.append(Finding(seq, DUPLICATE_KEY, f"the stored record repeats the key {exc.key!r}"))
            repeated, record = True, json.loads(data)
        for name in ("hash", "prev_hash", "type", "event_id"):
            record[name]
    except (ValueError, KeyError, TypeError):
        if not repeated:
            findings.append(Finding(seq, MALFORMED, "not an event record"))
        return None, repeated, False
    return record, repeated, is_canonical


def _check_record(
    case_id: str,
    seq: int,
    subject: str,
    data: bytes,
    record: dict[str, Any],
    verifier: SignatureVerifier,
    repeated: bool,
    is_canonical: bool = False,
) -> list[Finding]:
    type_name = record["type"]
    out: list[Finding] = []
    # The hash is of what is stored: the stored bytes must be exactly the record's canonical form
    # (a repeated key is already reported as such).
    stored_as_hashed = is_canonical or repeated or canonical(record) == data
    if event_hash(record) != record["hash"] or not stored_as_hashed:
        out.append(Finding(seq, ALTERED, f"{type_name} does not match its stored hash"))
    return out + _check_origin(case_id, seq, subject, record, verifier)


def _check_chain(records: Sequence[tuple[int, dict[str, Any]]]) -> list[Finding]:
    findings: list[Finding] = []
    hashes = {str(r["hash"]) for _, r in records}
    expected_prev = GENESIS_HASH
    last_seq = 0
    seen_ids: set[str] = set()
    for seq, record in records:
        type_name = record["type"]
        if seq <= last_seq:
            findings.append(Finding(seq, GAP, f"out of order after sequence {last_seq}"))
        last_seq = max(last_seq, seq)
        prev = record["prev_hash"]
        if prev != expected_prev:
            if prev in hashes or (prev == GENESIS_HASH and expected_prev != GENESIS_HASH):
                findings.append(
                    Finding(seq, REORDERED, f"{type_name} is stored out of its place in the chain")
                )
            else:
                findings.append(Finding(seq, GAP, f"{type_name} does not follow the case's previous event"))
        if record["event_id"] in seen_ids:
            findings.append(Finding(seq, GAP, f"{type_name} repeats an earlier event id"))
        seen_ids.add(record["event_id"])
        expected_prev = record["hash"]
    return findings


def _check_head(
    case_id: str,
    records: Sequence[tuple[int, dict[str, Any]]],
    verifier: SignatureVerifier,
    checkpoint: Checkpoint | None,
    now: datetime | None,
    bound: timedelta,
) -> tuple[bool, int, list[Finding]]:
    """(anchored, events newer than the checkpoint, findings)."""
    findings: list[Finding] = []
    if checkpoint is not None and (checkpoint.case_id != case_id or not checkpoint.genuine(verifier)):
        findings.append(
            Finding(
                checkpoint.seq, FORGED, "the case's newest checkpoint is not signed by the reporting service"
            )
        )
        checkpoint = None
    if checkpoint is not None and not records:
        findings.append(
            Finding(
                checkpoint.seq,
                REMOVED,
                "the case is checkpointed but has no events: the whole case was removed",
            )
        )
        return False, 0, findings
    position = (
        next((i for i, (_, r) in enumerate(records) if r["hash"] == checkpoint.hash), None)
        if checkpoint
        else None
    )
    if checkpoint is not None and position is None:
        last = records[-1][0]
        findings.append(
            Finding(
                last,
                TRUNCATED,
                f"the checkpointed last event (seq {checkpoint.seq}) is missing: "
                "the case's last event(s) were removed",
            )
        )
        return False, 0, findings
    newer = records[position + 1 :] if position is not None else list(records)
    late = [seq for seq, r in newer if _older_than(r, now, bound)]
    if late:
        findings.append(
            Finding(
                late[0],
                UNANCHORED,
                f"{len(late)} event(s) recorded more than {bound} ago are not covered by a checkpoint",
            )
        )
    return position is not None, len(newer), findings


def _older_than(record: dict[str, Any], now: datetime | None, bound: timedelta) -> bool:
    if now is None:
        return False
    try:
        recorded = datetime.fromisoformat(str(record.get("recorded_at")))
    except ValueError:
        return True
    return now - recorded > bound


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
