"""Builds a service's FastStream app: the one place a service is wired together.

A service supplies its decider, its case commands, its reactions (events from other services
that become commands of its own, e.g. an accepted referral opens a CPO work item) and its own
parts, declared as a dataclass of ``Part``s (a register, a watch, a projector) that it builds from
the ``Kernel``. ``create_service_app`` connects nothing until the app starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from faststream import FastStream
from faststream.nats import NatsBroker, NatsMessage
from faststream.security import BaseSecurity

from shared.bus import CommandFn, command_endpoint, event_reader
from shared.commands import BaseCommand, Command
from shared.decider import Decider
from shared.errors import CommandRejected
from shared.events import SYSTEM_ACTOR, RecordedEvent, registry
from shared.handler import CaseHandler
from shared.health_http import run_with_http
from shared.logging import configure_logging, get_logger, register_personal_keys
from shared.metrics import ServiceMetrics
from shared.nats_connect import settings_tls
from shared.runtime import RECONNECT_WAIT_S, ServiceRuntime, inbox_prefix, log_nats_error
from shared.settings import Settings, load_settings
from shared.started import once_started
from shared.tasks import each_case_concurrently
from shared.tracing import tracing_middlewares

log = get_logger(__name__)

# Each service's HTTP port (health, metrics) unless SANCTUARY_HTTP_PORT says otherwise: distinct,
# so the services can run side by side on one machine. Another service gets any free port.
DEFAULT_HTTP_PORTS = {
    "referral": 8101,
    "assessment": 8102,
    "contractor": 8103,
    "reporting": 8104,
    "keys": 8105,
}


@dataclass(frozen=True)
class Reaction:
    """Events on ``subjects`` become commands for this service, read in stream order by one reader
    named ``name`` (shared.reader): each case's in order, the cases of one fetch side by side.
    Command ids derive from the event id, so an event read again after a crash is a no-op."""

    name: str
    subjects: Sequence[str]
    react: Callable[[RecordedEvent], Sequence[Command]]


def reaction_command(command: type[CommandT], event: RecordedEvent, name: str, **fields: Any) -> CommandT:
    """The command a reaction sends for ``event``: its id derived from the event's and ``name`` (so
    an event read again is a no-op), on the event's case and correlation, by the system."""
    return command(
        command_id=f"{event.event_id}:{name}",
        case_id=event.case_id,
        actor=SYSTEM_ACTOR,
        correlation_id=event.correlation_id,
        **fields,
    )


class Kernel:
    """What every service has: its settings, runtime (connection, event store, readers), broker,
    metrics and, once started, the CaseHandler of its decider. A service's parts are built from it."""

    def __init__(
        self, settings: Settings, runtime: ServiceRuntime, broker: NatsBroker, metrics: ServiceMetrics
    ) -> None:
        self.settings = settings
        self.runtime = runtime
        self.broker = broker
        self.metrics = metrics
        self._handler: CaseHandler[Any, Any] | None = None

    @property
    def owner(self) -> str:
        return self.runtime.owner

    @property
    def handler(self) -> CaseHandler[Any, Any]:
        return once_started(self._handler, f"{self.owner} service")

    def started(self, handler: CaseHandler[Any, Any]) -> None:
        """The case handler, made once the event store is there."""
        self._handler = handler

    def serve(self, command_cls: type[BaseCommand], fn: CommandFn) -> None:
        """Answer ``cmd.<service>.<Command>`` with ``fn`` (parsed, role checked, replied as every command)."""
        command_endpoint(self.broker, command_cls, fn)


class Part:
    """One component of a service beyond its case commands (a register, a watch, a projector, audit).
    Built from the Kernel while the app is built (its endpoints and readers declared then); started
    once the connection and the case handler are there, before the readers; stopped at shutdown."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


@dataclass(frozen=True)
class NoParts:
    """The parts of a service that has none beyond its case commands."""


P = TypeVar("P")
CommandT = TypeVar("CommandT", bound=Command)


def parts_of(parts: object) -> list[Part]:
    """A service's Parts, in the order its parts dataclass declares them (a lone Part is its own)."""
    if isinstance(parts, Part):
        return [parts]
    if dataclasses.is_dataclass(parts):
        found = [getattr(parts, f.name) for f in dataclasses.fields(parts)]
        return [part for value in found for part in parts_of(value)]
    return []


@dataclass(frozen=True)
class Service(Generic[P]):
    """A service as built: its kernel and its own parts, typed (``service.parts.staff``)."""

    kernel: Kernel
    parts: P

    @property
    def settings(self) -> Settings:
        return self.kernel.settings

    @property
    def runtime(self) -> ServiceRuntime:
        return self.kernel.runtime

    @property
    def broker(self) -> NatsBroker:
        return self.kernel.broker

    @property
    def metrics(self) -> ServiceMetrics:
        return self.kernel.metrics

    @property
    def handler(self) -> CaseHandler[Any, Any]:
        return self.kernel.handler


