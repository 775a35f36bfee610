"""One service's runtime, wired in one place: its NATS connection (the broker's own, so a service
holds one connection), the CASES stream, the case keys (asked of the key custodian), the signer,
the event store and the readers. Nothing connects at import time; ``start()`` is called from the
app's startup."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from shared import nats_headers
from shared.case_keys import CUSTODIAN, CaseKeyClient, NoPersonalData
from shared.eventstore import EventStore
from shared.health import ServiceHealth
from shared.logging import get_logger
from shared.nats_connect import connect_options
from shared.provisioned import KERNEL_STREAMS, require_streams
from shared.reader import CaseReader, consumer_name
from shared.settings import Settings
from shared.signing import load_or_create_signer
from shared.tasks import cancel_and_wait

log = get_logger(__name__)
STREAM_SETUP_TIMEOUT_S = 30.0
RECONNECT_WAIT_S = 0.5  # between attempts; a service tries for ever


def inbox_prefix(owner: str) -> str:
    """Each service's replies come to an inbox prefix of its own, the only one its NATS user may
    subscribe to: no service can overhear another's replies."""
    return f"_INBOX_{owner}"


async def log_nats_error(exc: Exception) -> None:
    """What the server reports asynchronously (a permissions violation, a slow consumer) would
    otherwise go unseen. Its text names subjects (case ids at most), never personal data."""
    log.warning("nats error", error=type(exc).__name__, detail=str(exc)[:300])


@dataclass
class ServiceRuntime:
    settings: Settings
    owner: str
    nc: NATS | None = field(default=None, init=False)
    keys: CaseKeyClient | NoPersonalData | None = field(default=None, init=False)
    store: EventStore | None = field(default=None, init=False)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list, init=False)
    readers: list[CaseReader[Any]] = field(default_factory=list, init=False)
    health: ServiceHealth = field(init=False)
    _owns_connection: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.health = ServiceHealth(self.owner, _version(), connected=self._connected)

    def _connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    async def start(self, nc: NATS | None = None) -> None:
        """Start on ``nc`` (a service's broker connection, which its broker closes), or on a
        connection of its own (a command-line tool), closed by ``stop``."""
        if not self.settings.nats_url:
            raise RuntimeError("NATS_URL is not set")
        self._owns_connection = nc is None
        self.nc = nc or await nats.connect(
            **connect_options(self.settings),
            name=f"sanctuary-{self.owner}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=RECONNECT_WAIT_S,
            error_cb=log_nats_error,
            inbox_prefix=inbox_prefix(self.owner),
        )
        # Every command, event and reply this service reads comes with headers (an event carries
        # about ten): read them the cheaper way, which gives exactly what nats-py's own gives.
        nats_headers.install(self.nc)
        # Generous: on a cluster, a stream's info waits while its raft group elects a leader, and
        # under load 5 s is not always enough.
        js = self.nc.jetstream(timeout=STREAM_SETUP_TIMEOUT_S)
        # Streams are made by `sanctuary provision`, never by a service: stop now, naming what is missing.
        await require_streams(js, self.owner, KERNEL_STREAMS)
        # No service holds the KEK: data keys come from the custodian, whose own events hold no
        # personal data (it keeps its key store to itself, services/keys).
        self.keys = (
            NoPersonalData()
            if self.owner == CUSTODIAN
            else CaseKeyClient(self.nc, self.owner, replica=self.settings.replica)
        )
        await self.keys.start()
        signer = load_or_create_signer(
            self.settings.signing_keys_dir, self.owner, self.settings.public_keys_dir
        )
        self.store = EventStore(self.nc, self.keys, self.owner, signer)

    def add_reader(self, reader: CaseReader[Any]) -> None:
        """A reader of CASES that starts with the service (``start_readers``) and reports to health."""
        reader.consumer = consumer_name(reader.name, self.settings.replica)
        self.readers.append(reader)
        self.health.add_reader(reader)

    async def start_readers(self) -> None:
        """Called once the service's own parts are ready: a reader applies events at once."""
        if self.nc is None:
            raise RuntimeError(f"{self.owner}: runtime not started")
        for reader in self.readers:
            if not reader.running:
                await reader.start(self.nc)

    @property
    def connection(self) -> NATS:
        """The service's NATS connection, once started."""
        if self.nc is None:
            raise RuntimeError(f"{self.owner}: runtime not started")
        return self.nc

    def js(self) -> JetStreamContext:
        return self.connection.jetstream()

    def background(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``work`` (a watch, a schedule) until the service stops; held here so it is neither
        garbage-collected nor left running after the connection closes."""
        task = asyncio.create_task(work, name=f"{self.owner}-{name}")
        self.tasks.append(task)
        return task

    async def stop(self) -> None:
        # Readers and background work first: they use the connection and the keys closed below.
        for reader in self.readers:
            await reader.stop()
        await cancel_and_wait(self.tasks)
        self.tasks.clear()
        if self.keys:
            await self.keys.stop()
        if self._owns_connection and self.nc and not self.nc.is_closed:
            # Not a drain: the watches reading this connection's subscriptions were cancelled
            # above, so a drain would wait for messages nobody reads, time out and leave an
            # unretrieved CancelledError for asyncio to log. Flush what was published, then close.
            with contextlib.suppress(Exception):  # closing is all that is left to do
                await self.nc.flush(timeout=2)
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
