"""Builds the contractor service's FastStream app: its case commands on ``cmd.contractor.<Command>``
(allocation checked against the staff register), RegisterInstaller into the CONTRACTOR_STAFF bucket,
the works order that follows the coordinator's approval, and the first-contact deadline watch."""

from __future__ import annotations

from faststream import FastStream

from services.contractor.configuration import ContractorSettings, rules_for
from services.contractor.contact_watch import FirstContactWatch, watch_schedule
from services.contractor.domain.decider import make_decider
from services.contractor.endpoints import case_endpoints, staff_endpoint, start_staff_register
from services.contractor.reactions import WORKS_ORDERS
from shared.commands import Command
from shared.handler import Outcome
from shared.service import Service, create_service_app
from shared.settings import Settings

CONTACT_WATCH = "contact_watch"


def create_app(settings: Settings) -> tuple[FastStream, Service]:
    return create_service_app(
        settings,
        owner="contractor",
        decider=make_decider(rules_for(settings)),
        # Served by case_endpoints instead, which stamps the time and looks installers up first.
        commands=(),
        reactions=[WORKS_ORDERS],
        extras=[case_endpoints, staff_endpoint],
        on_startup=[start_staff_register, start_contact_watch],
    )


async def start_contact_watch(service: Service) -> None:
    """Scan for overdue first contact now (in the background) and every configured interval."""
    nc, handler = service.runtime.nc, service.handler
    assert nc is not None and handler is not None

    async def handle(command: Command) -> Outcome:
        return await handler.handle(command)

    watch = FirstContactWatch(nc, handle)
    service.runtime.add_reader(watch.reader)  # started with the service's other readers
    service.extras[CONTACT_WATCH] = watch
    interval_s = ContractorSettings().contact_watch_interval_s
    service.runtime.background(watch_schedule(watch, interval_s), "contact-watch")
