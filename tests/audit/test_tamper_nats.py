"""Tampering that the hash chain alone cannot see, caught by the signed checkpoints of every case's
head and by hashing what is stored.

A real server does not let anyone delete from CASES (deny_delete), so each tamper is a copy: the
stored messages of an untouched server, republished into a fresh server with one case's history
cut, reordered, altered, re-signed or rewritten, its checkpoints copied alongside. Then
``sanctuary audit verify --all`` runs against the copy and must name every tampered case, and
only those.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client as NATS

from sanctuary.devtools.nats_server import NatsServer
from services.reporting.audit.checkpointer import Checkpointer, newest_checkpoint
from services.reporting.audit.reader import verify_all, verify_cases
from services.reporting.audit.wiring import Checkpoints
from shared.audit_verify import (
    ALTERED,
    DUPLICATE_KEY,
    FORGED,
    REMOVED,
    REORDERED,
    TRUNCATED,
    UNANCHORED,
    verify_case,
)
from shared.case_keys import NoPersonalData
from shared.checkpoints import Checkpoint, checkpoint_subject, ensure_checkpoint_stream
from shared.codec import canonical
from shared.contracts.audit import AuditReadOutcome, AuditReadRecorded, AuditView
from shared.decider import Decider
from shared.events import Actor, Role
from shared.eventstore import EventStore, ensure_stream, read_matching
from shared.service import create_service_app
from shared.settings import load_settings
from shared.signing import Signer, load_or_create_signer, load_verifier
from tests.audit.test_verify_nats import run_cli
from tests.keys.waiting import until

pytestmark = pytest.mark.nats
AUDITOR = Actor(agency="Test Audit", person="aud-1", role=Role.AUDITOR)
TAMPERS = ("clean", "last", "last3", "whole", "reordered", "altered", "signer", "dupkey")


def note(n: int) -> AuditReadRecorded:
    return AuditReadRecorded(
        view=AuditView.TIMELINE, reason=f"audit pass {n}", outcome=AuditReadOutcome.REFUSED
    )


async def write(store: EventStore, case_id: str, count: int) -> None:
    for n in range(1, count + 1):
        await store.append(
            case_id,
            [note(n)],
            expected=await store.last_position(case_id),
            actor=AUDITOR,
            command_id=f"c-{uuid.uuid4().hex}",
        )


def reporting_store(nc: NATS, signing_dir: Path | None = None) -> EventStore:
    """Writes as the reporting service (its events hold no personal data, so no key is needed)."""
    signer = load_or_create_signer(signing_dir, "reporting") if signing_dir else None
    return EventStore(nc, NoPersonalData(), "reporting", signer)


async def caught_up(checkpointer: Checkpointer, nc: NATS) -> None:
    """Wait (generously) until the checkpointer has read the whole stream, then checkpoint."""
    last = (await nc.jetstream().stream_info("CASES")).state.last_seq
    for _ in range(600):
        if checkpointer.position >= last:
            await checkpointer.flush()
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"checkpointer stuck at {checkpointer.position} of {last}")


@pytest.fixture
async def original(
    fresh_nats_server: NatsServer, signing_dir: Path
) -> AsyncIterator[tuple[NATS, dict[str, str]]]:
    """Eight cases of five events each, every head checkpointed by the reporting service's key."""
    nc = await nats.connect(fresh_nats_server.url)
    await ensure_stream(nc.jetstream())
    await ensure_checkpoint_stream(nc.jetstream())
    store = reporting_store(nc, signing_dir)
    cases = {name: f"TP-{name}-{uuid.uuid4().hex[:6]}" for name in TAMPERS}
    for case_id in cases.values():
        await write(store, case_id, 5)
    checkpointer = Checkpointer(nc, load_or_create_signer(signing_dir, "reporting"), interval_s=3600)
    await checkpointer.start()
    await caught_up(checkpointer, nc)
    await checkpointer.stop()
    yield nc, cases
    await nc.close()


