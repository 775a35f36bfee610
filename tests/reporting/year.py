"""A hand-built year (1 April 2024 - 31 March 2025) of eight synthetic cases, from referral to closure.
Every figure of the report is worked out from it by hand in test_report_readmodel.py.

RA  Q1 referral, accepted, assessed (high risk, MARAC), contacted by phone in 6 hours, installed in
    2 days (35.00), fire check, follow-up visit, 3- and 6-month contacts, very satisfied, closed safer.
RB  Q1 referral, accepted in Q2, late to the CPO, contact after 2 days, works late (516.00), no fire
    check, no follow-up at all; a complaint resolved. Form only: RIC 12 (medium), MARAC yes.
RC  Q2 referral, accepted, never reached by phone, cancelled ("Client could not be contacted").
RD  Q3 referral of a client under 18: a safeguarding referral, never accepted.
RE  Q3 referral declined ("Does not live or work in the borough").
RF  Q4 referral, accepted, emergency lock change the same day, installed (120.00), fire check,
    visit; feedback "neither"; then withdrew consent to follow-up contact; a complaint unresolved.
RG  Q4 referral, accepted, late to the CPO, assessed, approved (250.00), not yet installed.
RH  Q1 referral, accepted, then the client withdrew and the case was closed.
"""

from __future__ import annotations

from datetime import date, datetime

from shared.contracts import assessment as A
from shared.contracts import contractor as K
from shared.contracts import referral as R
from shared.contracts.reporting import ConsentPurpose
from shared.events import Event
from tests.reporting.history import (
    ACTOR,
    History,
    approved,
    assessed,
    at,
    closed,
    complaint,
    completed,
    consent,
    contact,
    cpo_opened,
    dash,
    fire_check,
    follow_up,
    form,
    installed,
    submitted,
    works_order,
)

FOLLOW = ConsentPurpose.FOLLOW_UP_CONTACT
TEL, FACE, LETTER = K.ContactChannel.TELEPHONE, K.ContactChannel.FACE_TO_FACE, K.ContactChannel.LETTER
MADE = K.ContactOutcome.CONTACT_MADE
RTEL, RFACE = R.ContactChannel.TELEPHONE, R.ContactChannel.FACE_TO_FACE
# The scheme year as the report command takes it.
YEAR_REPORT = ("--from", "2024-04-01", "--to", "2025-03-31", "--audience", "coordinator", "--format", "json")


