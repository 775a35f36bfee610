"""The many replies to one request (a direct get's batch, a consumer's pull), each handed over as
it comes, by the subscription's callback: no task or timer per reply, so a thousand replies cost
little more than their bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError

Hear = Callable[[Msg], bool]  # takes one reply; True once it has all it waits for (it may raise)


async def gather(nc: NATS, subject: str, request: bytes, hear: Hear, idle_timeout_s: float) -> None:
    """Publish ``request`` on ``subject`` with an inbox of its own for the replies, and hand each to
    ``hear`` until it says it has all it waits for; what it raises is raised here. Hearing nothing
    for ``idle_timeout_s`` raises nats' TimeoutError (the deadline moves with each reply: a long
    answer is not a stalled one)."""
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[None] = loop.create_future()
    heard = loop.time()

    async def on_reply(msg: Msg) -> None:
        nonlocal heard
        if finished.done():
            return
        heard = loop.time()
        try:
            if hear(msg):
                finished.set_result(None)
        except Exception as exc:
            finished.set_exception(exc)

    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, cb=on_reply, pending_msgs_limit=-1, pending_bytes_limit=-1)
    try:
        await nc.publish(subject, request, reply=inbox)
        while not finished.done():
            left = heard + idle_timeout_s - loop.time()
            if left <= 0:
                raise NatsTimeoutError
            await asyncio.wait((finished,), timeout=left)
        finished.result()
    finally:
        if finished.done() and not finished.cancelled():
            finished.exception()  # seen: a failure met while the reader was cancelled is not logged
        await sub.unsubscribe()
