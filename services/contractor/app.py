"""Builds the contractor service's FastStream app: its case commands on ``cmd.contractor.<Command>``,
its staff register (RegisterInstaller, and AllocateInstaller checked against it), the works order
that follows the coordinator's approval, and the first-contact deadline watch."""

from __future__ import annotations

from dataclasses import dataclass

from faststream import FastStream

from services.contractor.configuration import rules_for
from services.contractor.domain.decide import contractor_decider
from services.contractor.parts import ContactWatch, Staff
from services.contractor.reactions import WORKS_ORDERS
from shared.contracts.contractor import CASE_COMMANDS
from shared.service import Kernel, Service, create_service_app
from shared.settings import Settings


@dataclass(frozen=True)
class ContractorParts:
    staff: Staff
    contact_watch: ContactWatch


def contractor_parts(kernel: Kernel) -> ContractorParts:
    return ContractorParts(staff=Staff(kernel), contact_watch=ContactWatch(kernel))


def create_app(settings: Settings) -> tuple[FastStream, Service[ContractorParts]]:
    return create_service_app(
        settings,
        owner="contractor",
        decider=contractor_decider(rules_for(settings)),
        commands=CASE_COMMANDS,
        reactions=[WORKS_ORDERS],
        parts=contractor_parts,
    )
