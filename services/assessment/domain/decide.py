"""The assessment service's decider: each command to its decision, on the case folded by ``evolve``.

Pure: no clock, no I/O. The decisions themselves live in cpo, dash and fire.
"""

from __future__ import annotations

from functools import partial

from services.assessment.domain import cpo, dash, fire
from services.assessment.domain.rules import AssessmentRules
from services.assessment.domain.state import AssessmentCase, evolve
from shared.commands import Command
from shared.contracts.assessment import (
    FlagSanctuaryAddress,
    OpenCpoWorkItem,
    RecordDashRiskAssessment,
    RecordFireSafetyCheck,
    RecordIntelligenceCheck,
    RecordPropertyAssessment,
    RemoveSanctuaryFlag,
    ReviewSanctuaryFlag,
    SchedulePropertyVisit,
)
from shared.decider import Decider
from shared.errors import CommandRejected
from shared.events import Event


def decide(command: Command, state: AssessmentCase, rules: AssessmentRules) -> list[Event]:
    # A case exists here once its referral was submitted (seen on the stream): nothing is written
    # for a case id nobody referred.
    if not state.referral.submitted:
        raise CommandRejected.one("case_id", "no referral has been submitted for this case")
    # Once the case is closed the only thing left to do is take the address off the fire register.
    if state.referral.closed and not isinstance(command, RemoveSanctuaryFlag | ReviewSanctuaryFlag):
        raise CommandRejected.one("case_id", "the case is closed")
    match command:
        case OpenCpoWorkItem():
            return cpo.open_work_item(command, state, rules)
        case RecordIntelligenceCheck():
            return cpo.record_intelligence_check(command, state)
        case SchedulePropertyVisit():
            return cpo.schedule_visit(command, state)
        case RecordPropertyAssessment():
            return cpo.record_assessment(command, state, rules)
        case RecordDashRiskAssessment():
            return dash.record_dash(command, rules)
        case FlagSanctuaryAddress():
            return fire.flag_address(command, state, rules)
        case ReviewSanctuaryFlag():
            return fire.review_flag(command, state, rules)
        case RemoveSanctuaryFlag():
            return fire.remove_flag(command, state, rules)
        case RecordFireSafetyCheck():
            return fire.record_fire_check(command, state, rules)
    raise CommandRejected.one("(command)", f"{command.name()} is not an assessment command")


def assessment_decider(rules: AssessmentRules) -> Decider[Command, AssessmentCase]:
    return Decider(initial=AssessmentCase, decide=partial(decide, rules=rules), evolve=evolve)