def tamper(name: str, history: list[tuple[int, str, bytes]], signing_dir: Path) -> list[tuple[str, bytes]]:
    """The (subject, bytes) to republish for one case's history under the named tamper."""
    msgs = [(subject, data) for _, subject, data in history]
    if name == "last":
        return msgs[:-1]
    if name == "last3":
        return msgs[:-3]
    if name == "whole":
        return []
    if name == "reordered":
        return [msgs[0], msgs[2], msgs[1], *msgs[3:]]
    if name == "altered":
        subject, data = msgs[2]
        return [*msgs[:2], (subject, data.replace(b"audit pass 3", b"audit pass 9")), *msgs[3:]]
    if name == "signer":
        subject, data = msgs[1]
        record = json.loads(data)
        # A real key, but the contractor's: it does not make the contractor the owner of this event.
        record["signature"] = load_or_create_signer(signing_dir, "contractor").sign(record["hash"])
        return [msgs[0], (subject, canonical(record)), *msgs[2:]]
    if name == "dupkey":
        subject, data = msgs[3]
        # A first "actor" ahead of the real one: a last-wins parser reads the record as hashed, a
        # first-wins parser reads someone else as the actor.
        forged = json.dumps({"agency": "Elsewhere", "person": "x", "role": "coordinator"}).encode()
        return [*msgs[:3], (subject, b'{"actor":' + forged + b"," + data[1:]), *msgs[4:]]
    return msgs


async def tampered_copy(source: NATS, cases: dict[str, str], target_url: str, signing_dir: Path) -> None:
    nc = await nats.connect(target_url)
    js = nc.jetstream()
    await ensure_stream(js)
    await ensure_checkpoint_stream(js)
    try:
        for name, case_id in cases.items():
            for subject, data in tamper(name, await read_matching(source, f"case.{case_id}.>"), signing_dir):
                await js.publish(subject, data)
            checkpoint = await newest_checkpoint(source, case_id)
            assert checkpoint is not None and checkpoint.case_id == case_id
            await js.publish(checkpoint_subject(case_id), checkpoint.encode())
    finally:
        await nc.close()


EXPECTED = {
    "clean": set(),
    "last": {TRUNCATED},
    "last3": {TRUNCATED},
    "whole": {REMOVED},
    "reordered": {REORDERED},
    "altered": {ALTERED},
    "signer": {FORGED},
    "dupkey": {DUPLICATE_KEY},
}


async def test_each_tamper_is_reported_naming_its_case(original, signing_dir, tmp_path):
    source, cases = original
    copy = NatsServer(store_dir=tmp_path / "copy", sync_interval="always").start()
    try:
        await tampered_copy(source, cases, copy.url, signing_dir)
        nc = await nats.connect(copy.url)
        try:
            store = reporting_store(nc)
            results = {r.case_id: r for r in await verify_cases(nc, store, load_verifier(signing_dir))}
            # The signatures checked on worker processes (as for a long history) find the same.
            pooled = await verify_all(nc, load_verifier(signing_dir), workers=2)
        finally:
            await nc.close()
        assert set(results) == set(cases.values()), "a case removed whole is still listed"
        for name, case_id in cases.items():
            kinds = {f.kind for f in results[case_id].findings}
            assert kinds == EXPECTED[name], (name, [str(f) for f in results[case_id].findings])
        assert results[cases["clean"]].anchored and results[cases["clean"]].unanchored == 0
        assert pooled == sorted(results.values(), key=lambda r: r.case_id)

        env = {"NATS_URL": copy.url, "SANCTUARY_SIGNING_KEYS": str(signing_dir)}
        code, out = await run_cli("audit", "verify", "--all", env=env)
        assert code == 1, out
        assert f"{len(cases)} case(s) checked, {len(cases) - 1} not intact" in out, out
        assert f"{cases['clean']}: intact" in out
        for name, case_id in cases.items():
            if name != "clean":
                assert f"{case_id}: NOT INTACT" in out, (name, out)
        assert "Elsewhere" not in out and "audit pass" not in out  # findings never quote values
    finally:
        copy.cleanup()


