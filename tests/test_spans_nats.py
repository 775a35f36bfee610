"""Reading a span of a stream through a consumer of one's own (shared.spans) against a real
nats-server: it reads what the direct get reads, leaves no consumer behind, replaces one left under
its name, and answers None (read it another way) for anything but the span whole and in order: a
gap in the stream, a consumer that starts elsewhere (a second reader with the same name), or none
at all. A rebuild's worker that gets None reads the span by direct get."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from services.reporting.monitoring import reading
from services.reporting.monitoring.reading import OnBus
from services.reporting.monitoring.rebuild import OWNER, WORKER_CONSUMERS
from shared.codec import CasePosition
from shared.directget import read_batch
from shared.eventstore import STREAM, EventStore
from shared.settings import Settings, load_settings
from shared.spans import _pull, read_span
from tests.kernel_events import COORD, KernelNoteAdded
from tests.scratch_streams import scratch_stream

pytestmark = pytest.mark.nats

MESSAGES = 9
TIMEOUT_S = 30.0  # generous: every read here ends long before, by what the server sends


@pytest.fixture
async def stream(nc: NATS) -> AsyncIterator[str]:
    """A scratch stream of the test's own, messages 1..9 on ``<name>.<n>``."""
    js = nc.jetstream()
    async with scratch_stream(js, "SP") as name:
        for n in range(1, MESSAGES + 1):
            await js.publish(f"{name}.{n}", f"m{n}".encode())
        yield name


async def direct(nc: NATS, stream: str, start: int, size: int) -> list[tuple[int, str, bytes]]:
    return (await read_batch(nc, stream, ">", start, size)).messages


async def consumers_of(nc: NATS, stream: str) -> list[str]:
    return [c.name for c in await nc.jetstream().consumers_info(stream)]


@pytest.mark.parametrize(
    ("start", "size"),
    [(1, 4), (1, MESSAGES), (5, 4), (7, 10), (9, 1), (3, 1), (10, 5), (40, 3)],
    ids=["first", "whole", "middle", "past-the-end", "last", "one", "after-the-end", "far-beyond"],
)
async def test_a_span_reads_what_the_direct_get_reads(nc: NATS, stream: str, start: int, size: int) -> None:
    span = await read_span(nc, stream, "reader-1", start, size, TIMEOUT_S)
    assert span == await direct(nc, stream, start, size)
    assert await consumers_of(nc, stream) == []  # removed once read


async def test_a_consumer_left_under_the_name_is_replaced(nc: NATS, stream: str) -> None:
    """A reader killed mid-span leaves its consumer (until the server's idle threshold): the next
    read under that name starts where it is told, not where the old one was."""
    await nc.jetstream().add_consumer(stream, _consumer("reader-1", start=6))
    assert await read_span(nc, stream, "reader-1", 2, 3, TIMEOUT_S) == await direct(nc, stream, 2, 3)
    assert await consumers_of(nc, stream) == []


async def test_a_gap_in_the_stream_is_none(nc: NATS, stream: str) -> None:
    await nc.jetstream().delete_msg(stream, 4)
    assert await read_span(nc, stream, "reader-1", 2, 5, TIMEOUT_S) is None
    # Spans on either side of it are whole.
    assert await read_span(nc, stream, "reader-1", 5, 5, TIMEOUT_S) == await direct(nc, stream, 5, 5)
    assert await read_span(nc, stream, "reader-1", 1, 3, TIMEOUT_S) == await direct(nc, stream, 1, 3)


async def test_a_consumer_that_starts_elsewhere_is_none(nc: NATS, stream: str) -> None:
    """What a pull meets when a second reader with the same name has put its own consumer there
    between this one's making its consumer and pulling from it."""
    await nc.jetstream().add_consumer(stream, _consumer("reader-1", start=6))
    try:
        assert await _pull(nc, stream, "reader-1", 2, 3, TIMEOUT_S) is None
    finally:
        await nc.jetstream().delete_consumer(stream, "reader-1")


async def test_a_consumer_that_is_not_there_is_none(nc: NATS, stream: str) -> None:
    """Removed under the pull (by a second reader with the same name): nobody answers it."""
    assert await _pull(nc, stream, "nobody", 1, 3, TIMEOUT_S) is None


async def test_a_worker_given_none_reads_the_span_by_direct_get(
    nc: NATS, settings: Settings, store_for: Callable[[str], EventStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = f"SP{uuid.uuid4().hex[:8]}"
    notes = [KernelNoteAdded(text=f"note {n}", client_name="Alice Example") for n in range(3)]
    written = await store_for("referral").append(
        case, notes, expected=CasePosition(), actor=COORD, command_id=f"{case}-c1"
    )
    first = written[0].seq
    source = OnBus(load_settings(NATS_URL=settings.nats_url), OWNER, WORKER_CONSUMERS).for_worker(1)
    assert source.consumer == WORKER_CONSUMERS[0]
    try:
        through_consumer = await source.read(first, 3)
        assert [seq for seq, _, _ in through_consumer] == [e.seq for e in written]
        assert through_consumer == await direct(nc, STREAM, first, 3)

        async def refused(*args: object) -> None:
            return None

        monkeypatch.setattr(reading, "read_span", refused)
        assert await source.read(first, 3) == through_consumer
    finally:
        await source.close()
    with pytest.raises(NotFoundError):
        await nc.jetstream().consumer_info(STREAM, WORKER_CONSUMERS[0])


def test_each_worker_of_a_pool_has_a_consumer_of_its_own_and_those_beyond_read_by_direct_get(
    settings: Settings,
) -> None:
    source = OnBus(settings, OWNER, WORKER_CONSUMERS)
    mine = [source.for_worker(n).consumer for n in range(1, len(WORKER_CONSUMERS) + 2)]
    assert mine == [*WORKER_CONSUMERS, ""]
    assert len(set(WORKER_CONSUMERS)) == len(WORKER_CONSUMERS)
    assert OnBus(settings, OWNER).for_worker(1).consumer == ""


def _consumer(name: str, start: int) -> ConsumerConfig:
    return ConsumerConfig(
        name=name,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start,
        ack_policy=AckPolicy.NONE,
        mem_storage=True,
    )
