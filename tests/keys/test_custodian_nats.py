"""The key custodian on a real nats-server: who may create, get and destroy a case key, what each
refusal says, and that a destruction is a signed event on the case's chain that empties every
service's cache and is finished after a crash."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError

from sanctuary.devtools.nats_server import NatsServer
from services.keys.destruction import record_destruction
from services.reporting.audit.reader import verify_cases
from shared.case_keys import (
    CaseKeyClient,
    DestroyRequest,
    KeyCustodianError,
    KeyFailure,
    KeyOperation,
    KeyReply,
    NoPersonalData,
    key_subject,
)
from shared.codec import CasePosition
from shared.contracts.keys import CaseKeyDestroyed
from shared.crypto import CaseErased
from shared.eventstore import EventStore, ensure_stream
from shared.signing import load_or_create_signer, load_verifier
from tests.conftest import running_custodian
from tests.kernel_events import COORD, KernelNoteAdded
from tests.keys.waiting import until

pytestmark = pytest.mark.nats


def destroy_request(reason: str = "request from the data subject: asked") -> DestroyRequest:
    return DestroyRequest(command_id=f"erase-{uuid.uuid4().hex}", reason=reason, actor=COORD)


def new_case() -> str:
    return f"K-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def nc(fresh_nats_server: NatsServer, signing_dir: Path) -> AsyncIterator[NATS]:
    client = await nats.connect(fresh_nats_server.url)
    await ensure_stream(client.jetstream())
    async with running_custodian(fresh_nats_server.url, signing_dir):
        yield client
    await client.close()


async def ask(nc: NATS, service: str, operation: KeyOperation, case_id: str, body: bytes = b"") -> KeyReply:
    reply = await nc.request(key_subject(service, operation, case_id), body, timeout=10)
    return KeyReply.model_validate_json(reply.data)


async def test_only_referral_creates_and_every_service_gets_the_same_key(nc):
    case_id = new_case()
    key = await CaseKeyClient(nc, "referral").key_for_writing(case_id)
    for service in ("referral", "assessment", "contractor", "reporting"):
        assert await CaseKeyClient(nc, service).key_for_reading(case_id) == key
    other = new_case()
    for service in ("assessment", "contractor", "reporting"):
        refused = await ask(nc, service, KeyOperation.CREATE, other)
        assert (refused.ok, refused.error) == (False, KeyFailure.REFUSED)
        assert refused.detail == f"{service} may not create case keys (only referral may)"
        assert refused.key is None
    # A service that may not create says so itself, before asking.
    with pytest.raises(KeyCustodianError, match="may not create one"):
        await CaseKeyClient(nc, "assessment").key_for_writing(other)
    with pytest.raises(KeyError):
        await CaseKeyClient(nc, "reporting").key_for_reading(other)


async def test_only_reporting_destroys_and_bad_requests_are_named_not_echoed(nc):
    case_id = new_case()
    await CaseKeyClient(nc, "referral").key_for_writing(case_id)
    body = destroy_request().model_dump_json().encode()
    for service in ("referral", "assessment", "contractor", "operator"):
        refused = await ask(nc, service, KeyOperation.DESTROY, case_id, body)
        assert refused.error is KeyFailure.REFUSED and f"{service} may not destroy" in (refused.detail or "")
    with pytest.raises(NoRespondersError):  # a case id with a dot is no key subject at all
        await ask(nc, "referral", KeyOperation.GET, "bad.case")
    bad_id = await ask(nc, "referral", KeyOperation.GET, "bad%case")
    assert bad_id.error is KeyFailure.INVALID and (bad_id.detail or "").startswith("case_id: ")
    reply = await nc.request("keys.reporting.wipe." + case_id, b"", timeout=10)
    assert KeyReply.model_validate_json(reply.data).detail == "operation: must be create, get or destroy"
    secret = b'{"command_id": "x", "reason": "Alice Example, 1 Test Road", "actor": {"agency": "A"}}'
    malformed = await ask(nc, "reporting", KeyOperation.DESTROY, case_id, secret)
    assert malformed.error is KeyFailure.INVALID and "actor" in (malformed.detail or "")
    assert "Alice" not in malformed.encode().decode()
    # Nothing was destroyed by any of these.
    assert await CaseKeyClient(nc, "assessment").key_for_reading(case_id)


async def test_a_destruction_is_a_signed_event_on_the_chain_and_empties_every_cache(nc, signing_dir):
    case_id = new_case()
    referral = CaseKeyClient(nc, "referral")
    store = EventStore(nc, referral, "referral", load_or_create_signer(signing_dir, "referral"))
    await store.append(
        case_id,
        [KernelNoteAdded(text="note", client_name="Alice Example")],
        expected=CasePosition(),
        actor=COORD,
        command_id=f"c-{uuid.uuid4().hex}",
    )
    watching = CaseKeyClient(nc, "assessment")
    await watching.start()
    await referral.start()  # the writer's cache, too, is emptied
    try:
        assert await watching.key_for_reading(case_id)  # cached now
        request = destroy_request()
        assert await CaseKeyClient(nc, "reporting").destroy(case_id, request) is True
        assert await CaseKeyClient(nc, "reporting").destroy(case_id, request) is False  # already gone
        await until(
            lambda: watching.known_erased(case_id) and referral.known_erased(case_id), "caches emptied"
        )
        with pytest.raises(CaseErased):
            await watching.key_for_reading(case_id)
        with pytest.raises(CaseErased):
            await CaseKeyClient(nc, "referral").key_for_writing(case_id)  # and never re-created
        events = await store.load(case_id)
    finally:
        await watching.stop()
        await referral.stop()
    assert [e.type for e in events] == ["KernelNoteAdded", "CaseKeyDestroyed"]
    destroyed, note = events[1], events[0].payload
    assert isinstance(destroyed.payload, CaseKeyDestroyed) and isinstance(note, KernelNoteAdded)
    assert destroyed.actor == COORD and destroyed.causation_id == f"key-destroyed:{request.command_id}"
    assert (destroyed.payload.requested_by, destroyed.payload.command_id) == ("reporting", request.command_id)
    assert note.client_name != "Alice Example"  # read as erased
    [verified] = await verify_cases(nc, store, load_verifier(signing_dir), [case_id])
    assert verified.intact, [str(f) for f in verified.findings]  # the custodian is an accepted signer


async def test_a_destruction_recorded_before_a_crash_is_finished_at_start(fresh_nats_server, signing_dir):
    nc = await nats.connect(fresh_nats_server.url)
    await ensure_stream(nc.jetstream())
    case_id = new_case()
    try:
        async with running_custodian(fresh_nats_server.url, signing_dir):
            await CaseKeyClient(nc, "referral").key_for_writing(case_id)
        # The custodian recorded the destruction, then died before destroying the key.
        store = EventStore(nc, NoPersonalData(), "keys", load_or_create_signer(signing_dir, "keys"))
        await record_destruction(nc, store, case_id, destroy_request(), "reporting")
        async with running_custodian(fresh_nats_server.url, signing_dir) as custodian:
            keys = custodian.parts.custodian.custodian.keys
            await until(lambda: _gone(keys, case_id), "the key destroyed", is_async=True)
            refused = await ask(nc, "assessment", KeyOperation.GET, case_id)
            assert refused.error is KeyFailure.ERASED
    finally:
        await nc.close()


async def _gone(keys, case_id: str) -> bool:
    return await keys.wrapped(case_id) is None
