"""Recording audit reads (granted and refused) and refusing bad input, against a real nats-server."""

from __future__ import annotations

import json
import uuid

import nats
import pytest

from shared.bus import send_command
from shared.codec import CasePosition
from shared.contracts.audit import AuditView, EraseCase, ErasureBasis, RecordAuditRead
from shared.events import Actor, Role
from tests.audit.client_events import client_recorded
from tests.audit.conftest import new_case_id
from tests.kernel_events import COORD

pytestmark = pytest.mark.nats

AUDITOR = Actor(agency="Internal Audit", person="aud-4", role=Role.AUDITOR)
INSTALLER = Actor(agency="Locks Ltd", person="inst-9", role=Role.INSTALLER)


async def new_case(store_for) -> str:
    case_id = new_case_id()
    await store_for("referral").append(
        case_id, [client_recorded()], expected=CasePosition(), actor=COORD, command_id=f"c-{uuid.uuid4().hex}"
    )
    return case_id


def read(case_id: str, actor: Actor, reason: str = "internal audit 2026 Q1") -> RecordAuditRead:
    return RecordAuditRead(
        command_id=f"r-{uuid.uuid4().hex}",
        case_id=case_id,
        actor=actor,
        view=AuditView.TIMELINE,
        reason=reason,
    )


async def stored_types(store, case_id: str) -> list[str]:
    return [json.loads(data)["type"] for _, _, data in await store.read_raw(case_id)]


async def test_an_audit_read_is_recorded_with_who_and_why(audit_service, settings, store_for):
    case_id = await new_case(store_for)
    nc = await nats.connect(settings.nats_url)
    try:
        reply = await send_command(nc, read(case_id, AUDITOR))
        assert reply.ok and len(reply.event_ids) == 1
        assert reply.data == {"outcome": "granted, personal data withheld", "show_personal": False}
        shown = await send_command(nc, read(case_id, COORD))
        assert shown.data == {"outcome": "granted, personal data shown", "show_personal": True}
    finally:
        await nc.close()
    events = await store_for("reporting").load(case_id)
    audit = events[1]
    assert audit.type == "AuditReadRecorded" and audit.actor == AUDITOR
    assert audit.payload.reason == "internal audit 2026 Q1" and audit.payload.view == AuditView.TIMELINE


async def test_an_audit_read_by_a_role_without_the_right_is_refused_and_recorded(
    audit_service, settings, store_for
):
    case_id = await new_case(store_for)
    nc = await nats.connect(settings.nats_url)
    try:
        reply = await send_command(nc, read(case_id, INSTALLER))
    finally:
        await nc.close()
    assert not reply.ok and reply.errors[0].field == "actor.role"
    assert len(reply.event_ids) == 1
    events = await store_for("reporting").load(case_id)
    refused = events[-1]
    assert refused.type == "AuditReadRecorded" and refused.actor == INSTALLER
    assert refused.payload.outcome.value == "refused" and "installer" in str(refused.payload.refusal)


async def test_the_same_read_sent_twice_is_recorded_once(audit_service, settings, store_for):
    case_id = await new_case(store_for)
    command = read(case_id, AUDITOR)
    nc = await nats.connect(settings.nats_url)
    try:
        first = await send_command(nc, command)
        again = await send_command(nc, command)
    finally:
        await nc.close()
    assert again.duplicate and again.event_ids == first.event_ids
    assert await stored_types(store_for("reporting"), case_id) == [
        "AuditTestClientRecorded",
        "AuditReadRecorded",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "called 07700 900999 about it"}, "reason"),
        ({"reason": "visit to 2 Other Road"}, "reason"),
        ({"reason": "x"}, "reason"),
        ({"view": "everything"}, "view"),
        ({"as_of": "last tuesday"}, "as_of"),
        ({"actor": {"agency": "A", "person": "p", "role": "janitor"}}, "actor.role"),
    ],
)
async def test_bad_audit_read_input_names_the_field_and_stores_nothing(
    audit_service, settings, store_for, body, field
):
    case_id = await new_case(store_for)
    command = read(case_id, AUDITOR).model_dump(mode="json") | body
    nc = await nats.connect(settings.nats_url)
    try:
        reply = await nc.request(RecordAuditRead.subject(), json.dumps(command).encode(), timeout=5)
    finally:
        await nc.close()
    answer = json.loads(reply.data)
    assert not answer["ok"] and field in {e["field"] for e in answer["errors"]}
    assert "07700" not in reply.data.decode() and "Other Road" not in reply.data.decode()
    assert await stored_types(store_for("reporting"), case_id) == ["AuditTestClientRecorded"]


async def test_no_read_or_erasure_of_a_case_that_does_not_exist(audit_service, settings, store_for):
    case_id = new_case_id("NONE")
    erase = EraseCase(
        command_id=f"e-{uuid.uuid4().hex}", case_id=case_id, actor=COORD,
        basis=ErasureBasis.DATA_SUBJECT_REQUEST, reason="request received",
    )  # fmt: skip
    nc = await nats.connect(settings.nats_url)
    try:
        for command in (read(case_id, AUDITOR), erase):
            reply = await send_command(nc, command)
            assert not reply.ok and reply.errors[0].field == "case_id" and not reply.event_ids
    finally:
        await nc.close()
    assert await store_for("reporting").read_raw(case_id) == []


async def test_bad_erasure_input_is_refused_and_the_key_survives(
    audit_service, settings, store_for, keystore
):
    case_id = await new_case(store_for)
    base = {"command_id": f"e-{uuid.uuid4().hex}", "case_id": case_id, "reason": "retention"}
    cases = [
        (
            base | {"actor": COORD.model_dump(mode="json"), "basis": "retention"},
            {"closed_at", "retention_years"},
        ),
        (base | {"actor": INSTALLER.model_dump(mode="json"), "basis": "other"}, {"actor.role"}),
        (base | {"actor": COORD.model_dump(mode="json"), "basis": "because"}, {"basis"}),
        (
            base | {"actor": COORD.model_dump(mode="json"), "basis": "other", "reason": "a@b.example"},
            {"reason"},
        ),
    ]
    nc = await nats.connect(settings.nats_url)
    try:
        for body, fields in cases:
            reply = json.loads(
                (await nc.request(EraseCase.subject(), json.dumps(body).encode(), timeout=5)).data
            )
            assert not reply["ok"] and {e["field"] for e in reply["errors"]} == fields
    finally:
        await nc.close()
    assert await stored_types(store_for("reporting"), case_id) == ["AuditTestClientRecorded"]
    loaded = await store_for("reporting").load(case_id)
    assert not loaded[0].erased
