"""The event store reads the stream's ack itself: each refusal the server can give is still told
apart (a conflict, a refusal with the server's reason, no stream at all) and nothing is stored."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js.errors import NoStreamResponseError

from sanctuary.devtools.nats_server import NatsServer
from sanctuary.provision import case_keys_config
from shared.codec import CasePosition
from shared.crypto import KeyStore
from shared.errors import ConcurrencyConflict, EventStoreError
from shared.events import RecordedEvent
from shared.eventstore import STREAM, EventStore, stream_config
from shared.signing import load_or_create_signer
from tests.kernel_events import COORD, KernelNoteAdded

pytestmark = pytest.mark.nats


def case() -> str:
    return f"T-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def own_server_store(
    bare_nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[tuple[NATS, EventStore]]:
    """A store on a server of its own, with no CASES stream yet (the case keys' bucket only, as
    provisioning makes it)."""
    client = await nats.connect(bare_nats_server.url)
    await client.jetstream().add_stream(case_keys_config(1))
    keys = KeyStore(client.jetstream(), b"k" * 32)
    await keys.start()
    yield client, EventStore(client, keys, "referral", load_or_create_signer(tmp_path / "keys", "referral"))
    await keys.stop()
    await client.close()


async def append_note(store: EventStore, case_id: str, text: str, expected: CasePosition) -> int:
    recorded = await store.append(
        case_id,
        [KernelNoteAdded(text=text, client_name="Alice Example")],
        expected=expected,
        actor=COORD,
        command_id=f"cmd-{uuid.uuid4().hex}",
    )
    return recorded[-1].seq


async def test_no_stream_is_the_no_stream_error(own_server_store: tuple[NATS, EventStore]) -> None:
    _, store = own_server_store
    with pytest.raises(NoStreamResponseError):
        await append_note(store, case(), "a", CasePosition())


async def test_a_refusal_gives_the_servers_reason_and_stores_nothing(
    own_server_store: tuple[NATS, EventStore],
) -> None:
    client, store = own_server_store
    js = client.jetstream()
    await js.add_stream(dataclasses.replace(stream_config(), max_msg_size=300))
    case_id = case()
    with pytest.raises(EventStoreError, match=r"append refused: .*size"):
        await append_note(store, case_id, "a note longer than the stream allows", CasePosition())
    assert (await js.stream_info(STREAM)).state.messages == 0
    assert await store.read_raw(case_id) == []


async def test_conflict_and_duplicate_are_told_apart(own_server_store: tuple[NATS, EventStore]) -> None:
    client, store = own_server_store
    await client.jetstream().add_stream(stream_config())
    case_id = case()
    seq = await append_note(store, case_id, "a", CasePosition())
    with pytest.raises(ConcurrencyConflict) as stale:
        await append_note(store, case_id, "b", CasePosition())
    assert (stale.value.expected, stale.value.actual) == (0, seq)
    # The same command again, sent as a retry would be (from where the case now stands): the
    # server answers from its duplicate window, and the first append stands alone.
    other = case()

    async def send(expected: CasePosition) -> list[RecordedEvent]:
        note = KernelNoteAdded(text="c", client_name="A")
        return await store.append(other, [note], expected=expected, actor=COORD, command_id="cmd-retried")

    first = await send(CasePosition())
    with pytest.raises(ConcurrencyConflict) as duplicate:
        await send(CasePosition(first[-1].seq, first[-1].hash))
    assert duplicate.value.actual is None
    assert len(await store.read_raw(other)) == 1
