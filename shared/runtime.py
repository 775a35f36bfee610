"""One service's connections, wired in one place: NATS, the CASES stream, the key store, the signer
and the event store. Nothing connects at import time; ``start()`` is called from the app's startup."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.errors import TimeoutError as NatsTimeoutError

from shared.crypto import KeyStore
from shared.deadletter import ensure_deadletter_stream
from shared.eventstore import EventStore, ensure_stream
from shared.health import ServiceHealth
from shared.logging import get_logger
from shared.nats_connect import connect_options
from shared.settings import Settings
from shared.signing import load_or_create_signer
from shared.tasks import cancel_and_wait

log = get_logger(__name__)
STREAM_SETUP_TIMEOUT_S = 30.0


async def log_nats_error(exc: Exception) -> None:
    """What the server reports asynchronously (a permissions violation, a slow consumer) would
    otherwise go unseen. Its text names subjects (case ids at most), never personal data."""
    log.warning("nats error", error=type(exc).__name__, detail=str(exc)[:300])


@dataclass
class ServiceRuntime:
    settings: Settings
    owner: str
    nc: NATS | None = field(default=None, init=False)
    keys: KeyStore | None = field(default=None, init=False)
    store: EventStore | None = field(default=None, init=False)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list, init=False)
    health: ServiceHealth = field(init=False)

    def __post_init__(self) -> None:
        self.health = ServiceHealth(self.owner, _version(), connected=self._connected)

    def _connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    async def start(self) -> None:
        if not self.settings.nats_url:
            raise RuntimeError("NATS_URL is not set")
        self.nc = await nats.connect(
            **connect_options(self.settings),
            name=f"sanctuary-{self.owner}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            error_cb=log_nats_error,
        )
        # Generous for making streams: on a cluster, a replicated stream's creation waits for its
        # raft group to elect a leader, and under load 5 s is not always enough. The key store keeps
        # the default timeout (a case key read during a failover fails fast and is retried by its
        # caller), so only its first start, which may make the bucket, is tried again.
        setup = self.nc.jetstream(timeout=STREAM_SETUP_TIMEOUT_S)
        await ensure_stream(setup, self.settings.stream_replicas, self.settings.duplicate_window_s)
        await ensure_deadletter_stream(setup, self.settings.stream_replicas)
        self.keys = KeyStore(self.nc.jetstream(), self.settings.kek_bytes, self.settings.stream_replicas)
        for attempt in range(6):
            try:
                await self.keys.start()
                break
            except NatsTimeoutError:
                if attempt == 5:
                    raise
        signer = load_or_create_signer(
            self.settings.signing_keys_dir, self.owner, self.settings.public_keys_dir
        )
        self.store = EventStore(self.nc, self.keys, self.owner, signer)

    def background(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``work`` (a watch, a schedule) until the service stops; held here so it is neither
        garbage-collected nor left running after the connection closes."""
        task = asyncio.create_task(work, name=f"{self.owner}-{name}")
        self.tasks.append(task)
        return task

    async def stop(self) -> None:
        # Background work first: it uses the connection and the keys closed below.
        await cancel_and_wait(self.tasks)
        self.tasks.clear()
        if self.keys:
            await self.keys.stop()
        if self.nc and not self.nc.is_closed:
            # Bounded: a drain waits for in-flight handlers, and stopping must not hang on one.
            try:
                await asyncio.wait_for(self.nc.drain(), timeout=5.0)
            except Exception:  # closing is all that is left to do
                await self.nc.close()

    @property
    def event_store(self) -> EventStore:
        if self.store is None:
            raise RuntimeError(f"{self.owner}: runtime not started")
        return self.store


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sanctuary")
    except PackageNotFoundError:
        return "unknown"
