"""Reading a stream by direct get (shared.directget) against a real nats-server: batches in order,
the last message on a subject, and a failed read never taken for an empty one."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError

from shared.directget import batches, last_by_subject, read_all, read_batch
from shared.errors import EventStoreError, EventStoreUnavailable
from tests.scratch_streams import scratch_stream

pytestmark = pytest.mark.nats


@pytest.fixture
async def stream(nc: NATS) -> AsyncIterator[str]:
    """A scratch stream of the test's own: ``dg.<letter>.<n>``, a and b interleaved, then c."""
    js = nc.jetstream()
    async with scratch_stream(js, "DG") as name:
        for n in range(7):
            await js.publish(f"{name}.{'ab'[n % 2]}.{n}", f"m{n}".encode())
        await js.publish(f"{name}.c.7", b"m7")
        yield name


async def test_batches_read_every_match_in_order_across_batches(nc: NATS, stream: str) -> None:
    seen = [m async for batch in batches(nc, stream, f"{stream}.a.*", size=2) for m in batch]
    assert seen == [(s, f"{stream}.a.{s - 1}", f"m{s - 1}".encode()) for s in (1, 3, 5, 7)]
    # One to learn how many match, then at most ``size`` at a time, never more than are left.
    sizes = [len(batch) async for batch in batches(nc, stream, f"{stream}.a.*", size=2)]
    assert sizes == [1, 2, 1]


async def test_no_batch_asks_for_more_than_the_server_said_were_left(nc: NATS, stream: str) -> None:
    """A batch asking for more than match makes the server search the rest of the stream for them
    after the last, and the connection's next request waits behind that search: the requests seen
    on the wire ask for one, then exactly what is left (at most ``size`` each)."""
    asked: list[int] = []

    async def seen(msg: Msg) -> None:
        asked.append(int(json.loads(msg.data)["batch"]))

    watcher = await nc.subscribe(f"$JS.API.DIRECT.GET.{stream}", cb=seen)
    try:
        assert len(await read_all(nc, stream, f"{stream}.>")) == 8
        await nc.flush()
        assert asked == [1, 7]
        asked.clear()
        assert [m async for b in batches(nc, stream, f"{stream}.>", after_seq=1, size=3) for m in b]
        await nc.flush()
        assert asked == [1, 3, 3]  # seven after the first: one, then three, then the three left
    finally:
        await watcher.unsubscribe()


async def test_read_all_starts_after_the_sequence_given(nc: NATS, stream: str) -> None:
    assert [s for s, _, _ in await read_all(nc, stream, f"{stream}.>", after_seq=5)] == [6, 7, 8]
    assert await read_all(nc, stream, f"{stream}.>", after_seq=8) == []
    assert await read_all(nc, stream, f"{stream}.none.>") == []


async def test_a_batch_says_how_many_more_match(nc: NATS, stream: str) -> None:
    batch = await read_batch(nc, stream, f"{stream}.b.*", start=1, size=2)
    assert [s for s, _, _ in batch.messages] == [2, 4]
    assert batch.pending == 1


async def test_last_by_subject_is_the_newest_or_none(nc: NATS, stream: str) -> None:
    assert await last_by_subject(nc, stream, f"{stream}.b.*") == (6, f"{stream}.b.5", b"m5")
    assert await last_by_subject(nc, stream, f"{stream}.d.*") is None


async def test_an_error_status_is_an_error_never_an_empty_answer(nc: NATS, stream: str) -> None:
    with pytest.raises(EventStoreError, match=f"direct get on {stream} failed: 408") as refused:
        await last_by_subject(nc, stream, "")  # the server refuses an empty request
    assert not isinstance(refused.value, EventStoreUnavailable)


async def test_no_stream_to_answer_is_unavailable(nc: NATS) -> None:
    missing = f"DG_MISSING_{uuid.uuid4().hex[:8]}"
    with pytest.raises(EventStoreUnavailable, match=f"direct get on {missing} failed: 503"):
        await read_all(nc, missing, "x.>")
    with pytest.raises(EventStoreUnavailable, match=f"direct get on {missing} failed: 503"):
        await last_by_subject(nc, missing, "x.y")


async def _answering(nc: NATS, stream: str, *replies: dict[str, str]) -> None:
    """A stand-in for the server's direct get on ``stream``: one message, then ``replies``."""

    async def answer(msg: Msg) -> None:
        await nc.publish(msg.reply, b"m1", headers={"Nats-Sequence": "1", "Nats-Subject": "x.1"})
        for headers in replies:
            await nc.publish(msg.reply, b"", headers=headers)

    await nc.subscribe(f"$JS.API.DIRECT.GET.{stream}", cb=answer)
    await nc.flush()


async def test_a_batch_that_fails_part_way_is_an_error(nc: NATS) -> None:
    stream = f"DG_FAKE_{uuid.uuid4().hex[:8]}"
    await _answering(nc, stream, {"Status": "500", "Description": "Internal"})
    with pytest.raises(EventStoreError, match=f"direct get on {stream} failed: 500 Internal"):
        await read_all(nc, stream, "x.>")


async def test_a_batch_whose_replies_stop_times_out(nc: NATS) -> None:
    stream = f"DG_FAKE_{uuid.uuid4().hex[:8]}"
    await _answering(nc, stream)  # one message, and no end of batch
    with pytest.raises(NatsTimeoutError):
        await read_batch(nc, stream, "x.>", start=1, idle_timeout_s=0.2)


async def test_a_batch_ends_at_the_last_match_counted_without_its_end_of_batch(nc: NATS) -> None:
    """The server's end-of-batch reply comes only after it has searched the rest of the stream for
    another match; the read ends at the message that says none is left."""
    stream = f"DG_FAKE_{uuid.uuid4().hex[:8]}"

    async def answer(msg: Msg) -> None:  # two matches counted, and no end of batch after them
        for seq, left in ((1, "1"), (4, "0")):
            headers = {"Nats-Sequence": str(seq), "Nats-Subject": f"x.{seq}", "Nats-Num-Pending": left}
            await nc.publish(msg.reply, f"m{seq}".encode(), headers=headers)

    await nc.subscribe(f"$JS.API.DIRECT.GET.{stream}", cb=answer)
    await nc.flush()
    batch = await read_batch(nc, stream, "x.>", start=1)
    assert batch.messages == [(1, "x.1", b"m1"), (4, "x.4", b"m4")]
    assert batch.pending == 0


async def test_a_case_read_from_a_long_stream_is_whole(nc: NATS) -> None:
    """Ending at the last match counted loses nothing: the case's events, among many others."""
    js = nc.jetstream()
    async with scratch_stream(js, "DG") as name:
        for n in range(300):
            await js.publish(f"{name}.{'case' if n % 50 == 7 else 'other'}.{n}", f"m{n}".encode())
        read = await read_all(nc, name, f"{name}.case.>")
        assert [s for s, _, _ in read] == [n + 1 for n in range(300) if n % 50 == 7]