def no_parts(kernel: Kernel) -> NoParts:
    return NoParts()


def create_service_app(
    settings: Settings,
    owner: str,
    decider: Decider[Any, Any],
    commands: Sequence[type[Command]],
    reactions: Sequence[Reaction] = (),
    parts: Callable[[Kernel], P] = no_parts,  # type: ignore[assignment]
) -> tuple[FastStream, Service[P]]:
    """The one recipe for a service: its case commands through one CaseHandler, its reactions, its
    health answer, and its ``parts`` (built from the kernel by the given function)."""
    if not settings.nats_url:
        raise RuntimeError("NATS_URL is not set")
    runtime = ServiceRuntime(settings, owner)
    metrics = ServiceMetrics(owner, runtime.health)
    broker = NatsBroker(
        settings.nats_servers,
        name=f"sanctuary-{owner}",
        logger=None,
        # The service's one connection: commands, readers, the event store and the key requests
        # all go over it, so it reconnects for ever, as the runtime's own would.
        max_reconnect_attempts=-1,
        reconnect_time_wait=RECONNECT_WAIT_S,  # type: ignore[arg-type]  # seconds; nats-py takes a float
        error_cb=log_nats_error,
        security=BaseSecurity(ssl_context=tls) if (tls := settings_tls(settings)) else None,
        inbox_prefix=inbox_prefix(owner),
        middlewares=(*tracing_middlewares(owner), *metrics.middlewares()),
    )
    kernel = Kernel(settings, runtime, broker, metrics)
    for command_cls in commands:
        kernel.serve(command_cls, lambda c: kernel.handler.handle(c))

    for reaction in reactions:
        react = _reactor(reaction, lambda: kernel.handler)
        event_reader(runtime, reaction.name, reaction.subjects, react, apply_batch=_each_case(react))

    @broker.subscriber(f"health.{owner}", title=f"health.{owner}")
    async def health(msg: NatsMessage) -> bytes:
        return json.dumps(runtime.health.as_dict()).encode()

    service = Service(kernel, parts(kernel))
    own_parts = parts_of(service.parts)
    app = FastStream(broker, logger=None)

    @app.on_startup
    async def start() -> None:
        register_personal_keys(registry.personal_keys())
        # Connected now rather than when FastStream starts the broker after this hook: the runtime,
        # the parts and the readers use the broker's connection (broker.start() then reuses it).
        await runtime.start(await broker.connect())
        metrics.count_conflicts(runtime.event_store)
        kernel.started(CaseHandler(runtime.event_store, decider))
        for part in own_parts:
            await part.start()
        # Last: a reader applies events at once, through the handler and parts set up above.
        await runtime.start_readers()
        log.info("service started", service=owner)

    @app.after_startup
    async def ready() -> None:
        # Subscriptions go to the server asynchronously; flush so that once start() returns the
        # server routes commands to us (otherwise a first command can meet "no responders").
        await broker.connection.flush(timeout=5)
        runtime.health.serving = True

    @app.on_shutdown
    async def stop() -> None:
        # Before FastStream stops the broker and drains the connection they all share.
        for part in reversed(own_parts):
            await part.stop()
        await runtime.stop()

    return app, service


def _reactor(
    reaction: Reaction, handler: Callable[[], CaseHandler[Any, Any]]
) -> Callable[[RecordedEvent], Awaitable[None]]:
    async def react(event: RecordedEvent) -> None:
        for command in reaction.react(event):
            if command.occurred_at is None:
                # In the world, a reaction happens when its cause did (a replayed or back-dated
                # history keeps its timescales).
                command = command.model_copy(update={"occurred_at": event.occurred_at})
            try:
                await handler().handle(command)
            except CommandRejected as exc:
                # A business refusal is an answer, not a failure: reading it again would not change it.
                log.info(
                    "reaction refused",
                    reaction=reaction.name,
                    case_id=event.case_id,
                    problems=[p.field for p in exc.problems],
                )

    return react


def _each_case(
    react: Callable[[RecordedEvent], Awaitable[None]],
) -> Callable[[Sequence[tuple[int, RecordedEvent]]], Awaitable[None]]:
    """All that one fetch brought: one case's events in stream order, several cases at once (a
    backlog of accepted referrals is not worked through one append at a time)."""

    async def react_all(batch: Sequence[tuple[int, RecordedEvent]]) -> None:
        await each_case_concurrently((event for _, event in batch), lambda e: e.case_id, react)

    return react_all


def run_service(factory: Callable[[Settings], tuple[FastStream, Service[Any]]]) -> None:
    """Entry point body for ``python -m services.<name>``."""
    settings = load_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    app, service = factory(settings)
    default = DEFAULT_HTTP_PORTS.get(service.runtime.owner, 0)
    port = default if settings.http_port is None else settings.http_port
    health, registry = service.runtime.health, service.metrics.registry
    asyncio.run(
        run_with_http(
            app, health, registry, settings.http_host, port, any_port_if_taken=settings.http_port is None
        )
    )
