"""Builds a service's FastStream app from its parts: the one place a service is wired together.

A service supplies its decider, its case commands, its reactions (events from other services
that become commands of its own, e.g. an accepted referral opens a CPO work item) and any extra
endpoints (queries). ``create_service_app`` connects nothing until the app starts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from faststream import FastStream
from faststream.nats import NatsBroker, NatsMessage
from faststream.security import BaseSecurity

from shared.bus import case_commands, event_subscriber, start_deadletter_watch
from shared.commands import Command
from shared.decider import CaseHandler, Decider
from shared.errors import CommandRejected
from shared.events import RecordedEvent, registry
from shared.logging import configure_logging, get_logger, register_personal_keys
from shared.nats_connect import settings_tls
from shared.runtime import ServiceRuntime, log_nats_error
from shared.settings import Settings, load_settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Reaction:
    """Events on ``subjects`` become commands for this service (command ids derived from the event
    id, so a redelivered event is a no-op)."""

    durable: str
    subjects: Sequence[str]
    react: Callable[[RecordedEvent], Sequence[Command]]


@dataclass
class Service:
    """A running service's parts, reachable from tests and extra endpoints."""

    settings: Settings
    runtime: ServiceRuntime
    broker: NatsBroker
    handler: CaseHandler[Any, Any] | None = None
    extras: dict[str, Any] = field(default_factory=dict)


Extra = Callable[[Service], None]
Startup = Callable[[Service], Awaitable[None]]


def create_service_app(
    settings: Settings,
    owner: str,
    decider: Decider[Any, Any],
    commands: Sequence[type[Command]],
    reactions: Sequence[Reaction] = (),
    extras: Sequence[Extra] = (),
    on_startup: Sequence[Startup] = (),
) -> tuple[FastStream, Service]:
    if not settings.nats_url:
        raise RuntimeError("NATS_URL is not set")
    broker = NatsBroker(
        settings.nats_servers,
        name=f"sanctuary-{owner}-broker",
        logger=None,
        error_cb=log_nats_error,
        security=BaseSecurity(ssl_context=tls) if (tls := settings_tls(settings)) else None,
    )
    runtime = ServiceRuntime(settings, owner)
    service = Service(settings=settings, runtime=runtime, broker=broker)

    def handler() -> CaseHandler[Any, Any]:
        if service.handler is None:
            raise RuntimeError(f"{owner} service not started")
        return service.handler

    case_commands(broker, handler, commands)

    for reaction in reactions:
        event_subscriber(broker, runtime, reaction.durable, reaction.subjects, _reactor(reaction, handler))

    @broker.subscriber(f"health.{owner}", title=f"health.{owner}")
    async def health(msg: NatsMessage) -> bytes:
        return json.dumps(runtime.health.as_dict()).encode()

    for extra in extras:
        extra(service)

    app = FastStream(broker, logger=None)

    @app.on_startup
    async def start() -> None:
        register_personal_keys(registry.personal_keys())
        await runtime.start()
        service.handler = CaseHandler(runtime.event_store, decider)
        await start_deadletter_watch(runtime, [r.durable for r in reactions])
        for hook in on_startup:
            await hook(service)
        log.info("service started", service=owner)

    @app.after_startup
    async def ready() -> None:
        # Subscriptions go to the server asynchronously; flush so that once start() returns the
        # server routes commands to us (otherwise a first command can meet "no responders").
        await broker.connection.flush(timeout=5)

    @app.after_shutdown
    async def stop() -> None:
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
                # A business refusal is an answer, not a failure: redelivery would not change it.
                log.info(
                    "reaction refused",
                    reaction=reaction.durable,
                    case_id=event.case_id,
                    problems=[p.field for p in exc.problems],
                )

    return react


def run_service(factory: Callable[[Settings], tuple[FastStream, Service]]) -> None:
    """Entry point body for ``python -m services.<name>``."""
    settings = load_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    app, _ = factory(settings)
    asyncio.run(app.run())
