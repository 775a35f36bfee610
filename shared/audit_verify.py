"""Checks one case's stored history: the bytes as stored, the hash chain, the order, that every event
came through its owning service, and that the history reaches the head its newest signed
checkpoint anchors. Pure: it takes the raw stored messages, the checkpoint and the public keys.

A finding names the stream sequence and what is wrong, never a payload value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson

from shared.checkpoints import Checkpoint
from shared.codec import GENESIS_HASH, canonical_and_hash
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
    checker = CaseChecker(case_id, verifier, checkpoint, now=now, bound=bound, keep_links=True)
    for seq, subject, data in raw:
        checker.add(seq, subject, data)
    result = checker.finish()
    assert result is not None  # the links are kept, so a broken chain is classified here
    return result


class DeferredSignatures(Protocol):
    """Checks a record's signature later or elsewhere, telling ``checker.not_signed`` of a bad one
    before the checker finishes."""

    def check(
        self, checker: CaseChecker, seq: int, type_name: str, owner: str, event_hash: str, signature: str
    ) -> None: ...


class CaseChecker:
    """``verify_case`` fed one stored message at a time, so one ordered pass over the whole stream
    can check every case in memory that does not grow with its history: each record's own checks
    (bytes, hash, origin, signature) are done as it comes, the chain against the last hash alone,
    and the head against the checkpoint given up front (counters only).

    A broken chain is told apart (an event missing, moved or repeated) from the case's links, which
    only ``keep_links`` keeps; without them ``finish`` answers None for a broken case, and the
    caller checks that case again with ``verify_case`` on its history read afresh. Only the links
    show an event id repeated in an unbroken chain: such events are chained, hashed and signed by
    their owner, so only the owner's own key could have made them."""

    __slots__ = (
        "_anchored", "_bound", "_broken", "_checkpoint", "_expected_prev", "_first_late", "_forged",
        "_last_readable", "_last_seq", "_late", "_links", "_newer", "_now", "_readable", "_signatures",
        "_verifier", "case_id", "events", "findings",
    )  # fmt: skip

    def __init__(
        self,
        case_id: str,
        verifier: SignatureVerifier,
        checkpoint: Checkpoint | None = None,
        *,
        now: datetime | None = None,
        bound: timedelta = DEFAULT_ANCHOR_BOUND,
        keep_links: bool = False,
        signatures: DeferredSignatures | None = None,
    ) -> None:
        self.case_id = case_id
        self.events = 0
        self.findings: list[Finding] = []
        self._verifier = verifier
        self._signatures = signatures
        genuine = checkpoint is None or (checkpoint.case_id == case_id and checkpoint.genuine(verifier))
        forged = not genuine
        self._forged = checkpoint if forged else None  # it anchors nothing
        self._checkpoint = None if forged else checkpoint
        self._now = now
        self._bound = bound
        # (seq, hash, prev_hash, type, event_id) of each readable record, for ``_check_chain``
        self._links: list[tuple[int, str, str, str, str]] | None = [] if keep_links else None
        self._expected_prev = GENESIS_HASH
        self._last_seq = 0
        self._broken = False
        self._readable = 0
        self._last_readable = 0
        self._anchored = False  # the checkpointed head has been read
        self._newer = 0  # readable events after the checkpointed head (all of them with no checkpoint)
        self._late = 0  # of those, recorded longer ago than the bound
        self._first_late = 0

    def add(self, seq: int, subject: str, data: bytes) -> None:
        self.events += 1
        record, repeated, form, digest = _readable(seq, data, self.findings)
        if record is None:
            return
        type_name = str(record["type"])
        if digest != record["hash"] or not (repeated or form == data):
            self.findings.append(Finding(seq, ALTERED, f"{type_name} does not match its stored hash"))
        owner, origin = _check_origin(self.case_id, seq, subject, record)
        self.findings.extend(origin)
        if owner is not None:
            head, signature = str(record["hash"]), str(record.get("signature") or "")
            if self._signatures is not None:
                self._signatures.check(self, seq, type_name, owner, head, signature)
            elif not self._verifier.verify(owner, head, signature):
                self.not_signed(seq, type_name, owner)
        self._link(seq, record)
        self._toward_head(seq, record)

    def not_signed(self, seq: int, type_name: str, owner: str) -> None:
        self.findings.append(Finding(seq, FORGED, f"{type_name} is not signed by the {owner} service"))

    def _link(self, seq: int, record: dict[str, Any]) -> None:
        head, prev = str(record["hash"]), str(record["prev_hash"])
        if seq <= self._last_seq or prev != self._expected_prev:
            self._broken = True
        self._last_seq = max(self._last_seq, seq)
        self._expected_prev = head
        if self._links is not None:
            self._links.append((seq, head, prev, str(record["type"]), str(record["event_id"])))

    def _toward_head(self, seq: int, record: dict[str, Any]) -> None:
        self._readable += 1
        self._last_readable = seq
        if self._checkpoint is not None and not self._anchored:
            self._anchored = record["hash"] == self._checkpoint.hash
            return  # at or before the checkpointed head: anchored
        self._newer += 1
        if _older_than(record, self._now, self._bound):
            self._late += 1
            self._first_late = self._first_late or seq

    def finish(self) -> CaseVerification | None:
        """The case's verification; None when its chain is broken and its links were not kept."""
        if self._broken and self._links is None:
            return None
        chain = _check_chain(self._links) if self._links is not None else []
        anchored, head = self._check_head()
        return CaseVerification(
            case_id=self.case_id,
            events=self.events,
            # Signatures checked elsewhere report later: each record's findings in stream order.
            findings=sorted(self.findings, key=lambda f: f.seq) + chain + head,
            anchored=anchored,
            unanchored=self._newer if anchored or self._checkpoint is None else 0,
        )

    def _check_head(self) -> tuple[bool, list[Finding]]:
        """(anchored, findings)."""
        findings: list[Finding] = []
        checkpoint = self._checkpoint
        if self._forged is not None:
            findings.append(
                Finding(
                    self._forged.seq,
                    FORGED,
                    "the case's newest checkpoint is not signed by the reporting service",
                )
            )
        if checkpoint is not None and not self._readable:
            findings.append(
                Finding(
                    checkpoint.seq,
                    REMOVED,
                    "the case is checkpointed but has no events: the whole case was removed",
                )
            )
            return False, findings
        if checkpoint is not None and not self._anchored:
            findings.append(
                Finding(
                    self._last_readable,
                    TRUNCATED,
                    f"the checkpointed last event (seq {checkpoint.seq}) is missing: "
                    "the case's last event(s) were removed",
                )
            )
            return False, findings
        if self._late:
            findings.append(
                Finding(
                    self._first_late,
                    UNANCHORED,
                    f"{self._late} event(s) recorded more than {self._bound} ago are not covered by a "
                    "checkpoint",
                )
            )
        return self._anchored, findings


