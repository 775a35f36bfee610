"""The dead-letter stream: a message a reader cannot decode or apply is parked here with its reason.

It never stops a reader and never vanishes. Every in-order reader (shared.reader) parks such a
message at once, with the stream and sequence it came from, its subject and the reason (an
exception's class name, never its text, which could quote personal data), and goes on with the
next. The original stays in CASES, which is never changed, so a parked body is capped: the
stream sequence finds the whole of it.
"""

from __future__ import annotations

from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from shared.logging import get_logger

DEADLETTER_STREAM = "DEADLETTER"
MAX_PARKED_BYTES = 256 * 1024
log = get_logger(__name__)


async def park(
    nc: NATS, consumer: str, data: bytes, reason: str, *, stream: str, stream_seq: int, subject: str
) -> None:
    headers = {
        "Sanctuary-Reason": reason[:500],
        "Sanctuary-Stream": stream,
        "Sanctuary-Stream-Seq": str(stream_seq),
        "Sanctuary-Subject": subject,
        "Sanctuary-Consumer": consumer,
        "Sanctuary-Size": str(len(data)),
        # A reader that parks, crashes and reads the message again stores it once.
        "Nats-Msg-Id": f"{stream}:{stream_seq}:{consumer}",
    }
    if len(data) > MAX_PARKED_BYTES:
        headers["Sanctuary-Truncated"] = "true"
        data = data[:MAX_PARKED_BYTES]
    await nc.jetstream().publish(f"deadletter.{consumer}", data, headers=headers)
    log.warning(
        "message parked in dead-letter stream",
        consumer=consumer,
        stream=stream,
        stream_seq=stream_seq,
        subject=subject,
        reason=reason,
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
