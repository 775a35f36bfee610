"""Hand-built event histories for the report tests (synthetic data only)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shared.catalogue import MeasureLine
from shared.contracts import assessment as A
from shared.contracts import contractor as K
from shared.contracts import referral as R
from shared.contracts.reporting import ConsentPurpose
from shared.events import Actor, Event, RecordedEvent, Role
from shared.scheme import parse_scheme
from tests.builders import recorded_event, referrer

ACTOR = Actor(agency="Test Agency", person="staff-1", role=Role.SYSTEM)


class History:
    """Events in stream order, each with the next stream sequence."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []

    def add(self, case_id: str, payload: Event, at: datetime) -> RecordedEvent:
        event = recorded_event(payload, case_id=case_id, actor=ACTOR, at=at, seq=len(self.events) + 1)
        self.events.append(event)
        return event


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def works_order(due: datetime) -> K.WorksOrderReceived:
    return K.WorksOrderReceived(
        approved_items=[K.WorkItem(item_code="DOOR-CHAIN", quantity=1)],
        client_name="Alice Example",
        client_address="1 Test Road, Testtown, TE1 1ST",
        first_contact_due_by=due,
    )


def installed(*lines: tuple[str, int, str]) -> K.ItemsInstalled:
    items = [
        K.InstalledItem(item_code=code, quantity=q, unit_cost_gbp=Decimal(unit), total_gbp=Decimal(unit) * q)
        for code, q, unit in lines
    ]
    return K.ItemsInstalled(items=items, total_gbp=sum((i.total_gbp for i in items), Decimal(0)))


def completed(when: datetime, total: str) -> K.InstallationCompleted:
    return K.InstallationCompleted(
        completed_at=when,
        total_cost_gbp=Decimal(total),
        working_days_from_works_order=3,
        made_to_measure=False,
        within_timescale=True,
    )


def dash(level: A.RiskLevel, marac: bool) -> A.DashRiskAssessed:
    return A.DashRiskAssessed(
        assessed_on=datetime(2024, 4, 2).date(),
        answers=[],
        score=15 if level is A.RiskLevel.HIGH else 5,
        risk_level=level,
        marac_referral=marac,
    )


def contact(channel: K.ContactChannel, outcome: K.ContactOutcome, when: datetime) -> K.ClientContactAttempted:
    return K.ClientContactAttempted(
        channel=channel, outcome=outcome, attempted_at=when, within_first_contact_deadline=True
    )


# -- the referral side ---------------------------------------------------------------------------

TEST_SCHEME = parse_scheme(
    {
        "name": "Test Sanctuary Scheme",
        "version": "test",
        "eligibility": [
            {"id": "adult", "description": "18 or over", "fact": "age_years", "op": "at_least", "minimum": 18}
        ],
        "decline_reasons": [
            "Does not live or work in the borough",
            "In direct contact with the perpetrator",
            "Other",
        ],
        "signposting": [{"kind": "refuge", "name": "Test Refuge Line"}],
        "cancellation_reasons": ["Client withdrew consent", "Client could not be contacted", "Other"],
        "in_scope_catalogue_scopes": ["standard"],
        "timescales": {"follow_up_contact_months": [3, 6, 12]},
        "dash": {"high_threshold": 14, "medium_threshold": 10},
        "reporting": {
            "suppression_threshold": 5,
            "annual_budget_gbp": 75000,
            "household_target": 60,
            "own_measures": ["performance_indicators", "service_standards"],
        },
    },
    "test scheme",
)


