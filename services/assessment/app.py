"""The assessment service: police CPO work queue and property assessment, DASH, and the fire and
rescue service's sanctuary address flag, fire safety check and control-room lookup."""

from __future__ import annotations

from dataclasses import dataclass

from faststream import FastStream

from services.assessment.domain.decide import assessment_decider
from services.assessment.domain.rules import AssessmentRules
from services.assessment.fire_lookup import FireLookup
from services.assessment.reactions import REACTIONS
from shared.catalogue import load_catalogue
from shared.contracts.assessment import ASSESSMENT_COMMANDS
from shared.scheme import load_scheme
from shared.service import Kernel, Service, create_service_app
from shared.settings import Settings
from shared.sharing import load_sharing_policy


def rules_for(settings: Settings) -> AssessmentRules:
    return AssessmentRules.for_scheme(
        load_scheme(settings.scheme_config),
        catalogue=load_catalogue(settings.catalogue_path),
        sharing=load_sharing_policy(settings.sharing_policy),
    )


@dataclass(frozen=True)
class AssessmentParts:
    fire_lookup: FireLookup


def assessment_parts(kernel: Kernel) -> AssessmentParts:
    return AssessmentParts(fire_lookup=FireLookup(kernel))


def create_app(settings: Settings) -> tuple[FastStream, Service[AssessmentParts]]:
    # The kernel's CaseHandler catches up and decides again when a refusal rests on a stale copy of
    # the case, which our rules need: they depend on the referral's and the contractor's events.
    return create_service_app(
        settings,
        owner="assessment",
        decider=assessment_decider(rules_for(settings)),
        commands=ASSESSMENT_COMMANDS,
        reactions=REACTIONS,
        parts=assessment_parts,
    )
