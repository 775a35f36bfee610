"""The custodian's record of a key destruction: ``CaseKeyDestroyed`` on the case's own history,
signed with the custodian's key and appended with the expected-sequence check, so it joins the
case's hash chain. Recorded once per case: a retried destruction finds it and adds nothing."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from shared.case_keys import DestroyRequest
from shared.contracts.keys import CaseKeyDestroyed
from shared.directget import last_by_subject
from shared.eventstore import STREAM, EventStore
from shared.handler import append_at_end


async def already_recorded(nc: NATS, case_id: str) -> bool:
    subject = f"case.{case_id}.{CaseKeyDestroyed.owner}.{CaseKeyDestroyed.type_name()}"
    return await last_by_subject(nc, STREAM, subject) is not None


async def record_destruction(
    nc: NATS, store: EventStore, case_id: str, request: DestroyRequest, requested_by: str
) -> None:
    """Append CaseKeyDestroyed at the case's end unless the case already has one."""
    if await already_recorded(nc, case_id):
        return
    event = CaseKeyDestroyed(requested_by=requested_by, command_id=request.command_id, reason=request.reason)
    # None (stored a moment ago by the same destruction) and a new record both mean: recorded.
    await append_at_end(
        store,
        case_id,
        [event],
        actor=request.actor,
        command_id=f"key-destroyed:{request.command_id}",
        correlation_id=request.command_id,
    )
