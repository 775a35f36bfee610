"""The event store against a real nats-server: concurrency, idempotency, batches, erasure."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import uuid

import pytest

from shared.codec import CasePosition
from shared.errors import ConcurrencyConflict, InvalidEvent
from shared.events import SYSTEM_ACTOR, RecordedEvent
from shared.eventstore import STREAM, EventStore, of_types
from shared.handler import CaseHandler
from shared.personal import ERASED
from tests.kernel_events import COORD, AddKernelNote, KernelNoteAdded, KernelNoteCounted, notes_decider

pytestmark = pytest.mark.nats


def case() -> str:
    return f"T-{uuid.uuid4().hex[:12]}"


def note(case_id: str, text: str, also_count: bool = False, command_id: str | None = None) -> AddKernelNote:
    return AddKernelNote(
        command_id=command_id or f"cmd-{uuid.uuid4().hex}",
        case_id=case_id,
        actor=COORD,
        text=text,
        client_name="Alice Example",
        also_count=also_count,
    )


async def add_note(
    store: EventStore, case_id: str, text: str, command_id: str, after: RecordedEvent | None = None
) -> list[RecordedEvent]:
    """One note appended by the coordinator, expecting the case to end at ``after`` (empty if None)."""
    expected = CasePosition(after.seq, after.hash) if after else CasePosition()
    note = KernelNoteAdded(text=text, client_name="Alice Example")
    return await store.append(case_id, [note], expected=expected, actor=COORD, command_id=command_id)


async def test_append_and_load_in_order_with_hash_chain(store_for):
    store = store_for("referral")
    case_id = case()
    first = await add_note(store, case_id, "a", "c-000001")
    second = await add_note(store, case_id, "b", "c-000002", after=first[-1])
    loaded = await store.load(case_id)
    assert [e.payload.text for e in loaded] == ["a", "b"]
    assert loaded[1].prev_hash == loaded[0].hash == first[0].hash
    assert loaded[1].hash == second[0].hash
    assert loaded[0].subject == f"case.{case_id}.referral.KernelNoteAdded"
    assert loaded[0].payload.client_name == "Alice Example"


async def test_stale_expected_sequence_is_a_typed_conflict_with_actual_sequence(store_for):
    store = store_for("referral")
    case_id = case()
    done = await add_note(store, case_id, "a", "c-000003")
    with pytest.raises(ConcurrencyConflict) as info:
        await add_note(store, case_id, "b", "c-000004")
    assert info.value.actual == done[0].seq
    assert len(await store.load(case_id)) == 1


async def test_two_writers_race_one_wins_per_sequence_loser_retries(store_for):
    case_id = case()
    # Two handlers with their own caches, like two replicas of the service.
    writers = [CaseHandler(store_for("referral"), notes_decider) for _ in range(2)]
    commands = [note(case_id, f"n{i}") for i in range(20)]
    await asyncio.gather(*(writers[i % 2].handle(c) for i, c in enumerate(commands)))
    history = await store_for("referral").load(case_id)
    assert sorted(e.payload.text for e in history) == sorted(c.text for c in commands)
    assert len({e.event_id for e in history}) == 20
    seqs = [e.seq for e in history]
    assert seqs == sorted(seqs)
    for before, after in itertools.pairwise(history):
        assert after.prev_hash == before.hash


async def test_same_command_twice_gives_one_set_of_events(store_for):
    case_id = case()
    handler = CaseHandler(store_for("referral"), notes_decider)
    command = note(case_id, "once", also_count=True)
    first = await handler.handle(command)
    again = await handler.handle(command)
    # A second replica with a cold cache sees the same thing.
    third = await CaseHandler(store_for("referral"), notes_decider).handle(command)
    assert again.duplicate and third.duplicate
    assert again.event_ids == first.event_ids == third.event_ids
    assert len(await store_for("referral").load(case_id)) == 2


async def test_batch_is_atomic_and_a_broken_expected_sequence_stores_nothing(store_for, nc):
    store = store_for("referral")
    case_id = case()
    before = (await nc.jetstream().stream_info(STREAM)).state.messages
    events = [KernelNoteAdded(text="x", client_name="A"), KernelNoteCounted(count=1)]
    await store.append(case_id, events[:1], expected=CasePosition(), actor=COORD, command_id="c-000010")
    with pytest.raises(ConcurrencyConflict):
        await store.append(case_id, events, expected=CasePosition(), actor=COORD, command_id="c-000011")
    after = (await nc.jetstream().stream_info(STREAM)).state.messages
    assert after - before == 1
    ok = await store.append(
        case_id, events, expected=await store.last_position(case_id), actor=COORD, command_id="c-000012"
    )
    assert [e.seq for e in ok] == [ok[0].seq, ok[0].seq + 1]
    assert ok[1].prev_hash == ok[0].hash


async def test_invalid_payload_is_refused_naming_the_field_and_nothing_appended(store_for):
    store = store_for("referral")
    case_id = case()
    bad = KernelNoteCounted.model_construct(count=0)
    with pytest.raises(InvalidEvent) as info:
        await store.append(case_id, [bad], expected=CasePosition(), actor=COORD, command_id="c-000020")
    assert info.value.problems[0].field == "KernelNoteCounted.count"
    assert await store.load(case_id) == []


@pytest.mark.parametrize(
    "made",
    [
        lambda: KernelNoteCounted(count=1).model_copy(update={"count": 0}),
        lambda: copy.copy(KernelNoteCounted.model_construct(count=0)),
        lambda: copy.deepcopy(KernelNoteCounted.model_construct(count=0)).model_copy(),
    ],
    ids=["changed-copy", "copy-of-unvalidated", "deep-copy-of-unvalidated"],
)
async def test_a_payload_changed_or_copied_without_validation_is_validated_before_it_is_written(
    store_for, made
):
    store = store_for("referral")
    case_id = case()
    with pytest.raises(InvalidEvent) as info:
        await store.append(case_id, [made()], expected=CasePosition(), actor=COORD, command_id="c-000021")
    assert info.value.problems[0].field == "KernelNoteCounted.count"
    assert await store.load(case_id) == []


async def test_service_may_not_write_another_owners_events(store_for):
    from shared.errors import EventStoreError

    with pytest.raises(EventStoreError):
        await store_for("contractor").append(
            case(),
            [KernelNoteCounted(count=1)],
            expected=CasePosition(),
            actor=SYSTEM_ACTOR,
            command_id="c-000030",
        )


async def test_erased_case_reads_as_erased_and_raw_bytes_hold_no_personal_data(store_for, nc, keystore):
    store = store_for("referral")
    case_id = case()
    secret = f"Zelda Quasimodo {uuid.uuid4().hex[:6]}"
    await store.append(
        case_id,
        [KernelNoteAdded(text="visit", client_name=secret, client_address="1 Test Road")],
        expected=CasePosition(),
        actor=COORD,
        command_id="c-000040",
    )
    raw = await store.read_raw(case_id)
    assert secret.encode() not in raw[0][2] and b"Test Road" not in raw[0][2]
    assert await keystore.erase(case_id) is True
    loaded = await store.load(case_id)
    assert loaded[0].payload.client_name == ERASED and loaded[0].payload.client_address == ERASED
    assert loaded[0].payload.text == "visit" and loaded[0].erased
    # The wrapped key itself is gone from the key bucket.
    kv_raw = await nc.request(
        "$JS.API.DIRECT.GET.KV_CASE_KEYS", json.dumps({"last_by_subj": f"$KV.CASE_KEYS.{case_id}"}).encode()
    )
    assert not kv_raw.data
    # A later writer cannot give the case a new key and write to it again.
    handler = CaseHandler(store, notes_decider)
    from shared.errors import CommandRejected

    with pytest.raises(CommandRejected):
        await handler.handle(note(case_id, "after erasure"))


def test_filters_narrowed_to_event_types_keep_what_they_named() -> None:
    assert of_types(["case.>", "case.C-1.>"], ["B", "A"]) == [
        "case.*.*.A",
        "case.*.*.B",
        "case.C-1.*.A",
        "case.C-1.*.B",
    ]
    assert of_types(["case.C-1.referral.ReferralSubmitted"], ["A"]) == ["case.C-1.referral.ReferralSubmitted"]


async def test_a_message_decoded_again_is_the_event_decoded_before_until_the_key_is_gone(store_for, keystore):
    store = store_for("referral")
    case_id = case()
    await add_note(store, case_id, "visit", "c-000050")
    first = await store.load(case_id)
    (seq, subject, data) = (await store.read_raw(case_id))[0]
    # A reader decoding the message, and the case loaded again, share the one decoded event.
    assert await store.decode(data, seq=seq, subject=subject) is first[0]
    assert (await store.load(case_id))[0] is first[0]
    # Other bytes under the same sequence are not taken for it.
    other = await store.decode(data.replace(b'"visit"', b'"other"', 1), seq=seq, subject=subject)
    assert other is not first[0]
    # Once the case key is destroyed the message reads as erased, whoever decoded it before.
    assert await keystore.erase(case_id) is True
    loaded = await store.load(case_id)
    assert loaded[0].erased and loaded[0].payload.client_name == ERASED
    decoded = await store.decode(data, seq=seq, subject=subject)
    assert decoded.erased and decoded.payload.client_name == ERASED