def form(
    *,
    source: R.ReferralSource = R.ReferralSource.POLICE,
    gender: R.Gender | None = R.Gender.FEMALE,
    same_identity: R.YesNoUnknown = R.YesNoUnknown.YES,
    ethnicity: R.Ethnicity | None = None,
    interpreter: R.YesNoUnknown = R.YesNoUnknown.NO,
    disabilities: tuple[R.Disability, ...] = (),
    nrpf: R.YesNoUnknown = R.YesNoUnknown.NO,
    pregnant: R.YesNoUnknown = R.YesNoUnknown.NO,
    adjustments: str | None = None,
    accommodation: R.AccommodationType = R.AccommodationType.FLAT,
    tenure: R.Tenure = R.Tenure.COUNCIL_HOUSING,
    tenure_other: str | None = None,
    children: tuple[int, ...] = (),
    arson: bool = False,
    ric_score: int | None = None,
    marac: bool = False,
    interim: tuple[R.InterimMeasure, ...] = (),
) -> R.ReferralForm:
    """A complete synthetic form; only the monitoring answers vary."""
    yes_no = {True: R.YesNo.YES, False: R.YesNo.NO}
    return R.ReferralForm(
        referrer=referrer(),
        client=R.ClientDetails(
            full_name="Alice Example",
            date_of_birth=date(1990, 1, 1),
            address="1 Test Road, Testtown",
            postcode="TE1 1ST",
            telephone="07700 900123",
        ),
        about_client=R.AboutTheClient(
            gender=gender,
            gender_self_description="Described in own words"
            if gender is R.Gender.PREFER_TO_SELF_DESCRIBE
            else None,
            gender_identity_same_as_sex_at_birth=same_identity,
            ethnicity=ethnicity,
            ethnicity_self_description=(
                "Described in own words" if ethnicity is R.Ethnicity.PREFER_TO_SELF_DESCRIBE else None
            ),
            interpreter_needed=interpreter,
            language="Testish" if interpreter is R.YesNoUnknown.YES else None,
            disabilities=list(disabilities),
            adjustments=adjustments,
            no_recourse_to_public_funds=nrpf,
            pregnant=pregnant,
        ),
        household=R.Household(
            accommodation_type=accommodation,
            accommodation_other=None,
            tenure=tenure,
            tenure_other=tenure_other,
            names_on_tenancy="Alice Example",
            number_of_children=len(children),
            ages_of_children=list(children),
        ),
        safety=R.ClientSafety(
            perpetrator_name="Perry Example",
            perpetrator_whereabouts="Lives elsewhere in Testtown",
            recent_incidents="Synthetic incident text",
            dash_completed=yes_no[ric_score is not None],
            ric_score=ric_score,
            marac_referral=yes_no[marac],
            marac_date=date(2024, 5, 1) if marac else None,
            police_involvement=R.YesNo.NO,
            risk_of_arson=yes_no[arson],
            arson_details="Synthetic arson concern" if arson else None,
            specialist_service_referral=R.YesNo.NO,
            interim_measures=list(interim),
            civil_order=R.YesNo.NO,
        ),
        referral_source=source,
        referral_source_other="GP surgery" if source is R.ReferralSource.OTHER else None,
    )


def submitted(f: R.ReferralForm, received: date, band: R.AgeBand) -> R.ReferralSubmitted:
    ethnicity = f.about_client.ethnicity
    return R.ReferralSubmitted(
        form=f,
        scheme=TEST_SCHEME.name,
        received_on=received,
        age_band=band,
        ethnic_group=R.ETHNIC_GROUP_OF.get(ethnicity) if ethnicity else None,
        urgent=bool(f.safety.interim_measures),
        other_support_needs=f.about_client.adjustments is not None,  # as the referral side sets it
    )


def consent(purpose: ConsentPurpose, given: bool, when: datetime) -> R.ConsentRecorded:
    return R.ConsentRecorded(purpose=purpose, given=given, recorded_by=ACTOR, recorded_at=when)


def follow_up(
    kind: R.FollowUpKind, channel: R.ContactChannel, on: date, made: bool = True
) -> R.FollowUpContactRecorded:
    outcome = R.FollowUpOutcome.CONTACT_MADE if made else R.FollowUpOutcome.NO_ANSWER
    return R.FollowUpContactRecorded(
        kind=kind, channel=channel, outcome=outcome, contacted_on=on, female_staff=True
    )


def cpo_opened(accepted: date, received: date) -> A.CpoWorkItemOpened:
    return A.CpoWorkItemOpened(
        accepted_on=accepted, received_on=received, referral_due_by=accepted, assessment_due_by=accepted
    )


def assessed(on: date) -> A.PropertyAssessed:
    return A.PropertyAssessed(
        assessed_on=on,
        recommended_measures=[A.RecommendedMeasure(item_code="DOOR-CHAIN", quantity=1)],
        within_timescale=True,
    )


def fire_check(on: date, fitted: tuple[str, ...] = ()) -> A.FireSafetyCheckRecorded:
    return A.FireSafetyCheckRecorded(
        checked_on=on,
        due_by=on,
        within_timescale=True,
        fire_measures_fitted=[MeasureLine(item_code=code, quantity=1) for code in fitted],
    )


def approved(cost: str) -> R.RecommendationsApproved:
    return R.RecommendationsApproved(
        assessment_event_id="assessment-1",
        approved_items=[R.ApprovedItem(item_code="DOOR-CHAIN", quantity=1)],
        estimated_cost_gbp=Decimal(cost),
    )


def closed(reason: R.ClosureReason, outcome: R.SafetyOutcome, on: date) -> R.CaseClosed:
    return R.CaseClosed(reason=reason, safety_outcome=outcome, closed_on=on)


def complaint(complaint_id: str, severity: R.ComplaintSeverity, about: str, on: date) -> R.ComplaintReceived:
    return R.ComplaintReceived(
        complaint_id=complaint_id,
        severity=severity,
        about=about,
        summary="Synthetic complaint text",
        received_on=on,
    )
