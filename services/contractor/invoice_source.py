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
from shared.eventstore import read_matching

INSTALLATIONS = "case.*.contractor.ItemsInstalled"


async def load_installations(nc: NATS, subject: str = INSTALLATIONS) -> list[RecordedEvent]:
    return [
        decode_record(json.loads(data), key=None, seq=seq, subject=subj)
        for seq, subj, data in await read_matching(nc, subject)
    ]
