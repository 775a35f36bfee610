"""FastStream wiring shared by every service: command endpoints (request/reply), and the readers
of CASES that turn events into effects (``event_reader``, built on shared.reader).

Entry points stay thin: parse, check the actor's role, call the handler, reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, TypeVar

from faststream.message import StreamMessage
from faststream.nats import NatsBroker
from nats.aio.client import Client as NATS
from pydantic import Field, ValidationError, WithJsonSchema

from shared.commands import BaseCommand, Command, CommandReply
from shared.errors import CommandRejected, problems_from_validation
from shared.events import RecordedEvent
from shared.handler import CaseHandler, Outcome
from shared.logging import get_logger
from shared.positions import KvPositions
from shared.reader import Apply, ApplyBatch, CaseReader, Decode
from shared.runtime import ServiceRuntime

log = get_logger(__name__)

# Commands one service process handles at once (across cases; one case's wait their turn).
COMMAND_WORKERS = 64

CommandFn = Callable[[Any], Awaitable[Outcome | CommandReply]]  # takes the endpoint's command class
C = TypeVar("C", bound=BaseCommand)
E = TypeVar("E")
EventFn = Callable[[RecordedEvent], Awaitable[None]]


def parse_command(command_cls: type[C], body: bytes) -> C:
    """Validate a command's JSON; every problem at once, each naming its field, never echoing values."""
    try:
        command = command_cls.model_validate_json(body)
    except ValidationError as exc:
        raise CommandRejected(problems_from_validation(exc)) from None
    if command_cls.allowed_roles and command.actor.role not in command_cls.allowed_roles:
        allowed = ", ".join(sorted(r.value for r in command_cls.allowed_roles))
        raise CommandRejected.one(
            "actor.role", f"a {command.actor.role.value} may not {command_cls.name()}; allowed: {allowed}"
        )
    return command


async def run_command(command_cls: type[BaseCommand], body: bytes, fn: CommandFn) -> CommandReply:
    try:
        command = parse_command(command_cls, body)
        result = await fn(command)
    except CommandRejected as exc:
        log.info("command rejected", command=command_cls.name(), problems=[p.field for p in exc.problems])
        return CommandReply(ok=False, errors=exc.problems)
    if isinstance(result, CommandReply):
        return result
    log.info(
        "command handled",
        command=command_cls.name(),
        case_id=result.case_id,
        events=len(result.event_ids),
        duplicate=result.duplicate,
    )
    return CommandReply(
        ok=True, case_id=result.case_id, event_ids=result.event_ids, duplicate=result.duplicate
    )


async def raw_body(msg: StreamMessage[Any]) -> bytes:
    """FastStream's decoder for command endpoints: the raw bytes, left to ``parse_command``.

    Async on purpose: FastStream runs a synchronous decoder in a worker thread."""
    return msg.body


def command_endpoint(
    broker: NatsBroker, command_cls: type[BaseCommand], fn: CommandFn, max_workers: int = COMMAND_WORKERS
) -> None:
    """Serve ``cmd.<service>.<Command>`` with a queue group, so replicas share the load.

    Up to ``max_workers`` commands are handled at once (the case handler keeps one case's commands
    in order). The endpoint takes one argument, the raw body: asking FastStream for the message
    object as well costs a worker-thread hop per message (its context lookup is synchronous)."""

    async def endpoint(body: Any) -> bytes:
        # ``body`` is annotated with the command's schema so the AsyncAPI shows it; the bytes are
        # parsed by us, reporting every problem by field and checking the role.
        reply = await run_command(command_cls, body, fn)
        return reply.model_dump_json().encode()

    # Set as an object, not a string: the annotation names this command's own schema.
    endpoint.__annotations__["body"] = Annotated[
        Any, WithJsonSchema(inline_refs(command_cls.model_json_schema())), Field(title=command_cls.name())
    ]
    broker.subscriber(
        command_cls.subject(),
        queue=f"{command_cls.service}-commands",
        decoder=raw_body,
        max_workers=max_workers,
        title=command_cls.subject(),
        description=command_cls.__doc__,
    )(endpoint)


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its ``$defs`` written in place: FastStream's AsyncAPI mislays a lone
    parameter's ``$ref`` (it takes the first definition), and a self-contained schema cannot be."""
    defs = schema.pop("$defs", {})

    def walk(node: Any, path: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                if ref in path:
                    raise ValueError(f"{schema.get('title')}: a recursive model cannot be inlined")
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return walk(dict(defs[ref.removeprefix("#/$defs/")]), (*path, ref)) | rest
            return {k: walk(v, path) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, path) for v in node]
        return node

    return dict(walk(schema, ()))


def case_commands(
    broker: NatsBroker, handler_of: Callable[[], CaseHandler[Any, Any]], commands: Sequence[type[Command]]
) -> None:
    """Serve every case command of a service through its one CaseHandler."""
    for command_cls in commands:
        command_endpoint(broker, command_cls, lambda c: handler_of().handle(c))


def event_reader(
    runtime: ServiceRuntime,
    name: str,
    subjects: Sequence[str],
    fn: EventFn,
    *,
    stall_after_s: float | None = None,
    apply_batch: ApplyBatch[RecordedEvent] | None = None,
) -> CaseReader[RecordedEvent]:
    """An in-order reader of ``subjects`` on CASES (shared.reader) for an idempotent effect (a
    command whose id derives from the event id, a view): its position is kept in the readers'
    position bucket after the effect. Starts with the service and reports to its health.
    ``apply_batch``, if given, takes each fetch's events in one call (``fn`` is then for an event
    applied alone, after a batch failed)."""

    async def decode(seq: int, subject: str, data: bytes) -> RecordedEvent:
        return await runtime.event_store.decode(data, seq=seq, subject=subject)

    return kv_reader(
        runtime, name, subjects, decode, fn, stall_after_s=stall_after_s, apply_batch=apply_batch
    )


def kv_reader(
    runtime: ServiceRuntime,
    name: str,
    subjects: Sequence[str],
    decode: Decode[E],
    fn: Apply[E],
    *,
    stall_after_s: float | None = None,
    apply_batch: ApplyBatch[E] | None = None,
) -> CaseReader[E]:
    """``event_reader`` with its own ``decode``: for an effect that needs less of each message
    than the whole decrypted event."""
    reader: CaseReader[E] = CaseReader(
        name,
        subjects,
        decode,
        fn,
        KvPositions(runtime.js, f"{runtime.owner}.{name}"),
        stall_after_s=stall_after_s or runtime.settings.reader_stall_s,
        apply_batch=apply_batch,
    )
    runtime.add_reader(reader)
    return reader


async def send_command(nc: NATS, command: BaseCommand, timeout: float = 10.0) -> CommandReply:
    """Client side: issue a command and wait for its reply."""
    reply = await nc.request(command.subject(), command.model_dump_json().encode(), timeout=timeout)
    return CommandReply.model_validate_json(reply.data)
