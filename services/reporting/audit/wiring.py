"""How audit and erasure plug into the reporting service's app: two command endpoints
(cmd.reporting.RecordAuditRead, cmd.reporting.EraseCase), the retention schedule and the signed
checkpoints of every case's head.

The reporting app passes ``audit_extra`` in ``extras`` and ``audit_startup(...)`` in ``on_startup``
of ``shared.service.create_service_app``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.reporting.audit.checkpointer import Checkpointer
from services.reporting.audit.recorder import AuditRecorder
from services.reporting.audit.retention import retention_schedule
from shared.bus import command_endpoint
from shared.case_keys import CaseKeyClient
from shared.commands import Command, CommandReply
from shared.contracts.audit import EraseCase, RecordAuditRead
from shared.scheme import load_scheme
from shared.service import Service
from shared.sharing import load_sharing_policy
from shared.signing import load_or_create_signer

RECORDER = "audit_recorder"
AUDIT_TERMS = "audit_terms"
DAY_S = 24 * 60 * 60.0


def _recorder(service: Service) -> AuditRecorder:
    recorder = service.extras.get(RECORDER)
    if recorder is None:
        keys = service.runtime.keys
        assert isinstance(keys, CaseKeyClient), "the reporting service asks the key custodian"
        recorder = AuditRecorder(service.runtime.event_store, service.extras[AUDIT_TERMS], keys)
        service.extras[RECORDER] = recorder
    assert isinstance(recorder, AuditRecorder)
    return recorder


def audit_extra(service: Service) -> None:
    """Serve the audit commands on the reporting service's broker. The policy is read now, so a
    broken policy file stops the service at start-up, naming the entry."""
    service.extras[AUDIT_TERMS] = load_sharing_policy(service.settings.sharing_policy).auditor

    async def record_read(command: Command) -> CommandReply:
        assert isinstance(command, RecordAuditRead)
        return await _recorder(service).record_audit_read(command)

    async def erase(command: Command) -> CommandReply:
        assert isinstance(command, EraseCase)
        return await _recorder(service).erase_case(command)

    command_endpoint(service.broker, RecordAuditRead, record_read)
    command_endpoint(service.broker, EraseCase, erase)


async def start_checkpoints(service: Service) -> None:
    """Publish signed checkpoints of every case's head, signed with the reporting service's key."""
    nc = service.runtime.nc
    assert nc is not None
    settings = service.settings
    signer = load_or_create_signer(settings.signing_keys_dir, "reporting", settings.public_keys_dir)
    service.runtime.background(Checkpointer(nc, signer).run(), "checkpoints")


async def retention_from_scheme(service: Service) -> None:
    """Start the daily retention schedule with the scheme's retention period."""
    years = load_scheme(service.settings.scheme_config).retention.years_after_closure
    await audit_startup(years)(service)


def audit_startup(
    retention_years: int | None, interval_s: float = DAY_S
) -> Callable[[Service], Awaitable[None]]:
    """Start the retention schedule (none when the scheme sets no retention period)."""

    async def start(service: Service) -> None:
        if retention_years is None:
            return
        nc = service.runtime.nc
        assert nc is not None
        recorder = _recorder(service)
        service.runtime.background(
            retention_schedule(nc, recorder.erase_case, retention_years, interval_s), "retention"
        )

    return start