def _parse_fast(data: bytes) -> dict[str, Any]:
    """The stored record, by orjson when it can (the standard parser for what orjson refuses: NaN,
    integers beyond 64 bits, lone surrogates); repeated keys are looked for only when the bytes
    turn out not to be the record's canonical form (canonical JSON never repeats a key)."""
    try:
        record = orjson.loads(data)
    except orjson.JSONDecodeError:
        record = json.loads(data)
    if not isinstance(record, dict):
        raise TypeError("not an object")
    return record


def _readable(
    seq: int, data: bytes, findings: list[Finding]
) -> tuple[dict[str, Any] | None, bool, bytes, str]:
    """(the record, whether its JSON repeats a key, its canonical form, its hash). A record that
    repeats a key is reported and still read as a last-wins parser reads it, so the rest of the
    chain is checked too."""
    repeated = False
    try:
        record = _parse_fast(data)
        form, digest = canonical_and_hash(record)
        if form != data:
            try:
                parse_stored(data)
            except _RepeatedKey as exc:
                findings.append(Finding(seq, DUPLICATE_KEY, f"the stored record repeats the key {exc.key!r}"))
                repeated = True
        for name in ("hash", "prev_hash", "type", "event_id"):
            record[name]
    except (ValueError, KeyError, TypeError, RecursionError):  # the last: nested past json's depth
        if not repeated:
            findings.append(Finding(seq, MALFORMED, "not an event record"))
        return None, repeated, b"", ""
    return record, repeated, form, digest


def _check_chain(links: Sequence[tuple[int, str, str, str, str]]) -> list[Finding]:
    """What is wrong with a broken chain: an event missing, moved or repeated."""
    findings: list[Finding] = []
    hashes = {h for _, h, _, _, _ in links}
    expected_prev = GENESIS_HASH
    last_seq = 0
    seen_ids: set[str] = set()
    for seq, head, prev, type_name, event_id in links:
        if seq <= last_seq:
            findings.append(Finding(seq, GAP, f"out of order after sequence {last_seq}"))
        last_seq = max(last_seq, seq)
        if prev != expected_prev:
            if prev in hashes or (prev == GENESIS_HASH and expected_prev != GENESIS_HASH):
                findings.append(
                    Finding(seq, REORDERED, f"{type_name} is stored out of its place in the chain")
                )
            else:
                findings.append(Finding(seq, GAP, f"{type_name} does not follow the case's previous event"))
        if event_id in seen_ids:
            findings.append(Finding(seq, GAP, f"{type_name} repeats an earlier event id"))
        seen_ids.add(event_id)
        expected_prev = head
    return findings


def _older_than(record: dict[str, Any], now: datetime | None, bound: timedelta) -> bool:
    if now is None:
        return False
    try:
        recorded = datetime.fromisoformat(str(record.get("recorded_at")))
    except ValueError:
        return True
    return now - recorded > bound


def _check_origin(
    case_id: str, seq: int, subject: str, record: dict[str, object]
) -> tuple[str | None, list[Finding]]:
    """(the owning service, if the type is known; what is wrong with where the record is)."""
    type_name = str(record["type"])
    try:
        owner = registry.get(type_name).owner
    except UnknownEventType:
        return None, [Finding(seq, FORGED, f"unknown event type {type_name}")]
    if record.get("case_id") != case_id or subject != f"case.{case_id}.{owner}.{type_name}":
        return owner, [Finding(seq, FORGED, f"{type_name} is not on its owner's subject for this case")]
    return owner, []
