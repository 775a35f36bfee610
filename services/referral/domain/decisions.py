"""The coordinator's decisions on the works: approving the assessment's recommendations, resuming
suspended works, and recording a safeguarding override of consent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.referral.domain.rules import CoordinatorRules, consent_needed, open_case, today
from services.referral.domain.state import Landlord, ReferralState, Triage
from shared.catalogue import MeasureLine
from shared.contracts.referral import (
    TENURES_WITH_LANDLORD,
    ApproveRecommendations,
    ConsentPurpose,
    RecommendationsApproved,
    RecordSafeguardingOverride,
    ResumeWorks,
    SafeguardingOverrideRecorded,
    WorksResumed,
)
from shared.date_rules import not_future
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event


def approve(command: ApproveRecommendations, state: ReferralState, rules: CoordinatorRules) -> list[Event]:
    problems = open_case(state)
    if state.submitted and state.triage is not Triage.ACCEPTED:
        problems.append(Problem(field="case_id", problem="the referral has not been accepted"))
    if state.submitted:
        problems += consent_needed(state, ConsentPurpose.INSTALLATION, "approve works")
    if state.tenure in TENURES_WITH_LANDLORD and state.landlord is not Landlord.GRANTED:
        problems.append(Problem(field="case_id", problem="the landlord's permission has not been granted"))
    recommended = state.recommendations.get(command.assessment_event_id)
    if recommended is None:
        problems.append(
            Problem(field="assessment_event_id", problem="is not a property assessment of this case")
        )
    elif command.assessment_event_id != state.latest_assessment:
        problems.append(Problem(field="assessment_event_id", problem="a later assessment replaces this one"))
    elif command.assessment_event_id in state.decided_assessments:
        problems.append(Problem(field="assessment_event_id", problem="has already been decided"))
    if recommended is not None:
        problems += _lines_problems(command, recommended, rules, today(command))
    reject_if(problems)
    cost = sum(
        (
            rules.catalogue.line_cost(MeasureLine(item_code=i.item_code, quantity=i.quantity))
            for i in command.approved_items
        ),
        Decimal("0.00"),
    )
    return [RecommendationsApproved.from_command(command, estimated_cost_gbp=cost.quantize(Decimal("0.01")))]


def _lines_problems(
    command: ApproveRecommendations, recommended: dict[str, int], rules: CoordinatorRules, on: date
) -> list[Problem]:
    """Every recommended item decided once; approved items known, not more than recommended, and
    out-of-scope ones approved by a funder."""
    problems: list[Problem] = []
    seen: set[str] = set()
    lines = [("approved_items", i, a.item_code, a.quantity) for i, a in enumerate(command.approved_items)]
    lines += [("declined_items", i, d.item_code, d.quantity) for i, d in enumerate(command.declined_items)]
    for where, i, code, quantity in lines:
        field = f"{where}.{i}"
        if code not in recommended:
            problems.append(
                Problem(field=f"{field}.item_code", problem="was not recommended by the assessment")
            )
        elif quantity > recommended[code]:
            problems.append(
                Problem(field=f"{field}.quantity", problem="is more than the assessment recommended")
            )
        if code in seen:
            problems.append(Problem(field=f"{field}.item_code", problem="is decided twice"))
        seen.add(code)
    for code in sorted(set(recommended) - seen):
        problems.append(
            Problem(
                field="approved_items", problem=f"recommended item {code} is neither approved nor declined"
            )
        )
    in_scope = rules.scheme.in_scope_catalogue_scopes
    for i, item in enumerate(command.approved_items):
        if item.item_code not in rules.catalogue:
            problems.append(
                Problem(field=f"approved_items.{i}.item_code", problem="is not in the measures catalogue")
            )
        elif item.funder_approval is None and rules.catalogue.needs_funder_approval(item.item_code, in_scope):
            problems.append(
                Problem(
                    field=f"approved_items.{i}.funder_approval",
                    problem="the item is outside the scheme's scope: record the funder's approval",
                )
            )
        if item.funder_approval is not None:
            approved_on = item.funder_approval.approved_on
            problems += not_future(f"approved_items.{i}.funder_approval.approved_on", approved_on, on)
    return problems


def resume(command: ResumeWorks, state: ReferralState) -> list[Event]:
    problems = open_case(state)
    if state.submitted and state.suspension is None:
        problems.append(Problem(field="case_id", problem="the works are not suspended"))
    if state.submitted:
        problems += consent_needed(state, ConsentPurpose.INSTALLATION, "resume works")
    reject_if(problems)
    assert state.suspension is not None
    return [WorksResumed(suspension_event_id=state.suspension, reason=command.reason)]


def record_override(command: RecordSafeguardingOverride, state: ReferralState) -> list[Event]:
    # Safeguarding does not end with the case: an override may be needed after closure too.
    if not state.submitted:
        raise CommandRejected.one("case_id", "no referral has been submitted for this case")
    return [SafeguardingOverrideRecorded.from_command(command)]