async def test_the_untouched_store_verifies_and_anchors_every_case(original, signing_dir):
    nc, cases = original
    store = reporting_store(nc)
    results = await verify_cases(nc, store, load_verifier(signing_dir), list(cases.values()))
    assert all(r.intact and r.anchored and r.unanchored == 0 for r in results)


async def test_events_newer_than_the_checkpoint_are_noted_then_fail_past_the_bound(original, signing_dir):
    nc, cases = original
    store = reporting_store(nc, signing_dir)
    case_id = cases["clean"]
    await write(store, case_id, 2)
    verifier = load_verifier(signing_dir)
    checkpoint = await newest_checkpoint(nc, case_id)
    raw = await store.read_raw(case_id)
    now = datetime.now(UTC)
    within = verify_case(case_id, raw, verifier, checkpoint, now=now, bound=timedelta(minutes=10))
    assert within.intact and within.anchored and within.unanchored == 2
    later = verify_case(
        case_id, raw, verifier, checkpoint, now=now + timedelta(hours=1), bound=timedelta(minutes=10)
    )
    assert [f.kind for f in later.findings] == [UNANCHORED] and later.findings[0].seq == raw[-2][0]


async def test_a_checkpoint_not_signed_by_the_reporting_service_is_reported(original, signing_dir):
    nc, cases = original
    case_id = cases["clean"]
    store = reporting_store(nc)
    raw = await store.read_raw(case_id)
    genuine = await newest_checkpoint(nc, case_id)
    assert genuine is not None
    outsider = Signer("reporting", Ed25519PrivateKey.generate())
    # An earlier head, signed by a key that is not the reporting service's: it anchors nothing.
    forged = Checkpoint(case_id, raw[1][0], json.loads(raw[1][2])["hash"], at=genuine.at).signed(outsider)
    result = verify_case(case_id, raw, load_verifier(signing_dir), forged, now=datetime.now(UTC))
    assert [f.kind for f in result.findings] == [FORGED] and not result.anchored


async def test_a_restarted_checkpointer_republishes_only_the_heads_that_moved(original, signing_dir):
    nc, cases = original
    again = Checkpointer(nc, load_or_create_signer(signing_dir, "reporting"), interval_s=3600)
    await again.start()
    try:
        await caught_up(again, nc)
        assert await again.flush() == 0
        store = reporting_store(nc, signing_dir)
        await write(store, cases["last"], 1)
        await caught_up(again, nc)
        newest = await newest_checkpoint(nc, cases["last"])
        last = (await store.read_raw(cases["last"]))[-1]
        assert newest is not None and (newest.seq, newest.hash) == (last[0], json.loads(last[2])["hash"])
    finally:
        await again.stop()


async def test_the_reporting_service_checkpoints_each_case_head_as_it_moves(fresh_nats_server, signing_dir):
    settings = load_settings(NATS_URL=fresh_nats_server.url, SANCTUARY_SIGNING_KEYS=str(signing_dir))
    decider: Decider = Decider(initial=dict, decide=lambda c, s: [], evolve=lambda s, e: s)
    app, service = create_service_app(settings, "reporting", decider, commands=[], parts=Checkpoints)
    await app.start()
    try:
        assert service.runtime.nc is not None
        nc = service.runtime.nc
        store = reporting_store(nc, signing_dir)
        case_id = f"TP-live-{uuid.uuid4().hex[:6]}"
        for count in (2, 1):
            await write(store, case_id, count)
            last_seq, _, last = (await store.read_raw(case_id))[-1]
            head = (last_seq, json.loads(last)["hash"])

            async def anchored(expected: tuple[int, str] = head) -> bool:
                newest = await newest_checkpoint(nc, case_id)
                return newest is not None and (newest.seq, newest.hash) == expected

            await until(anchored, "the case's head checkpointed", seconds=60)
        [result] = await verify_cases(nc, store, load_verifier(signing_dir), [case_id])
        assert result.intact and result.anchored and result.unanchored == 0
    finally:
        await app.stop()
