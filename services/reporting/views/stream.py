"""The VIEWS stream: one subject per recipient and case, holding only that case's current view.

``max_msgs_per_subject=1`` means a recipient reads the present state, never an older disclosure;
purge is allowed (unlike CASES) because an erased case's views must disappear.
"""

from __future__ import annotations

import json

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contracts.reporting import CaseView, Recipient

VIEWS_STREAM = "VIEWS"


def view_subject(recipient: Recipient, case_id: str) -> str:
    return f"view.{recipient.value}.{case_id}"


def views_stream_config(replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=VIEWS_STREAM,
        subjects=["view.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        max_msgs_per_subject=1,
        discard=DiscardPolicy.OLD,
        deny_delete=False,
        deny_purge=False,
        allow_direct=True,
    )


async def ensure_views_stream(js: JetStreamContext, replicas: int = 1) -> None:
    config = views_stream_config(replicas)
    try:
        await js.stream_info(VIEWS_STREAM)
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


async def publish_view(js: JetStreamContext, view: CaseView) -> None:
    await js.publish(view_subject(view.recipient, view.case_id), view.model_dump_json().encode())


async def purge_case_views(js: JetStreamContext, case_id: str) -> None:
    """Remove every recipient's view of an erased case."""
    await js.purge_stream(VIEWS_STREAM, subject=f"view.*.{case_id}")


async def read_view(nc: NATS, recipient: Recipient, case_id: str) -> CaseView | None:
    """A recipient's current view of a case (None if it has never had one, or it was erased)."""
    reply = await nc.request(
        f"$JS.API.DIRECT.GET.{VIEWS_STREAM}",
        json.dumps({"last_by_subj": view_subject(recipient, case_id)}).encode(),
        timeout=5,
    )
    if reply.headers and reply.headers.get("Status") == "404":
        return None
    return CaseView.model_validate_json(reply.data)
