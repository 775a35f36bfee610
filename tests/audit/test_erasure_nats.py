"""Erasure against a real nats-server: after `erase`, no personal field can be recovered from the
stream, the key store, the files on disk or the logs; the erasure is recorded and signed, the
history still verifies, and audit reads of the erased case are still recorded."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import nats
import pytest

from services.reporting.audit.reader import subject_access_export, verify_cases
from shared.bus import send_command
from shared.codec import CasePosition
from shared.contracts.audit import AuditView, EraseCase, ErasureBasis, RecordAuditRead
from shared.crypto import CaseErased, KeyStore
from shared.personal import ERASED
from shared.signing import load_verifier
from tests.audit.checks import check
from tests.audit.client_events import SECRETS, client_recorded
from tests.audit.conftest import new_case_id
from tests.conftest import TEST_KEK
from tests.kernel_events import COORD

pytestmark = pytest.mark.nats


def erase_command(case_id: str) -> EraseCase:
    return EraseCase(
        command_id=f"e-{uuid.uuid4().hex}",
        case_id=case_id,
        actor=COORD,
        basis=ErasureBasis.DATA_SUBJECT_REQUEST,
        reason="right to erasure request received",
    )


def files_holding(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path.name}:{i}" for i, n in enumerate(needles) if n in content]
    return found


async def test_after_erasure_nothing_personal_can_be_recovered(
    audit_service, settings, nc, store_for, keystore, nats_server, signing_dir, captured_logs
):
    case_id = new_case_id("ER")
    referral = store_for("referral")
    await referral.append(
        case_id, [client_recorded()], expected=CasePosition(), actor=COORD, command_id=f"c-{uuid.uuid4().hex}"
    )
    wrapped = (await keystore.kv.get(case_id)).value
    assert wrapped
    needles = [s.encode() for s in SECRETS]
    raw_before = await referral.read_raw(case_id)
    check(not any(n in data for _, _, data in raw_before for n in needles), "plaintext in the stream")

    client = await nats.connect(settings.nats_url)
    try:
        reply = await send_command(client, erase_command(case_id))
        assert reply.ok and len(reply.event_ids) == 1
        again = await send_command(client, erase_command(case_id))
        assert again.ok and again.duplicate and again.event_ids == reply.event_ids
        # A read after erasure is still recorded: the audit trail outlives the personal data.
        read = await send_command(
            client,
            RecordAuditRead(
                command_id=f"r-{uuid.uuid4().hex}",
                case_id=case_id,
                actor=COORD,
                view=AuditView.SUBJECT_ACCESS_EXPORT,
                reason="check the erasure",
            ),
        )
        assert read.ok and len(read.event_ids) == 1
    finally:
        await client.close()

    events = await referral.load(case_id)
    # The key custodian recorded the destruction itself, after the erasure it was asked for.
    assert [e.type for e in events] == [
        "AuditTestClientRecorded",
        "CasePersonalDataErased",
        "CaseKeyDestroyed",
        "AuditReadRecorded",
    ]
    destroyed = events[2]
    assert destroyed.actor == COORD and destroyed.payload.requested_by == "reporting"
    assert destroyed.payload.command_id == events[1].causation_id
    client = events[0].payload
    assert (client.client_name, client.client_address, client.client_telephone) == (ERASED, ERASED, ERASED)
    assert client.age_band == "25-34"  # the coarse monitoring category survives
    erased = events[1]
    assert erased.actor == COORD and erased.payload.basis is ErasureBasis.DATA_SUBJECT_REQUEST
    # The stored bytes are unchanged by erasure, so the history still verifies.
    assert await referral.read_raw(case_id) == raw_before + (await referral.read_raw(case_id))[1:]
    [verified] = await verify_cases(nc, referral, load_verifier(signing_dir), [case_id])
    assert verified.intact

    # A process that never saw the key (no cache) cannot get it back, with the right KEK.
    fresh = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    await fresh.start()
    try:
        with pytest.raises(CaseErased):
            await fresh.key_for_reading(case_id)
        # Nor give the erased case a new key (which would make its history unreadable).
        with pytest.raises(CaseErased):
            await fresh.key_for_writing(case_id)
    finally:
        await fresh.stop()
    # Secure delete: the wrapped key is in no file of the server's store, nor any personal value.
    assert nats_server.store_dir is not None
    check(files_holding(Path(nats_server.store_dir), [wrapped, *needles]) == [], "key or data on disk")

    export = subject_access_export(case_id, events)
    assert export["erased"] and {p["value"] for p in export["personal_data"]} == {ERASED}
    logs = captured_logs.getvalue()
    assert "case personal data erased" in logs
    check(not [s for s in SECRETS if s in logs], "personal data in the logs")
