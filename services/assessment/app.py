"""The assessment service: police CPO work queue and property assessment, DASH, and the fire and
rescue service's sanctuary address flag, fire safety check and control-room lookup."""

from __future__ import annotations

from faststream import FastStream

from services.assessment.domain.decide import assessment_decider
from services.assessment.domain.rules import AssessmentRules
from services.assessment.fire_lookup import fire_lookup, rebuild_index
from services.assessment.handler import CatchingUpCaseHandler
from services.assessment.reactions import REACTIONS
from services.assessment.workdays import working_day_adder
from shared.catalogue import load_catalogue
from shared.contracts.assessment import ASSESSMENT_COMMANDS
from shared.service import Service, create_service_app
from shared.settings import Settings


def rules_for(settings: Settings) -> AssessmentRules:
    return AssessmentRules(
        catalogue=load_catalogue(settings.catalogue_path), add_working_days=working_day_adder()
    )


def create_app(settings: Settings) -> tuple[FastStream, Service]:
    decider = assessment_decider(rules_for(settings))

    async def catch_up_before_deciding(service: Service) -> None:
        service.handler = CatchingUpCaseHandler(service.runtime.event_store, decider)

    return create_service_app(
        settings,
        owner="assessment",
        decider=decider,
        commands=ASSESSMENT_COMMANDS,
        reactions=REACTIONS,
        extras=[fire_lookup],
        on_startup=[catch_up_before_deciding, rebuild_index],
    )
