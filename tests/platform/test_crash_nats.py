"""kill -9 the nats-server right after acknowledged appends (sync_interval: always), restart it on
the same store: every acknowledged event is there, and each case's hash chain and signatures verify."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path

import nats
import pytest

from sanctuary.devtools.nats_server import NatsServer
from shared.codec import GENESIS_HASH, CasePosition, event_hash
from shared.crypto import KeyStore
from shared.eventstore import EventStore, ensure_stream
from shared.signing import load_or_create_signer, load_verifier
from tests.conftest import TEST_KEK
from tests.kernel_events import COORD, KernelNoteAdded, KernelNoteCounted

pytestmark = pytest.mark.nats
CASES, APPENDS_PER_CASE = 8, 15


async def append_history(store: EventStore, case_id: str) -> list[tuple[int, str]]:
    """One case's appends, each waiting for its ack; every third one an atomic batch of two."""
    acked: list[tuple[int, str]] = []
    position = CasePosition()
    for n in range(APPENDS_PER_CASE):
        events: list[KernelNoteAdded | KernelNoteCounted] = [
            KernelNoteAdded(text=f"note {n}", client_name="Alice Example", client_address="1 Test Road")
        ]
        if n % 3 == 2:
            events.append(KernelNoteCounted(count=n + 1))
        recorded = await store.append(
            case_id, events, expected=position, actor=COORD, command_id=f"{case_id}-c{n:03d}"
        )
        acked += [(e.seq, e.hash) for e in recorded]
        position = CasePosition(recorded[-1].seq, recorded[-1].hash)
    return acked


async def test_acknowledged_events_survive_kill_9_and_the_chain_verifies(
    fresh_nats_server: NatsServer, tmp_path: Path
) -> None:
    keys_dir = tmp_path / "keys"
    nc = await nats.connect(fresh_nats_server.url, allow_reconnect=False)
    js = nc.jetstream()
    await ensure_stream(js)
    keystore = KeyStore(js, base64.b64decode(TEST_KEK))
    await keystore.start()
    store = EventStore(nc, keystore, "referral", load_or_create_signer(keys_dir, "referral"))
    case_ids = [f"K-{uuid.uuid4().hex[:12]}" for _ in range(CASES)]
    acked = dict(
        zip(case_ids, await asyncio.gather(*(append_history(store, c) for c in case_ids)), strict=True)
    )

    # No drain, no flush: the server dies the moment the last ack has been received.
    fresh_nats_server.kill()
    await keystore.stop()
    await nc.close()
    fresh_nats_server.start()

    reader_nc = await nats.connect(fresh_nats_server.url)
    try:
        reader = EventStore(reader_nc, KeyStore(reader_nc.jetstream(), b""), "referral")
        verifier = load_verifier(keys_dir)
        for case_id in case_ids:
            stored = await reader.read_raw(case_id)
            assert [(seq, json.loads(data)["hash"]) for seq, _, data in stored] == acked[case_id], (
                "an acknowledged event is missing or changed after the crash"
            )
            previous = GENESIS_HASH
            for _seq, subject, data in stored:
                record = json.loads(data)
                assert record["prev_hash"] == previous, "the hash chain is broken"
                assert event_hash(record) == record["hash"], "a stored record does not match its hash"
                assert verifier.verify(subject.split(".")[2], record["hash"], record["signature"]), (
                    "an event's signature does not verify"
                )
                previous = record["hash"]
    finally:
        await reader_nc.close()
