"""``sanctuary provision``: every stream and bucket the system needs, made or brought up to date
under an administrator credential. The one place their definitions are applied.

Running services hold no right to create, update, seal, mirror or delete a stream (a service
credential in hostile hands could otherwise rewrite or capture history); they only check at start
that what they need is here (``shared.provisioned``). ``make run``, compose and the tests' servers
all run this first. It is safe to run again at any time: an existing stream is updated to these
settings, and nothing stored is touched.

Durable consumers are not made here: each is created by the service that owns it, under a name its
credential pins (see ``sanctuary.deployconfig``), so its definition stays next to the code that
reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from services.contractor.staff import staff_bucket_config
from services.reporting.views.stream import VIEWS_STREAM, ensure_views_stream, views_stream_config
from shared.crypto import KEY_BUCKET
from shared.deadletter import DEADLETTER_STREAM
from shared.eventstore import stream_config
from shared.positions import POSITIONS_BUCKET
from shared.provisioned import bucket_stream

CHECKPOINTS_STREAM = "CHECKPOINTS"


@dataclass(frozen=True)
class Provisioned:
    name: str
    action: str  # "created", "updated" or "recreated in memory"


def deadletter_config(replicas: int) -> StreamConfig:
    return StreamConfig(
        name=DEADLETTER_STREAM, subjects=["deadletter.>"], storage=StorageType.FILE, num_replicas=replicas
    )


def case_keys_config(replicas: int) -> StreamConfig:
    # The stream behind the CASE_KEYS bucket, made by hand: nats-py's bucket helper sets
    # deny_delete, and erasure needs the server's secure single-message delete.
    return StreamConfig(
        name=bucket_stream(KEY_BUCKET),
        subjects=[f"$KV.{KEY_BUCKET}.>"],
        max_msgs_per_subject=1,
        discard=DiscardPolicy.NEW,
        allow_rollup_hdrs=True,
        deny_delete=False,
        allow_direct=True,
        storage=StorageType.FILE,
        num_replicas=replicas,
    )


def checkpoints_config(replicas: int) -> StreamConfig:
    """Signed checkpoints of every case's head (its last sequence and hash), published by the
    reporting service, so that a truncated history fails verification. Immutable like CASES."""
    return StreamConfig(
        name=CHECKPOINTS_STREAM,
        subjects=["checkpoint.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        deny_delete=True,
        deny_purge=True,
        allow_direct=True,
    )


def reader_positions_config(replicas: int) -> KeyValueConfig:
    """Where each in-order reader of CASES keeps its position (key ``<service>.<reader>``)."""
    # Direct gets: a reader's permission names its own keys in the request's subject.
    return KeyValueConfig(
        bucket=POSITIONS_BUCKET, history=1, storage=StorageType.FILE, replicas=replicas, direct=True
    )


def streams(replicas: int = 1, duplicate_window_s: float = 120.0) -> list[StreamConfig]:
    """Every stream the system runs on, the case-key bucket's included (VIEWS is applied by its own
    ``ensure_views_stream``, which also moves one an older release stored on disk into memory)."""
    return [
        stream_config(replicas, duplicate_window_s),
        deadletter_config(replicas),
        checkpoints_config(replicas),
        views_stream_config(replicas),
        case_keys_config(replicas),
    ]


def buckets(replicas: int = 1) -> list[KeyValueConfig]:
    """The key-value buckets made by nats-py's own helper (their streams are ``KV_<bucket>``)."""
    return [staff_bucket_config(replicas), reader_positions_config(replicas)]


def names(replicas: int = 1) -> list[str]:
    """Every stream provisioning makes, buckets as their streams."""
    return [str(c.name) for c in streams(replicas)] + [bucket_stream(b.bucket) for b in buckets(replicas)]


async def provision(nc: NATS, replicas: int = 1, duplicate_window_s: float = 120.0) -> list[Provisioned]:
    """Create what is missing and update what exists; returns what was done, stream by stream."""
    js = nc.jetstream(timeout=10)
    done = [await _apply(js, config) for config in streams(replicas, duplicate_window_s)]
    for bucket in buckets(replicas):
        done.append(await _apply_bucket(js, bucket))
    return done


async def _apply(js: JetStreamContext, config: StreamConfig) -> Provisioned:
    assert config.name is not None
    if config.name == VIEWS_STREAM:
        created = await ensure_views_stream(js, config.num_replicas or 1)
        return Provisioned(config.name, "created (empty)" if created else "updated")
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        await js.add_stream(config)
        return Provisioned(config.name, "created")
    await js.update_stream(config)
    return Provisioned(config.name, "updated")


async def _apply_bucket(js: JetStreamContext, config: KeyValueConfig) -> Provisioned:
    name = bucket_stream(config.bucket)
    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.create_key_value(config)
        return Provisioned(name, "created")
    return Provisioned(name, "present")
