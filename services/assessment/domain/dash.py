"""DASH RIC scoring and the MARAC referral decision.

14 or more ticks is visible high risk and goes to MARAC: professional judgement may raise a risk,
never lower it. Below that, a referral needs one of the other criteria, each with its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.assessment.domain.rules import AssessmentRules
from shared.contracts.assessment import (
    DASH_QUESTION_COUNT,
    DashAnswer,
    DashRiskAssessed,
    MaracCriterion,
    RecordDashRiskAssessment,
    RiskLevel,
)
from shared.errors import Problem, reject_if
from shared.events import Event


@dataclass(frozen=True)
class DashOutcome:
    score: int
    risk_level: RiskLevel
    marac_referral: bool
    marac_criterion: MaracCriterion | None


def dash_score(answers: list[DashAnswer]) -> int:
    """Ticks are "yes" answers; "no" and "not known" do not count."""
    return sum(1 for a in answers if a is DashAnswer.YES)


def risk_level_for(score: int, rules: AssessmentRules) -> RiskLevel:
    if score >= rules.dash.high_threshold:
        return RiskLevel.HIGH
    if score >= rules.dash.medium_threshold:
        return RiskLevel.MEDIUM
    return RiskLevel.STANDARD


def assess_dash(command: RecordDashRiskAssessment, rules: AssessmentRules) -> DashOutcome:
    """Score the answers and check the MARAC decision; every problem found at once."""
    count = len(command.answers)
    if count != DASH_QUESTION_COUNT:
        reject_if(
            [
                Problem(
                    field="answers",
                    problem=f"must have exactly {DASH_QUESTION_COUNT} answers, one per question; got {count}",
                )
            ]
        )
    score = dash_score(command.answers)
    level = risk_level_for(score, rules)
    criterion = command.marac_criterion
    problems: list[Problem] = []

    if level is RiskLevel.HIGH:
        if not command.refer_to_marac:
            problems.append(
                Problem(
                    field="refer_to_marac",
                    problem=f"a score of {rules.dash.high_threshold} or more is visible high risk and is "
                    "referred to MARAC; professional judgement cannot downgrade it",
                )
            )
        if criterion not in (None, MaracCriterion.VISIBLE_HIGH_RISK):
            problems.append(
                Problem(field="marac_criterion", problem="a high score is referred as visible high risk")
            )
        criterion = MaracCriterion.VISIBLE_HIGH_RISK
    elif not command.refer_to_marac:
        if criterion is not None:
            problems.append(Problem(field="marac_criterion", problem="given, but no MARAC referral is made"))
    elif criterion is None:
        problems.append(Problem(field="marac_criterion", problem="is required when referring to MARAC"))
    elif criterion is MaracCriterion.VISIBLE_HIGH_RISK:
        problems.append(
            Problem(
                field="marac_criterion",
                problem=f"visible high risk needs a score of {rules.dash.high_threshold} or more; "
                f"the score is {score}",
            )
        )
    elif criterion is MaracCriterion.PROFESSIONAL_JUDGEMENT:
        if not command.professional_judgement_reasons:
            problems.append(
                Problem(
                    field="professional_judgement_reasons", problem="are required for professional judgement"
                )
            )
        level = RiskLevel.HIGH  # the assessor judges the risk high whatever the score
    elif criterion is MaracCriterion.POTENTIAL_ESCALATION:
        needed = rules.dash.escalation_incidents_12_months
        if command.incidents_last_12_months is None or command.incidents_last_12_months < needed:
            problems.append(
                Problem(
                    field="incidents_last_12_months",
                    problem=f"potential escalation needs {needed} or more incidents in the last 12 months",
                )
            )
    elif criterion is MaracCriterion.REPEAT_REFERRAL and not command.referred_to_marac_in_last_12_months:
        problems.append(
            Problem(
                field="referred_to_marac_in_last_12_months",
                problem="a repeat referral needs a MARAC referral in the last 12 months",
            )
        )
    reject_if(problems)
    return DashOutcome(
        score=score,
        risk_level=level,
        marac_referral=command.refer_to_marac or level is RiskLevel.HIGH,
        marac_criterion=criterion if command.refer_to_marac else None,
    )


def record_dash(command: RecordDashRiskAssessment, rules: AssessmentRules) -> list[Event]:
    outcome = assess_dash(command, rules)
    return [
        DashRiskAssessed.from_command(
            command,
            score=outcome.score,
            risk_level=outcome.risk_level,
            marac_referral=outcome.marac_referral,
            marac_criterion=outcome.marac_criterion,
        )
    ]
