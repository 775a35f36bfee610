"""The VIEWS stream: one subject per recipient and case, holding only that case's current view.

Held in memory, never on the server's disk. A view is plaintext personal data (the contractor gets
the client's name, address and telephone), and a file-stored stream keeps purged and superseded
messages in its block files until compaction, so erasure would leave them readable on disk. In
memory a purge really frees the message, and ``max_msgs_per_subject=1`` frees the older version a
new one replaces. Losing the stream costs nothing that matters: every view is a projection of the
CASES stream, so when the stream has to be created (a server restart empties memory) the projector
replays CASES and publishes every case's current view again (see ``wiring``).

Purge is allowed (unlike CASES) because an erased case's views must disappear.
"""

from __future__ import annotations

import orjson
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, NoStreamResponseError, NotFoundError

from shared.contracts.reporting import CaseView, Recipient
from shared.directget import last_by_subject
from shared.logging import get_logger

log = get_logger(__name__)

VIEWS_STREAM = "VIEWS"
_PUBLISH_TIMEOUT_S = 5.0  # nats-py's JetStream default


class ViewsStreamMissing(RuntimeError):
    """The VIEWS stream is not on the server (it restarted and its memory was lost)."""

    def __init__(self) -> None:
        super().__init__(f"the {VIEWS_STREAM} stream is not on the server")


def view_subject(recipient: Recipient, case_id: str) -> str:
    return f"view.{recipient.value}.{case_id}"


def views_stream_config(replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=VIEWS_STREAM,
        subjects=["view.>"],
        storage=StorageType.MEMORY,
        num_replicas=replicas,
        max_msgs_per_subject=1,
        discard=DiscardPolicy.OLD,
        deny_delete=False,
        deny_purge=False,
        allow_direct=True,
    )


async def ensure_views_stream(js: JetStreamContext, replicas: int = 1) -> bool:
    """Make sure VIEWS exists, in memory. True when it had to be created, so it holds no views and
    the projector must publish them all again: it was missing (new server, or one restarted and
    its memory lost), or it was stored on disk by an older release (its storage cannot be changed
    in place; being a projection it is deleted, files and all, and created again in memory)."""
    config = views_stream_config(replicas)
    try:
        info = await js.stream_info(VIEWS_STREAM)
    except NotFoundError:
        await js.add_stream(config)
        log.info("views stream created", stream=VIEWS_STREAM)
        return True
    if info.config.storage != StorageType.MEMORY:
        await js.delete_stream(VIEWS_STREAM)
        await js.add_stream(config)
        log.info("views stream moved from disk to memory", stream=VIEWS_STREAM)
        return True
    await js.update_stream(config)
    return False


async def publish_view(js: JetStreamContext, view: CaseView) -> None:
    try:
        await js.publish(view_subject(view.recipient, view.case_id), view.model_dump_json().encode())
    except NoStreamResponseError:
        raise ViewsStreamMissing from None


async def send_view(nc: NATS, view: CaseView, timeout: float = _PUBLISH_TIMEOUT_S) -> None:
    """``publish_view`` on the connection: the stream's ack is read here rather than by
    js.publish, whose JSON decode and PubAck dataclass cost more than the ack is worth."""
    try:
        reply = await nc.request(
            view_subject(view.recipient, view.case_id), view.model_dump_json().encode(), timeout=timeout
        )
    except NoRespondersError:
        raise ViewsStreamMissing from None
    ack = orjson.loads(reply.data)
    error = ack.get("error") if isinstance(ack, dict) else None
    if error:
        raise APIError.from_error(error)  # as js.publish raises it


async def purge_case_views(js: JetStreamContext, case_id: str) -> None:
    """Remove every recipient's view of an erased case (in memory, so nothing of it remains)."""
    try:
        await js.purge_stream(VIEWS_STREAM, subject=f"view.*.{case_id}")
    except NotFoundError:
        raise ViewsStreamMissing from None


async def read_view(nc: NATS, recipient: Recipient, case_id: str) -> CaseView | None:
    """A recipient's current view of a case (None if it has never had one, or it was erased)."""
    last = await last_by_subject(nc, VIEWS_STREAM, view_subject(recipient, case_id))
    return None if last is None else CaseView.model_validate_json(last[2])
