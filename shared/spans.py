"""Reading a span of a stream's sequences through a consumer of one's own: made at the span's first
sequence, pulled once, removed.

For a whole history this costs the server about a third of what the direct get's batches cost it
(it keeps its place in the stream rather than looking each message up, and sends the sequence in
the reply subject rather than in headers built for each message): on 2 cores, where the server and
its readers share the CPU, that is time the readers get. The direct get stays the authority: a
span that does not come back whole and in order (the stream has a gap, or the consumer was removed
or replaced under us, by a second reader with the same name) is None, and is read with it instead.

The consumer is named by the caller (its NATS permission spells the name out), in memory, without
acks, and removed by the server if the reader dies before removing it.
"""

from __future__ import annotations

import asyncio
import contextlib

import nats.js.errors
import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.delivery import delivery
from shared.directget import Stored

IDLE_THRESHOLD_S = 30.0  # the server removes a consumer left behind (its reader killed) after this
REMOVE_WAIT_S = 2.0
_END = frozenset({"404", "408"})  # no (more) messages: the stream ends before the span does


async def read_span(
    nc: NATS, stream: str, consumer: str, start: int, size: int, idle_timeout_s: float
) -> list[Stored] | None:
    """The messages from sequence ``start`` on, up to ``size`` of them, in order, through the
    consumer ``consumer`` (any consumer of that name is removed first: what an earlier reader left
    under it no longer fits). None: they did not come back as sequences ``start``, ``start + 1``,
    ... (read them another way). A read that hears nothing for ``idle_timeout_s`` raises."""
    js = nc.jetstream()
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_consumer(stream, consumer)
    config = ConsumerConfig(
        name=consumer,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=IDLE_THRESHOLD_S,
        mem_storage=True,
        num_replicas=1,
    )
    await js.add_consumer(stream, config)
    try:
        return await _pull(nc, stream, consumer, start, size, idle_timeout_s)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(js.delete_consumer(stream, consumer), REMOVE_WAIT_S)


async def _pull(
    nc: NATS, stream: str, consumer: str, start: int, size: int, idle_timeout_s: float
) -> list[Stored] | None:
    """One pull of ``size`` that does not wait for more than the consumer has. The messages are
    gathered by the subscription's callback, with no task or timer per message."""
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[bool] = loop.create_future()  # True: whole and in order
    messages: list[Stored] = []
    heard = loop.time()

    async def on_message(msg: Msg) -> None:
        nonlocal heard
        if finished.done():
            return
        heard = loop.time()
        if not msg.reply:  # a status: the end of what there is, or something wrong
            status = (msg.headers or {}).get("Status")
            finished.set_result(status in _END)
            return
        seq, delivered, pending = delivery(msg)
        if seq != start + len(messages) or delivered != len(messages) + 1:
            finished.set_result(False)
            return
        messages.append((seq, msg.subject, msg.data))
        if len(messages) == size or pending == 0:
            finished.set_result(True)

    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, cb=on_message, pending_msgs_limit=-1, pending_bytes_limit=-1)
    try:
        request = orjson.dumps({"batch": size, "no_wait": True})
        await nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}", request, reply=inbox)
        while not finished.done():
            left = heard + idle_timeout_s - loop.time()  # moves with each message
            if left <= 0:
                raise NatsTimeoutError
            await asyncio.wait((finished,), timeout=left)
        return messages if finished.result() else None
    finally:
        await sub.unsubscribe()
