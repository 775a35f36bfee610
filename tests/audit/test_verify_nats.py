"""`audit verify` against a real nats-server: a clean store verifies; an event published straight to
the stream (bypassing its service) and a stored payload altered on disk are both caught."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.reporting.audit import reader
from services.reporting.audit.reader import verify_all, verify_cases
from shared.audit_verify import ALTERED, FORGED, GAP, MALFORMED, UNANCHORED, CaseChecker, verify_case
from shared.codec import GENESIS_HASH, build_record, canonical, chain_and_sign, event_hash
from shared.contracts.audit import AuditReadOutcome, AuditReadRecorded, AuditView
from shared.crypto import KeyStore
from shared.events import Event
from shared.eventstore import EventStore, ensure_stream
from shared.signing import Signer, load_or_create_signer, load_verifier
from tests.audit.conftest import new_case_id
from tests.conftest import TEST_KEK
from tests.kernel_events import COORD, KernelNoteAdded, KernelNoteCounted

pytestmark = pytest.mark.nats
COORD_TIME = datetime(2026, 3, 1, tzinfo=UTC)


def audit_read() -> AuditReadRecorded:
    # A contract event, so a separate process (the CLI) knows its owner.
    return AuditReadRecorded(
        view=AuditView.TIMELINE, reason="internal audit", outcome=AuditReadOutcome.REFUSED
    )


async def write_case(store: EventStore, texts: list[str]) -> str:
    case_id = new_case_id("V")
    for text in texts:
        payload = audit_read() if store.owner == "reporting" else KernelNoteAdded(text=text, client_name="A")
        await store.append(
            case_id,
            [payload],
            expected=await store.last_position(case_id),
            actor=COORD,
            command_id=f"c-{uuid.uuid4().hex}",
        )
    return case_id


async def forge(
    nc,
    store: EventStore,
    case_id: str,
    signer: Signer | None,
    owner: str = "referral",
    payload: Event | None = None,
) -> None:
    """Publish an event straight to the stream: well-formed and chained, but not from the service."""
    last = await store.last_position(case_id)
    record = unsealed_record(case_id, payload or KernelNoteCounted(count=99), last.last_hash)
    record["hash"] = event_hash(record)
    record["signature"] = signer.sign(record["hash"]) if signer else ""
    await nc.jetstream().publish(f"case.{case_id}.{owner}.{record['type']}", canonical(record))


def unsealed_record(case_id: str, payload: Event, prev_hash: str, event_id: str = "") -> dict[str, Any]:
    """A record of ``payload`` (no personal fields) following ``prev_hash``, not yet hashed."""
    return build_record(
        event_id=event_id or str(uuid.uuid4()),
        payload=payload,
        case_id=case_id,
        occurred_at=COORD_TIME,
        recorded_at=COORD_TIME,
        actor=COORD,
        causation_id="forged-1",
        correlation_id="forged-1",
        prev_hash=prev_hash,
        key=None,
    )


async def test_an_intact_case_verifies_and_forgeries_are_caught(nc, store_for, signing_dir):
    store = store_for("referral")
    verifier = load_verifier(signing_dir)
    clean = await write_case(store, ["one", "two"])
    unsigned = await write_case(store, ["one"])
    await forge(nc, store, unsigned, signer=None)
    outsider = await write_case(store, ["one"])
    await forge(nc, store, outsider, signer=Signer("referral", Ed25519PrivateKey.generate()))
    # Another service's real key does not make it the owner of a referral event.
    wrong_owner = await write_case(store, ["one"])
    await forge(
        nc, store, wrong_owner, signer=load_or_create_signer(signing_dir, "contractor"), owner="contractor"
    )
    results = {
        r.case_id: r
        for r in await verify_cases(nc, store, verifier, [clean, unsigned, outsider, wrong_owner])
    }
    assert results[clean].intact and results[clean].events == 2
    for case_id in (unsigned, outsider, wrong_owner):
        kinds = {f.kind for f in results[case_id].findings}
        # The forgery is back-dated, so it is also past the bound with no checkpoint covering it.
        assert kinds == {FORGED, UNANCHORED}, case_id
        assert results[case_id].findings[0].seq > 0


async def test_an_altered_payload_breaks_its_hash_and_a_rehashed_one_breaks_the_chain(
    nc, store_for, signing_dir
):
    store = store_for("referral")
    verifier = load_verifier(signing_dir)
    case_id = await write_case(store, ["one", "two", "three"])
    raw = await store.read_raw(case_id)
    seq, subject, data = raw[1]
    altered = data.replace(b'"text":"two"', b'"text":"TWO"')
    assert altered != data
    found = verify_case(case_id, [raw[0], (seq, subject, altered), raw[2]], verifier).findings
    assert [(f.seq, f.kind) for f in found] == [(seq, ALTERED)]
    # A careful forger recomputes the hash: the signature no longer matches, and the next event
    # no longer follows it.
    record = json.loads(altered)
    record["hash"] = event_hash(record)
    found = verify_case(case_id, [raw[0], (seq, subject, canonical(record)), raw[2]], verifier).findings
    assert {(f.seq, f.kind) for f in found} == {(seq, FORGED), (raw[2][0], GAP)}
    # An event taken out leaves a gap.
    found = verify_case(case_id, [raw[0], raw[2]], verifier).findings
    assert [(f.seq, f.kind) for f in found] == [(raw[2][0], GAP)]


async def test_the_one_pass_check_agrees_and_hands_a_broken_chain_back(nc, store_for, signing_dir):
    """``verify --all`` keeps no case's history: an intact case is judged as ``verify_case`` judges
    it; a broken chain comes back unjudged, for the caller to read that case again."""
    store = store_for("referral")
    verifier = load_verifier(signing_dir)
    case_id = await write_case(store, ["one", "two", "three"])
    raw = await store.read_raw(case_id)
    checker = CaseChecker(case_id, verifier)
    for seq, subject, data in raw:
        checker.add(seq, subject, data)
    assert checker.finish() == verify_case(case_id, raw, verifier)
    broken = CaseChecker(case_id, verifier)
    for seq, subject, data in (raw[0], raw[2]):
        broken.add(seq, subject, data)
    assert broken.finish() is None
    assert [f.kind for f in verify_case(case_id, [raw[0], raw[2]], verifier).findings] == [GAP]


async def test_every_case_read_a_batch_at_a_time_is_judged_as_it_is_alone(
    nc, store_for, signing_dir, monkeypatch
):
    """``verify --all`` reads the whole stream a few events at a time: two cases written in turn,
    each across several batches, are judged as reading each alone judges it."""
    monkeypatch.setattr(reader, "VERIFY_BATCH", 3)
    store = store_for("referral")
    verifier = load_verifier(signing_dir)
    cases = [new_case_id("V"), new_case_id("V")]
    for text in ("one", "two", "three", "four", "five"):
        for case_id in cases:
            await store.append(
                case_id,
                [KernelNoteAdded(text=text, client_name="A")],
                expected=await store.last_position(case_id),
                actor=COORD,
                command_id=f"c-{uuid.uuid4().hex}",
            )
    results = {r.case_id: r for r in await verify_all(nc, verifier, workers=0)}
    for case_id in cases:
        assert results[case_id] == verify_case(case_id, await store.read_raw(case_id), verifier)
        assert results[case_id].intact and results[case_id].events == 5


def test_an_event_id_repeated_in_an_unbroken_chain_is_reported_for_one_case(signing_dir):
    signer = load_or_create_signer(signing_dir, "referral")
    case_id = new_case_id("V")
    raw, prev = [], GENESIS_HASH
    for seq in (1, 2):
        record = unsealed_record(case_id, KernelNoteCounted(count=seq), prev, event_id="the-same-id")
        raw.append((seq, f"case.{case_id}.referral.{record['type']}", chain_and_sign(record, signer.sign)))
        prev = record["hash"]
    found = verify_case(case_id, raw, load_verifier(signing_dir)).findings
    assert [(f.seq, f.kind) for f in found] == [(2, GAP)]


@pytest.mark.parametrize(
    "data",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
    ids=["arrays", "objects"],
)
def test_a_message_nested_too_deep_to_read_is_reported_not_raised(signing_dir, data: bytes):
    """Bytes anyone with publish rights could put in the stream: json.loads gives up on them with a
    RecursionError, which once ended ``verify --all`` instead of being reported as a finding. The
    one-pass check and the case's own check both report it."""
    case_id = new_case_id("V")
    raw = [(1, f"case.{case_id}.referral.KernelNoteAdded", data)]
    verifier = load_verifier(signing_dir)
    alone = verify_case(case_id, raw, verifier)
    assert [(f.seq, f.kind) for f in alone.findings][:1] == [(1, MALFORMED)]
    checker = CaseChecker(case_id, verifier)
    checker.add(*raw[0])
    assert checker.finish() in (None, alone)


