"""The dead-letter stream: a message a consumer cannot handle is parked here with its reason.

It never stops a consumer and never vanishes. Two ways in: a message that cannot even be decoded
is parked at once; one whose handler keeps failing is parked when the server's max-deliveries
advisory fires.
"""

from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.logging import get_logger

DEADLETTER_STREAM = "DEADLETTER"
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"
log = get_logger(__name__)


async def ensure_deadletter_stream(js: JetStreamContext, replicas: int = 1) -> None:
    try:
        await js.stream_info(DEADLETTER_STREAM)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=DEADLETTER_STREAM,
                subjects=["deadletter.>"],
                storage=StorageType.FILE,
                num_replicas=replicas,
            )
        )


async def park(
    nc: NATS, consumer: str, data: bytes, reason: str, *, stream: str, stream_seq: int, subject: str
) -> None:
    headers = {
        "Sanctuary-Reason": reason[:500],
        "Sanctuary-Stream": stream,
        "Sanctuary-Stream-Seq": str(stream_seq),
        "Sanctuary-Subject": subject,
        "Sanctuary-Consumer": consumer,
        # Parking the same message twice (advisory and handler both) stores it once.
        "Nats-Msg-Id": f"{stream}:{stream_seq}:{consumer}",
    }
    await nc.jetstream().publish(f"deadletter.{consumer}", data, headers=headers)
    log.warning(
        "message parked in dead-letter stream", consumer=consumer, stream_seq=stream_seq, reason=reason
    )


async def watch_max_deliveries(nc: NATS, stream: str, consumer: str) -> Subscription:
    """Park every message the server gives up redelivering to ``consumer``."""

    async def on_advisory(msg: Msg) -> None:
        advisory: dict[str, Any] = json.loads(msg.data)
        seq = int(advisory["stream_seq"])
        try:
            original = await nc.jetstream().get_msg(stream, seq, direct=True)
        except Exception as exc:
            log.error("could not fetch message for dead-letter", stream_seq=seq, error=type(exc).__name__)
            return
        await park(
            nc,
            consumer,
            original.data or b"",
            f"not handled after {advisory.get('deliveries')} deliveries",
            stream=stream,
            stream_seq=seq,
            subject=original.subject or "",
        )

    return await nc.subscribe(
        MAX_DELIVERIES_ADVISORY.format(stream=stream, consumer=consumer), cb=on_advisory
    )


async def list_parked(nc: NATS, consumer: str | None = None) -> list[dict[str, str]]:
    """What is parked (for the operator's CLI and the tests)."""
    js = nc.jetstream()
    try:
        info = await js.stream_info(DEADLETTER_STREAM)
    except NotFoundError:
        return []
    out: list[dict[str, str]] = []
    if info.state.messages == 0:
        return out
    for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
        try:
            msg = await js.get_msg(DEADLETTER_STREAM, seq)
        except NotFoundError:
            continue
        headers = msg.headers or {}
        if consumer and headers.get("Sanctuary-Consumer") != consumer:
            continue
        out.append({k: str(v) for k, v in headers.items() if k.startswith("Sanctuary-")})
    return out
