"""Builds the contractor service's FastStream app: its case commands on ``cmd.contractor.<Command>``
(allocation checked against the staff register), RegisterInstaller into the CONTRACTOR_STAFF bucket,
and the works order that follows the coordinator's approval."""

from __future__ import annotations

from faststream import FastStream

from services.contractor.configuration import rules_for
from services.contractor.domain.decider import make_decider
from services.contractor.endpoints import case_endpoints, staff_endpoint, start_staff_register
from services.contractor.reactions import WORKS_ORDERS
from shared.service import Service, create_service_app
from shared.settings import Settings


def create_app(settings: Settings) -> tuple[FastStream, Service]:
    return create_service_app(
        settings,
        owner="contractor",
        decider=make_decider(rules_for(settings)),
        # Served by case_endpoints instead, which stamps the time and looks installers up first.
        commands=(),
        reactions=[WORKS_ORDERS],
        extras=[case_endpoints, staff_endpoint],
        on_startup=[start_staff_register],
    )