def year(prefix: str = "") -> History:
    """The eight cases; ``prefix`` makes the case ids unique on a shared stream."""
    h = History()
    a, b, c, d, e, f, g, hh = (f"{prefix}R{x}" for x in "ABCDEFGH")

    def add(case: str, payload: Event, when: datetime) -> None:
        h.add(case, payload, when)

    # RA
    fa = form(
        ethnicity=R.Ethnicity.INDIAN,
        disabilities=(R.Disability.PHYSICAL,),
        pregnant=R.YesNoUnknown.YES,
        children=(4, 9),
        arson=True,
        ric_score=16,
        marac=True,
    )
    add(a, submitted(fa, date(2024, 4, 1), R.AgeBand.AGE_25_34), at(2024, 4, 1))
    add(a, consent(FOLLOW, True, at(2024, 4, 1)), at(2024, 4, 1))
    add(a, R.ReferralAccepted(accepted_on=date(2024, 4, 2), urgent=False), at(2024, 4, 2))
    add(a, cpo_opened(date(2024, 4, 2), date(2024, 4, 1)), at(2024, 4, 3))
    add(a, assessed(date(2024, 4, 5)), at(2024, 4, 5))
    add(a, dash(A.RiskLevel.HIGH, True), at(2024, 4, 5))
    add(a, approved("35.00"), at(2024, 4, 8, 8))
    add(a, works_order(at(2024, 4, 10)), at(2024, 4, 8, 9))
    add(a, contact(TEL, MADE, at(2024, 4, 8, 15)), at(2024, 4, 8, 15))
    add(a, installed(("DOOR-CHAIN", 1, "15.00"), ("HINGE-BOLTS", 2, "10.00")), at(2024, 4, 10))
    add(a, completed(at(2024, 4, 10, 16), "35.00"), at(2024, 4, 10, 16))
    add(a, fire_check(date(2024, 4, 15)), at(2024, 4, 15))
    add(a, follow_up(R.FollowUpKind.VISIT_AFTER_INSTALLATION, RFACE, date(2024, 4, 17)), at(2024, 4, 17))
    add(a, follow_up(R.FollowUpKind.MONTHS_3, RTEL, date(2024, 7, 11)), at(2024, 7, 11))
    fb = R.FeedbackReceived(satisfaction=R.Satisfaction.VERY_SATISFIED, received_on=date(2024, 7, 11))
    add(a, fb, at(2024, 7, 11))
    add(a, follow_up(R.FollowUpKind.MONTHS_6, RTEL, date(2024, 10, 9)), at(2024, 10, 9))
    safer = closed(R.ClosureReason.WORKS_COMPLETED, R.SafetyOutcome.FEELS_SAFER, date(2024, 10, 9))
    add(a, safer, at(2024, 10, 9, 12))

    # RH (Q1, withdrew)
    add(hh, submitted(form(), date(2024, 4, 29), R.AgeBand.AGE_18_24), at(2024, 4, 29))
    add(hh, R.ReferralAccepted(accepted_on=date(2024, 5, 1), urgent=False), at(2024, 5, 1))
    add(hh, cpo_opened(date(2024, 5, 1), date(2024, 4, 29)), at(2024, 5, 2))
    withdrew = closed(R.ClosureReason.CLIENT_WITHDREW, R.SafetyOutcome.UNKNOWN, date(2024, 5, 10))
    add(hh, withdrew, at(2024, 5, 10))

    # RB
    fb_form = form(
        source=R.ReferralSource.HOUSING_ASSOCIATION,
        gender=R.Gender.PREFER_TO_SELF_DESCRIBE,
        same_identity=R.YesNoUnknown.NO,
        ethnicity=R.Ethnicity.ARAB,
        interpreter=R.YesNoUnknown.YES,
        disabilities=(R.Disability.NO_DISABILITY,),
        nrpf=R.YesNoUnknown.YES,
        adjustments="Step-free access",
        accommodation=R.AccommodationType.TERRACED,
        tenure=R.Tenure.OTHER,
        tenure_other="Refuge accommodation",
        ric_score=12,
        marac=True,
        interim=(R.InterimMeasure.EMERGENCY_LOCK_CHANGE,),
    )
    add(b, submitted(fb_form, date(2024, 6, 28), R.AgeBand.AGE_45_54), at(2024, 6, 28))
    add(b, consent(FOLLOW, True, at(2024, 6, 28)), at(2024, 6, 28))
    add(b, R.ReferralAccepted(accepted_on=date(2024, 7, 1), urgent=True), at(2024, 7, 1))
    add(b, cpo_opened(date(2024, 7, 1), date(2024, 6, 28)), at(2024, 7, 3))
    add(b, assessed(date(2024, 7, 9)), at(2024, 7, 9))
    add(b, approved("516.00"), at(2024, 7, 9, 15))
    add(b, works_order(at(2024, 7, 12)), at(2024, 7, 10, 9))
    add(b, contact(LETTER, K.ContactOutcome.LETTER_SENT, at(2024, 7, 10, 11)), at(2024, 7, 10, 11))
    add(b, contact(FACE, MADE, at(2024, 7, 12, 11)), at(2024, 7, 12, 11))
    add(b, installed(("WINDOW-LOCK", 3, "12.00"), ("SANCTUARY-ROOM-DOOR", 1, "480.00")), at(2024, 7, 16))
    add(b, completed(at(2024, 7, 22, 16), "516.00"), at(2024, 7, 22, 16))
    add(b, complaint("C-1", R.ComplaintSeverity.ROUTINE, "contractor", date(2024, 8, 1)), at(2024, 8, 1))
    resolved = R.ComplaintResolved(
        complaint_id="C-1", resolved_on=date(2024, 8, 20), upheld=True, within_procedure=True
    )
    add(b, resolved, at(2024, 8, 20))

    # RC
    fc = form(
        source=R.ReferralSource.SOCIAL_SERVICES,
        same_identity=R.YesNoUnknown.UNKNOWN,
        interpreter=R.YesNoUnknown.UNKNOWN,
        accommodation=R.AccommodationType.BUNGALOW,
        tenure=R.Tenure.PRIVATELY_RENTED,
        children=(12,),
        ric_score=11,
    )
    add(c, submitted(fc, date(2024, 7, 15), R.AgeBand.UNKNOWN), at(2024, 7, 15))
    add(c, R.ReferralAccepted(accepted_on=date(2024, 7, 16), urgent=False), at(2024, 7, 16))
    add(c, cpo_opened(date(2024, 7, 16), date(2024, 7, 15)), at(2024, 7, 17))
    add(c, approved("200.00"), at(2024, 7, 22))
    add(c, works_order(at(2024, 7, 26)), at(2024, 7, 24, 9))
    add(c, contact(TEL, K.ContactOutcome.NO_ANSWER, at(2024, 7, 24, 10)), at(2024, 7, 24, 10))
    gave_up = K.ContactNotEstablished(attempts=1, channels_tried=[TEL], first_contact_due_by=at(2024, 7, 26))
    add(c, gave_up, at(2024, 7, 29))
    add(c, K.InstallationCancelled(reason="Client could not be contacted"), at(2024, 7, 30))
    ended = closed(R.ClosureReason.INSTALLATION_CANCELLED, R.SafetyOutcome.UNKNOWN, date(2024, 8, 1))
    add(c, ended, at(2024, 8, 1))

    # RD (under 18) and RE (declined)
    fd = form(
        source=R.ReferralSource.OTHER,
        gender=R.Gender.PREFER_NOT_TO_SAY,
        ethnicity=R.Ethnicity.PREFER_NOT_TO_SAY,
        accommodation=R.AccommodationType.MAISONETTE,
        tenure=R.Tenure.PRIVATELY_OWNED,
    )
    add(d, submitted(fd, date(2024, 10, 7), R.AgeBand.UNDER_18), at(2024, 10, 7))
    safeguarding = R.SafeguardingReferralMade(
        recipient=R.SafeguardingRecipient.CHILDRENS_SOCIAL_CARE, reason="the client is under 18"
    )
    add(d, safeguarding, at(2024, 10, 7, 11))
    fe = form(source=R.ReferralSource.SPECIALIST_DOMESTIC_ABUSE_SERVICE)
    add(e, submitted(fe, date(2024, 10, 14), R.AgeBand.AGE_35_44), at(2024, 10, 14))
    add(e, R.ReferralDeclined(reason="Does not live or work in the borough"), at(2024, 10, 15))

    # RF
    ff = form(
        gender=None,
        ethnicity=R.Ethnicity.BRITISH,
        disabilities=(R.Disability.MENTAL_ILLNESS, R.Disability.LEARNING_DISABILITY),
        accommodation=R.AccommodationType.SEMI_DETACHED,
        tenure=R.Tenure.PRIVATELY_OWNED,
        children=(1, 2, 3),
        ric_score=5,
        marac=True,  # the form says MARAC; the CPO's DASH assessment decided otherwise, and counts
    )
    add(f, submitted(ff, date(2025, 1, 6), R.AgeBand.AGE_35_44), at(2025, 1, 6))
    add(f, consent(FOLLOW, True, at(2025, 1, 6)), at(2025, 1, 6))
    add(f, R.ReferralAccepted(accepted_on=date(2025, 1, 7), urgent=False), at(2025, 1, 7))
    add(f, cpo_opened(date(2025, 1, 7), date(2025, 1, 6)), at(2025, 1, 8))
    add(f, assessed(date(2025, 1, 10)), at(2025, 1, 10))
    add(f, dash(A.RiskLevel.STANDARD, False), at(2025, 1, 10))
    add(f, approved("120.00"), at(2025, 1, 13, 8))
    add(f, works_order(at(2025, 1, 15)), at(2025, 1, 13, 9))
    add(f, contact(TEL, MADE, at(2025, 1, 13, 12)), at(2025, 1, 13, 12))
    lock = K.EmergencyLockChangeCompleted(completed_at=at(2025, 1, 13, 15), same_day=True)
    add(f, lock, at(2025, 1, 13, 15))
    fitted = installed(("DEADLOCK-BS3621-5LEVER", 1, "60.00"), ("FIREPROOF-LETTERBOX", 1, "40.00"))
    add(f, fitted, at(2025, 1, 15))
    add(f, installed(("PERSONAL-SAFETY-ALARM", 1, "20.00")), at(2025, 1, 16))
    add(f, completed(at(2025, 1, 17, 16), "120.00"), at(2025, 1, 17, 16))
    add(f, follow_up(R.FollowUpKind.VISIT_AFTER_INSTALLATION, RFACE, date(2025, 1, 24)), at(2025, 1, 24))
    add(f, fire_check(date(2025, 1, 30), fitted=("FIREPROOF-LETTERBOX",)), at(2025, 1, 30))
    neither = R.FeedbackReceived(satisfaction=R.Satisfaction.NEITHER, received_on=date(2025, 2, 1))
    add(f, neither, at(2025, 2, 1))
    serious = complaint("C-2", R.ComplaintSeverity.SERIOUS, "coordination", date(2025, 2, 3))
    add(f, serious, at(2025, 2, 3))
    withdrawn = R.ConsentWithdrawn(purpose=FOLLOW, recorded_by=ACTOR, withdrawn_at=at(2025, 2, 10))
    add(f, withdrawn, at(2025, 2, 10))

    # RG
    add(g, submitted(form(), date(2025, 3, 3), R.AgeBand.AGE_55_64), at(2025, 3, 3))
    add(g, R.ReferralAccepted(accepted_on=date(2025, 3, 4), urgent=False), at(2025, 3, 4))
    add(g, cpo_opened(date(2025, 3, 4), date(2025, 3, 3)), at(2025, 3, 10))
    add(g, assessed(date(2025, 3, 14)), at(2025, 3, 14))
    add(g, approved("250.00"), at(2025, 3, 20))
    return h
