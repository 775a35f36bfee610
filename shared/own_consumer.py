"""A consumer of one's own on a stream, from a sequence: what every in-order reader makes for each
session (``shared.reader``) and a rebuild's worker for each span (``shared.spans``).

Named, because a service's NATS permission spells out the names it may create, so none can take
over another's; whatever an earlier holder of the name left (a crash, a gap) is removed first, as
its start no longer fits. In memory, without acks or redeliveries, one replica, and removed by the
server once nobody has pulled from it for a while.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

IDLE_THRESHOLD_S = 30.0  # the server removes a consumer nobody has pulled from for this long


async def make_own_consumer(
    js: JetStreamContext, stream: str, name: str, start: int, subjects: Sequence[str] = ()
) -> None:
    """Consumer ``name`` on ``stream`` from sequence ``start``, of ``subjects`` (none: every one)."""
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_consumer(stream, name)
    config = ConsumerConfig(
        name=name,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=IDLE_THRESHOLD_S,
        mem_storage=True,
        num_replicas=1,
    )
    if len(subjects) == 1:
        config.filter_subject = subjects[0]
    elif subjects:
        config.filter_subjects = list(subjects)
    await js.add_consumer(stream, config)
