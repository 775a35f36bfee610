"""Reads every installation the contractor recorded (``case.*.contractor.ItemsInstalled``) back from
the CASES stream for the invoice, with a direct batch get: no consumer to create or clean up.

The invoice needs no personal field, so the events are decoded without case keys: nothing about the
client is decrypted to produce it (a cost override reason reads as erased).
"""

from __future__ import annotations

import json

from nats.aio.client import Client as NATS

from shared.codec import decode_record
from shared.events import RecordedEvent
from shared.eventstore import STREAM

INSTALLATIONS = "case.*.contractor.ItemsInstalled"
_BATCH = 1000


class StreamReadError(RuntimeError):
    pass


async def load_installations(nc: NATS, subject: str = INSTALLATIONS) -> list[RecordedEvent]:
    found: list[RecordedEvent] = []
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    try:
        start = 1
        while True:
            request = {"seq": start, "next_by_subj": subject, "batch": _BATCH}
            await nc.publish(f"$JS.API.DIRECT.GET.{STREAM}", json.dumps(request).encode(), reply=inbox)
            pending = 0
            while True:
                msg = await sub.next_msg(timeout=5)
                headers = msg.headers or {}
                status = headers.get("Status")
                if status == "404":  # nothing (more) on that subject
                    return found
                if status == "204":  # end of this batch
                    pending = int(headers.get("Nats-Num-Pending", "0"))
                    break
                if status:
                    raise StreamReadError(f"direct get failed: {status} {headers.get('Description')}")
                seq = int(headers["Nats-Sequence"])
                found.append(
                    decode_record(json.loads(msg.data), key=None, seq=seq, subject=headers["Nats-Subject"])
                )
                start = seq + 1
            if pending == 0:
                return found
    finally:
        await sub.unsubscribe()
