"""The reporting service: projects every case event (``case.>``) into the SQL read models, in stream
order, by a reader whose position is stored with the rows (readmodel/consumer.py). The consent-filtered views
(services/reporting/views/) and the audit trail (services/reporting/audit/) register their own
parts here: each package may expose ``REGISTRATIONS``, a list of ``shared.service.Extra`` (called
with the Service while the app is built) and ``ON_STARTUP``, a list of ``shared.service.Startup``
hooks.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from faststream import FastStream

from services.reporting.readmodel.consumer import projection_reader
from services.reporting.readmodel.projection import MonitoringProjection
from services.reporting.readmodel.store import DEFAULT_BASE, ReadModelStore, make_engine
from shared.catalogue import load_catalogue
from shared.decider import NO_COMMANDS
from shared.service import Extra, Service, Startup, create_service_app
from shared.settings import Settings

READER = "reporting-monitoring"
PARTS = ("services.reporting.views", "services.reporting.audit")


def registered_parts() -> tuple[list[Extra], list[Startup]]:
    extras: list[Extra] = []
    hooks: list[Startup] = []
    for name in PARTS:
        try:
            module: Any = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        extras += list(getattr(module, "REGISTRATIONS", []))
        hooks += list(getattr(module, "ON_STARTUP", []))
    return extras, hooks


def create_app(
    settings: Settings, base: str = DEFAULT_BASE, reader: str = READER
) -> tuple[FastStream, Service]:
    """``base`` names the read-model tables and ``reader`` their reader (tests give their own)."""
    store = ReadModelStore(make_engine(settings.database_url), base)
    project = MonitoringProjection(load_catalogue(settings.catalogue_path))

    def readmodel(service: Service) -> None:
        service.extras["readmodel"] = store
        service.extras["readmodel_reader"] = projection_reader(
            reader, service.runtime, store, project, settings.reader_stall_s
        )

    async def ensure_tables(service: Service) -> None:
        # Before the readers start. SQLAlchemy here is synchronous: keep it off the event loop.
        await asyncio.to_thread(store.ensure)

    extras, hooks = registered_parts()
    app, service = create_service_app(
        settings,
        owner="reporting",
        decider=NO_COMMANDS,
        commands=[],
        extras=[readmodel, *extras],
        on_startup=[ensure_tables, *hooks],
    )
    return app, service
