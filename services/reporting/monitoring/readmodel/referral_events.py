"""The referral side's events as row changes: the form's monitoring answers, the coordinator's
decisions, follow-up, feedback, complaints and closure. Pure: no I/O.

Only categories, numbers, dates and amounts are taken; no personal field is read, not even whether it
was filled in (after erasure every personal field reads "[erased]", and a rebuild must give the same
report). The template's "Additional support: Other" row is the event's public ``other_support_needs``
flag (the referral side sets it when the form records adjustments to support the client).
"""

from __future__ import annotations

from datetime import date

from services.reporting.monitoring.readmodel import categories as C
from services.reporting.monitoring.readmodel.changes import (
    Change,
    ReplaceCaseRows,
    SetCase,
    UpdateRows,
    added_by,
)
from shared.contracts import referral as R
from shared.contracts.reporting import ConsentPurpose
from shared.events import Event, RecordedEvent

SATISFIED = frozenset({R.Satisfaction.SATISFIED, R.Satisfaction.VERY_SATISFIED})
# Every event type ``referral_changes`` reads (any other gives None).
REFERRAL_TYPES: tuple[type[Event], ...] = (
    R.ReferralSubmitted,
    R.ReferralAccepted,
    R.ReferralDeclined,
    R.SafeguardingReferralMade,
    R.ConsentRecorded,
    R.ConsentWithdrawn,
    R.RecommendationsApproved,
    R.FollowUpContactRecorded,
    R.FeedbackReceived,
    R.ComplaintReceived,
    R.ComplaintResolved,
    R.CaseClosed,
)


def submitted(case: str, p: R.ReferralSubmitted) -> list[Change]:
    form = p.form
    about, household, safety = form.about_client, form.household, form.safety
    row, group = C.ethnicity(about.ethnicity)
    answers = {
        "referral_received_on": p.received_on,
        "referral_source": form.referral_source.value,
        "gender": C.gender(about.gender),
        "gender_identity_differs": C.identity_differs(about.gender_identity_same_as_sex_at_birth),
        "ethnicity": row,
        "ethnic_group": group,
        "interpreter_needed": C.yes(about.interpreter_needed),
        "age_band": C.age_band(p.age_band),
        "nrpf": C.yes(about.no_recourse_to_public_funds),
        "pregnant": C.yes(about.pregnant),
        "other_support_needs": p.other_support_needs,
        "accommodation_type": household.accommodation_type.value,
        "tenure_type": C.tenure(household.tenure, household.tenure_other),
        "children_count": household.number_of_children,
        "arson_risk": C.yes(safety.risk_of_arson),
        "form_ric_score": safety.ric_score if safety.dash_completed is R.YesNo.YES else None,
        "form_marac_referral": C.yes(safety.marac_referral),
        "urgent": p.urgent,
    }
    return [
        SetCase(case, answers),
        ReplaceCaseRows("disabilities", case, [{"disability": d.value} for d in about.disabilities]),
        ReplaceCaseRows(
            "children", case, [{"position": i, "age": a} for i, a in enumerate(household.ages_of_children)]
        ),
    ]


def referral_changes(event: RecordedEvent, uk_day: date) -> list[Change] | None:
    """The changes for a referral-side event; None when the event is not the referral side's."""
    p = event.payload
    case = event.case_id
    if isinstance(p, R.ReferralSubmitted):
        return submitted(case, p)
    if isinstance(p, R.ReferralAccepted):
        return [SetCase(case, {"accepted_on": p.accepted_on, "urgent": p.urgent})]
    if isinstance(p, R.ReferralDeclined):
        return [SetCase(case, {"declined_on": uk_day, "decline_reason": p.reason})]
    if isinstance(p, R.SafeguardingReferralMade):
        return [
            SetCase(
                case,
                {"safeguarding_on": uk_day, "safeguarding_recipient": p.recipient.value},
                frozenset({"safeguarding_on", "safeguarding_recipient"}),
            )
        ]
    if isinstance(p, R.ConsentRecorded) and p.purpose is ConsentPurpose.FOLLOW_UP_CONTACT:
        return [SetCase(case, {"follow_up_consent": p.given})]
    if isinstance(p, R.ConsentWithdrawn) and p.purpose is ConsentPurpose.FOLLOW_UP_CONTACT:
        return [SetCase(case, {"follow_up_consent": False})]
    if isinstance(p, R.RecommendationsApproved):
        return [SetCase(case, {"approved_on": uk_day, "approved_cost_gbp": p.estimated_cost_gbp})]
    if isinstance(p, R.FollowUpContactRecorded):
        kind_and_how = {"kind": p.kind.value, "channel": p.channel.value, "outcome": p.outcome.value}
        return [added_by("follow_ups", event.event_id, case, contact_on=p.contacted_on, **kind_and_how)]
    if isinstance(p, R.FeedbackReceived):
        answer = {"satisfaction": p.satisfaction.value, "satisfied": p.satisfaction in SATISFIED}
        return [added_by("feedback", event.event_id, case, received_on=p.received_on, **answer)]
    if isinstance(p, R.ComplaintReceived):
        received = {"complaint_ref": p.complaint_id, "received_on": p.received_on}
        return [added_by("complaints", event.event_id, case, **received)]
    if isinstance(p, R.ComplaintResolved):
        where = {"case_id": case, "complaint_ref": p.complaint_id}
        resolved = {"resolved_on": p.resolved_on, "within_procedure": p.within_procedure}
        return [UpdateRows("complaints", where, resolved)]
    if isinstance(p, R.CaseClosed):
        closed = {"closed_on": p.closed_on, "closure_reason": p.reason.value}
        return [SetCase(case, {**closed, "safety_outcome": p.safety_outcome.value})]
    return None
