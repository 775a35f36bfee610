"""The reporting service, three components wired here by name (a renamed package fails at import):

- monitoring: every case event (``case.>``) projected into the SQL read models, in stream order, by
  a reader whose position is stored with the rows (readmodel/); the report (report/) reads them;
- views: the per-agency views of each case under the sharing policy (views/);
- audit: the audit commands, erasure and retention, and the signed checkpoints (audit/).
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream import FastStream

from services.reporting.audit.wiring import AuditParts, audit_parts
from services.reporting.monitoring.readmodel.store import DEFAULT_BASE
from services.reporting.monitoring.wiring import READER, Monitoring
from services.reporting.views.wiring import Views
from shared.decider import NO_COMMANDS
from shared.service import Kernel, Service, create_service_app
from shared.settings import Settings


@dataclass(frozen=True)
class ReportingParts:
    monitoring: Monitoring
    views: Views
    audit: AuditParts


def create_app(
    settings: Settings, base: str = DEFAULT_BASE, reader: str = READER
) -> tuple[FastStream, Service[ReportingParts]]:
    """``base`` names the read-model tables and ``reader`` their reader (tests give their own)."""

    def parts(kernel: Kernel) -> ReportingParts:
        return ReportingParts(Monitoring(kernel, base, reader), Views(kernel), audit_parts(kernel))

    return create_service_app(settings, owner="reporting", decider=NO_COMMANDS, commands=[], parts=parts)
