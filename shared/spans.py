"""Reading a span of a stream's sequences through a consumer of one's own: made at the span's first
sequence, pulled once, removed.

For a whole history this costs the server about a third of what the direct get's batches cost it
(it keeps its place in the stream rather than looking each message up, and sends the sequence in
the reply subject rather than in headers built for each message): on 2 cores, where the server and
its readers share the CPU, that is time the readers get. The direct get stays the authority: a
span that does not come back whole and in order (the stream has a gap, or the consumer was removed
or replaced under us, by a second reader with the same name) is None, and is read with it instead.

The consumer is named by the caller (its NATS permission spells the name out), and removed by the
server if the reader dies before removing it.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from shared.delivery import delivery
from shared.directget import Stored
from shared.own_consumer import make_own_consumer
from shared.replies import gather

REMOVE_WAIT_S = 2.0
_END = frozenset({"404", "408"})  # no (more) messages: the stream ends before the span does


async def read_span(
    nc: NATS, stream: str, consumer: str, start: int, size: int, idle_timeout_s: float
) -> list[Stored] | None:
    """The messages from sequence ``start`` on, up to ``size`` of them, in order, through the
    consumer ``consumer`` (``shared.own_consumer``: any of that name is removed first). None: they
    did not come back as sequences ``start``, ``start + 1``, ... (read them another way). A read
    that hears nothing for ``idle_timeout_s`` raises."""
    js = nc.jetstream()
    await make_own_consumer(js, stream, consumer, start)
    try:
        return await _pull(nc, stream, consumer, start, size, idle_timeout_s)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(js.delete_consumer(stream, consumer), REMOVE_WAIT_S)


async def _pull(
    nc: NATS, stream: str, consumer: str, start: int, size: int, idle_timeout_s: float
) -> list[Stored] | None:
    """One pull of ``size`` that does not wait for more than the consumer has."""
    messages: list[Stored] = []
    whole = True

    def hear(msg: Msg) -> bool:
        nonlocal whole
        if not msg.reply:  # a status: the end of what there is, or something wrong
            whole = (msg.headers or {}).get("Status") in _END
            return True
        seq, delivered, pending = delivery(msg)
        if seq != start + len(messages) or delivered != len(messages) + 1:
            whole = False
            return True
        messages.append((seq, msg.subject, msg.data))
        return len(messages) == size or pending == 0

    request = orjson.dumps({"batch": size, "no_wait": True})
    await gather(nc, f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}", request, hear, idle_timeout_s)
    return messages if whole else None