async def test_a_payload_altered_on_disk_is_caught(fresh_nats_server, signing_dir):
    nc = await nats.connect(fresh_nats_server.url)
    await ensure_stream(nc.jetstream())
    keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    await keys.start()
    store = EventStore(nc, keys, "referral", load_or_create_signer(signing_dir, "referral"))
    case_id = await write_case(store, ["first-note", "second-note", "third-note"])
    await keys.stop()
    await nc.close()
    fresh_nats_server.stop()
    assert fresh_nats_server.store_dir is not None
    blocks = [p for p in Path(fresh_nats_server.store_dir).rglob("*.blk") if "CASES" in str(p)]
    tampered = 0
    for block in blocks:
        content = block.read_bytes()
        if b"second-note" in content:
            block.write_bytes(content.replace(b"second-note", b"second-NOTE"))
            tampered += 1
    assert tampered == 1
    fresh_nats_server.start()
    nc = await nats.connect(fresh_nats_server.url)
    keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    await keys.start()
    try:
        store = EventStore(nc, keys, "referral")
        [result] = await verify_cases(nc, store, load_verifier(signing_dir))
    finally:
        await keys.stop()
        await nc.close()
    # The server drops a message that fails its own checksum; either way the case is reported.
    assert result.case_id == case_id and not result.intact
    assert {f.kind for f in result.findings} <= {ALTERED, GAP}


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """``sanctuary`` in a process of its own with ``env`` over this one's variables; (exit code,
    stdout and stderr). It runs in an empty folder of its own: what ``make run`` leaves in the
    checkout's ``.sanctuary/`` (the development KEK, the running server's URL) is not read."""
    with tempfile.TemporaryDirectory(prefix="sanctuary-cli-") as cwd:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sanctuary.cli", *args,
            env={**os.environ, "COLUMNS": "200", **env}, cwd=cwd,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_the_verify_command_exits_zero_only_when_every_case_is_intact(fresh_nats_server, signing_dir):
    nc = await nats.connect(fresh_nats_server.url)
    await ensure_stream(nc.jetstream())
    keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    await keys.start()
    env = {
        "NATS_URL": fresh_nats_server.url,
        "SANCTUARY_KEK": TEST_KEK,
        "SANCTUARY_SIGNING_KEYS": str(signing_dir),
    }
    try:
        store = EventStore(nc, keys, "reporting", load_or_create_signer(signing_dir, "reporting"))
        good = await write_case(store, ["a", "b"])
        other = await write_case(store, ["c"])
        code, out = await run_cli("audit", "verify", "--all", env=env)
        assert code == 0 and "2 case(s) checked, 0 not intact" in out, out
        await forge(nc, store, other, signer=None, owner="reporting", payload=audit_read())
        code, out = await run_cli("audit", "verify", "--all", env=env)
        assert code == 1 and f"{other}: NOT INTACT" in out and f"{good}: intact" in out
        code, _ = await run_cli("audit", "verify", good, env=env)
        assert code == 0
    finally:
        await keys.stop()
        await nc.close()
