"""The contractor service's own parts: the staff register (RegisterInstaller into it, and
AllocateInstaller decided on the register's record), and the first-contact deadline watch."""

from __future__ import annotations

from services.contractor.configuration import ContractorSettings
from services.contractor.contact_watch import FirstContactWatch, watch_schedule
from services.contractor.staff import StaffRegister
from shared.commands import Command, CommandReply
from shared.contracts.contractor import AllocateInstaller, RegisterInstaller
from shared.handler import Outcome
from shared.logging import get_logger
from shared.service import Kernel, Part
from shared.started import once_started

log = get_logger(__name__)


class Staff(Part):
    """The CONTRACTOR_STAFF register, opened at start-up, and the two commands that use it."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel
        self._register: StaffRegister | None = None
        kernel.serve(RegisterInstaller, self.register_installer)
        kernel.serve(AllocateInstaller, self.allocate_installer)

    async def start(self) -> None:
        register = StaffRegister(
            self._kernel.runtime.connection.jetstream(), self._kernel.settings.stream_replicas
        )
        await register.start()
        self._register = register

    @property
    def register(self) -> StaffRegister:
        return once_started(self._register, "contractor staff register")

    async def register_installer(self, command: RegisterInstaller) -> CommandReply:
        await self.register.put(command.installer)
        log.info("installer registered", command=RegisterInstaller.name())
        return CommandReply(ok=True, data={"installer_id": command.installer.installer_id})

    async def allocate_installer(self, command: AllocateInstaller) -> Outcome:
        # The decider judges the register's record, never one the caller supplies.
        record = await self.register.get(command.installer_id)
        return await self._kernel.handler.handle(command.model_copy(update={"installer": record}))


class ContactWatch(Part):
    """Scans for overdue first contact at start-up (in the background) and every configured interval."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel
        self._watch: FirstContactWatch | None = None

    async def start(self) -> None:
        kernel = self._kernel

        async def handle(command: Command) -> Outcome:
            return await kernel.handler.handle(command)

        watch = FirstContactWatch(kernel.runtime.connection, handle)
        kernel.runtime.add_reader(watch.reader)  # started with the service's other readers
        self._watch = watch
        interval_s = ContractorSettings().contact_watch_interval_s
        kernel.runtime.background(watch_schedule(watch, interval_s), "contact-watch")

    @property
    def watch(self) -> FirstContactWatch:
        return once_started(self._watch, "contractor contact watch")
