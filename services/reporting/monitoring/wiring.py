"""The monitoring component's part of the reporting service: the read models and their reader."""

from __future__ import annotations

import asyncio

from services.reporting.monitoring.readmodel.consumer import projection_reader
from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import DEFAULT_BASE, ReadModelStore, make_engine
from shared.catalogue import load_catalogue
from shared.service import Kernel, Part

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
