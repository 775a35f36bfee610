"""Builds the referral service's FastStream app: its commands on ``cmd.referral.<Command>``, decided
against the scheme configuration and the measures catalogue named in the settings."""

from __future__ import annotations

from faststream import FastStream

from services.referral.domain.decide import referral_decider
from services.referral.domain.rules import CoordinatorRules
from shared.catalogue import load_catalogue
from shared.contracts.referral import CASE_COMMANDS
from shared.scheme import load_scheme
from shared.service import NoParts, Service, create_service_app
from shared.settings import Settings


def rules_for(settings: Settings) -> CoordinatorRules:
    return CoordinatorRules(
        scheme=load_scheme(settings.scheme_config), catalogue=load_catalogue(settings.catalogue_path)
    )


def create_app(settings: Settings) -> tuple[FastStream, Service[NoParts]]:
    return create_service_app(
        settings,
        owner="referral",
        decider=referral_decider(rules_for(settings)),
        commands=CASE_COMMANDS,
    )
