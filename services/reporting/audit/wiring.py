"""How audit and erasure are part of the reporting service: the two audit commands
(cmd.reporting.RecordAuditRead, cmd.reporting.EraseCase), the retention schedule that erases a case
its years after closure, and the signed checkpoints of every case's head.

``audit_parts`` gives all three (services/reporting/app.py); a test may take one alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.reporting.audit.checkpointer import Checkpointer
from services.reporting.audit.recorder import AuditRecorder
from services.reporting.audit.retention import retention_schedule
from shared.case_keys import CaseKeyClient
from shared.commands import CommandReply
from shared.contracts.audit import EraseCase, RecordAuditRead
from shared.scheme import load_scheme
from shared.service import Kernel, Part
from shared.sharing import load_sharing_policy
from shared.signing import load_or_create_signer

DAY_S = 24 * 60 * 60.0


class AuditCommands(Part):
    """Serves the audit commands. The policy is read now, so a broken policy file stops the service
    at start-up, naming the entry."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel
        self._terms = load_sharing_policy(kernel.settings.sharing_policy).auditor
        self._recorder: AuditRecorder | None = None
        kernel.serve(RecordAuditRead, self.record_read)
        kernel.serve(EraseCase, self.erase)

    async def start(self) -> None:
        keys = self._kernel.runtime.keys
        if not isinstance(keys, CaseKeyClient):
            raise RuntimeError("the reporting service asks the key custodian for case keys")
        self._recorder = AuditRecorder(self._kernel.runtime.event_store, self._terms, keys)

    @property
    def recorder(self) -> AuditRecorder:
        if self._recorder is None:
            raise RuntimeError("audit recorder not started")
        return self._recorder

    async def record_read(self, command: RecordAuditRead) -> CommandReply:
        return await self.recorder.record_audit_read(command)

    async def erase(self, command: EraseCase) -> CommandReply:
        return await self.recorder.erase_case(command)


class Retention(Part):
    """The retention schedule: every ``interval_s``, erase each case ``years`` after its closure."""

    def __init__(
        self, kernel: Kernel, commands: AuditCommands, years: int, interval_s: float = DAY_S
    ) -> None:
        self._kernel = kernel
        self._commands = commands
        self._years = years
        self._interval_s = interval_s

    async def start(self) -> None:
        runtime = self._kernel.runtime
        schedule = retention_schedule(
            runtime.connection, self._commands.recorder.erase_case, self._years, self._interval_s
        )
        runtime.background(schedule, "retention")


class Checkpoints(Part):
    """Signed checkpoints of every case's head, signed with the reporting service's key."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel

    async def start(self) -> None:
        settings = self._kernel.settings
        signer = load_or_create_signer(settings.signing_keys_dir, "reporting", settings.public_keys_dir)
        checkpointer = Checkpointer(self._kernel.runtime.connection, signer)
        self._kernel.runtime.background(checkpointer.run(), "checkpoints")


@dataclass(frozen=True)
class AuditParts:
    commands: AuditCommands
    retention: Retention
    checkpoints: Checkpoints


def audit_parts(kernel: Kernel) -> AuditParts:
    """Audit with the scheme's retention period (config/schemes/*.yaml)."""
    commands = AuditCommands(kernel)
    years = load_scheme(kernel.settings.scheme_config).retention.years_after_closure
    return AuditParts(commands, Retention(kernel, commands, years), Checkpoints(kernel))
