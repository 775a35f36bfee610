"""The contractor's command endpoints: case commands through the case handler (allocation looks the
installer up in the staff register first), and RegisterInstaller straight into the register."""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsMessage
from pydantic import ValidationError

from services.contractor.staff import StaffRegister
from shared.bus import command_endpoint
from shared.commands import Command, CommandReply
from shared.contracts.contractor import CASE_COMMANDS, AllocateInstaller, RegisterInstaller
from shared.documented import documented_payload
from shared.errors import Problem, problems_from_validation
from shared.handler import CaseHandler, Outcome
from shared.logging import get_logger
from shared.service import Service

log = get_logger(__name__)


def _handler(service: Service) -> CaseHandler[Any, Any]:
    if service.handler is None:
        raise RuntimeError("contractor service not started")
    return service.handler


def staff_of(service: Service) -> StaffRegister:
    staff = service.extras.get("staff")
    if not isinstance(staff, StaffRegister):
        raise RuntimeError("contractor staff register not started")
    return staff


def case_endpoints(service: Service) -> None:
    async def handle(command: Command) -> Outcome:
        if isinstance(command, AllocateInstaller):
            # The decider judges the register's record, never one the caller supplies.
            record = await staff_of(service).get(command.installer_id)
            command = command.model_copy(update={"installer": record})
        return await _handler(service).handle(command)

    served: tuple[type[Command], ...] = (*CASE_COMMANDS, AllocateInstaller)
    for command_cls in served:
        command_endpoint(service.broker, command_cls, handle)


async def register_installer(staff: StaffRegister, body: bytes) -> CommandReply:
    try:
        command = RegisterInstaller.model_validate_json(body)
    except ValidationError as exc:
        return CommandReply(ok=False, errors=problems_from_validation(exc))
    if command.actor.role not in RegisterInstaller.allowed_roles:
        problem = Problem(
            field="actor.role", problem=f"a {command.actor.role.value} may not RegisterInstaller"
        )
        return CommandReply(ok=False, errors=[problem])
    await staff.put(command.installer)
    log.info("installer registered", command="RegisterInstaller")
    return CommandReply(ok=True, data={"installer_id": command.installer.installer_id})


async def start_staff_register(service: Service) -> None:
    """Open (or create) the CONTRACTOR_STAFF bucket at startup; allocation reads it."""
    assert service.runtime.nc is not None
    staff = StaffRegister(service.runtime.nc.jetstream(), service.settings.stream_replicas)
    await staff.start()
    service.extras["staff"] = staff


def staff_endpoint(service: Service) -> None:
    async def endpoint(body: Any, msg: NatsMessage) -> bytes:
        # ``body`` is there for the AsyncAPI only; register_installer parses the raw bytes.
        reply = await register_installer(staff_of(service), msg.body)
        return reply.model_dump_json().encode()

    endpoint.__annotations__["body"] = documented_payload(RegisterInstaller)
    service.broker.subscriber(
        RegisterInstaller.subject,
        queue="contractor-commands",
        title=RegisterInstaller.subject,
        description=RegisterInstaller.__doc__,
    )(endpoint)
