"""The reporting service, three components wired here by name (a renamed package fails at import):

- monitoring: every case event (``case.>``) projected into the SQL read models, in stream order, by
  a reader whose position is stored with the rows (readmodel/); the report (report/) reads them;
- views: the per-agency views of each case under the sharing policy (views/);
- audit: the audit commands, erasure and retention, and the signed checkpoints (audit/).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from faststream import FastStream

from services.reporting.audit.wiring import AuditParts, audit_parts
from services.reporting.readmodel.consumer import projection_reader
from services.reporting.readmodel.projection import MonitoringProjection
from services.reporting.readmodel.store import DEFAULT_BASE, ReadModelStore, make_engine
from services.reporting.views.wiring import Views
from shared.catalogue import load_catalogue
from shared.decider import NO_COMMANDS
from shared.service import Kernel, Part, Service, create_service_app
from shared.settings import Settings

READER = "reporting-monitoring"


class Monitoring(Part):
    """The monitoring read models (``base`` names their tables) and the reader (``reader``) that
    keeps them up to date."""

    def __init__(self, kernel: Kernel, base: str = DEFAULT_BASE, reader: str = READER) -> None:
        settings = kernel.settings
        self.store = ReadModelStore(make_engine(settings.database_url), base)
        project = MonitoringProjection(load_catalogue(settings.catalogue_path))
        self.reader = projection_reader(reader, kernel.runtime, self.store, project, settings.reader_stall_s)

    async def start(self) -> None:
        # Before the readers start. SQLAlchemy here is synchronous: keep it off the event loop.
        await asyncio.to_thread(self.store.ensure)


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
