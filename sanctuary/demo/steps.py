"""One case's pathway as timed commands, each from the agency and role that issues it.

Times are UTC within office hours (09:00-15:00, never inside the evening windows when it is not
safe to contact a client); working days skip weekends (the services judge timeliness with bank
holidays themselves).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sanctuary.demo.people import Client
from sanctuary.demo.storyline import (
    CONTRACTOR_OFFICE,
    COORDINATOR,
    CPO,
    FIRE_OFFICER,
    FOLLOW_UP_WORKER,
    Path,
    Step,
    installer_actor,
)
from shared import commands
from shared.catalogue import Catalogue, MeasureLine
from shared.contracts import assessment as A
from shared.contracts import contractor as K
from shared.contracts import referral as R
from shared.scheme import SchemeConfig

FEMALE_INSTALLER = "inst-f01"
MALE_INSTALLER = "inst-m02"
# The kit a CPO usually recommends (all in the standard scope), with the most one home needs.
USUAL_MEASURES = {
    "DEADLOCK-BS3621-5LEVER": 1,
    "HINGE-BOLTS": 2,
    "DOOR-CHAIN": 1,
    "SPY-HOLE": 1,
    "LETTERBOX-GUARD-VISOR": 1,
    "FIREPROOF-LETTERBOX": 1,
    "WINDOW-LOCK": 4,
    "PERSONAL-SAFETY-ALARM": 1,
    "ANTI-THRUST-PLATE": 1,
    "LIGHTING-TIMER": 1,
    "WINDOW-SHOCK-ALARM": 2,
    "CCTV-DOOR-VIEWER": 1,
}
DECLINED_ITEM_REASONS = (
    "Existing fitting already meets the standard",
    "Not needed once the sanctuary room door is fitted",
    "Client preferred not to have it",
)
SATISFACTION = {
    R.Satisfaction.VERY_SATISFIED: 55,
    R.Satisfaction.SATISFIED: 30,
    R.Satisfaction.NEITHER: 8,
    R.Satisfaction.DISSATISFIED: 5,
    R.Satisfaction.VERY_DISSATISFIED: 2,
}
LANDLORDED = R.TENURES_WITH_LANDLORD


def at_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def add_working_days(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def next_working(moment: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    return at_time(add_working_days(moment.date(), days), hour, minute)


class StepBook:
    """Writes one case's steps in time order; command ids are the case id and the step number."""

    def __init__(
        self,
        rng: random.Random,
        case_id: str,
        client: Client,
        scheme: SchemeConfig,
        catalogue: Catalogue,
        year_end: date,
    ) -> None:
        self.rng, self.case_id, self.client, self.year_end = rng, case_id, client, year_end
        self.scheme, self.catalogue = scheme, catalogue
        self.steps: list[Step] = []

    def add(self, at: datetime, cls: type[commands.Command], actor: Any, **fields: Any) -> None:
        options = {k: fields.pop(k) for k in ("remember", "bind", "after_reaction") if k in fields}
        if self.steps and at <= self.steps[-1].at:
            at = self.steps[-1].at + timedelta(minutes=5)
        command = cls(
            command_id=f"{self.case_id}:{len(self.steps) + 1:02d}",
            case_id=self.case_id,
            actor=actor,
            occurred_at=at,
            **fields,
        )
        self.steps.append(Step(at=at, command=command, **options))

    @property
    def last(self) -> datetime:
        return self.steps[-1].at

    # -- referral and triage ------------------------------------------------------------------

    def submit(self, at: datetime) -> None:
        self.add(
            at, R.SubmitReferral, self.client.referrer, form=self.client.form, consents=self.client.consents
        )

    def close(self, at: datetime, reason: R.ClosureReason, outcome: R.SafetyOutcome) -> None:
        self.add(at, R.CloseCase, COORDINATOR, reason=reason, safety_outcome=outcome, closed_on=at.date())

    def cancel(self, at: datetime, why: str, outcome: R.SafetyOutcome) -> None:
        """The coordinator cancels the installation (for ``why``, as the scheme words it) and closes
        the case an hour later."""
        self.add(at, K.CancelInstallation, COORDINATOR, reason=self._cancellation(why))
        self.close(at + timedelta(hours=1), R.ClosureReason.INSTALLATION_CANCELLED, outcome)

    def close_safeguarding(self, at: datetime) -> None:
        self.close(at, R.ClosureReason.SAFEGUARDING_REFERRAL, R.SafetyOutcome.UNKNOWN)

    def decline(self, at: datetime) -> None:
        wishes_to_move = self.client.form.eligibility_facts.wishes_to_remain is R.YesNoUnknown.NO
        if wishes_to_move:
            reason, signposts = "Client wishes to move", [R.SignpostKind.HOUSING_OPTIONS]
        elif self.rng.random() < 0.7:
            reason = "Sanctuary Scheme will not meet the need (refuge or rehousing required)"
            signposts = [R.SignpostKind.REFUGE, R.SignpostKind.SPECIALIST_SERVICES]
        else:
            reason, signposts = "Duplicate referral", []
        if reason not in self.scheme.decline_reasons:
            reason = self.scheme.decline_reasons[-1]
        self.add(at, R.DeclineReferral, COORDINATOR, reason=reason, signpost_to=signposts)
        self.close(at + timedelta(minutes=30), R.ClosureReason.REFERRAL_DECLINED, R.SafetyOutcome.UNKNOWN)

    # -- the works pathway --------------------------------------------------------------------

    def works_pathway(self, path: Path, submitted: datetime) -> None:
        urgent = path is Path.URGENT
        # Urgent referrals are acted on the same day; others the next working day.
        accept = submitted + timedelta(hours=1) if urgent else next_working(submitted, 1, 9, 30)
        self.add(accept, R.AcceptReferral, COORDINATOR)
        if self.client.tenure in LANDLORDED:
            self.add(self.last, R.RequestLandlordPermission, COORDINATOR, landlord=self._landlord())
            granted = self.last + timedelta(minutes=30) if urgent else next_working(self.last, 1, 11)
            self.add(granted, R.RecordLandlordPermissionGranted, COORDINATOR, granted_on=granted.date())
        day = accept if urgent else next_working(accept, 1, 9)
        self.add(
            day,
            A.RecordIntelligenceCheck,
            CPO,
            checked_on=day.date(),
            access_to_weapons=self.rng.choice(list(A.Finding)),
            risk_to_visiting_staff=A.Finding.NO,
            after_reaction=True,
        )
        visit = (
            self.last + timedelta(hours=1) if urgent else next_working(self.last, self.rng.randint(1, 3), 10)
        )
        self.add(self.last, A.SchedulePropertyVisit, CPO, visit_at=visit)
        assessed = visit + timedelta(minutes=60)
        measures = self._measures()
        self.add(
            assessed,
            A.RecordPropertyAssessment,
            CPO,
            assessed_on=assessed.date(),
            recommended_measures=measures,
            sanctuary_room=self._room(measures),
            remember="assessment",
        )
        self._dash(assessed + timedelta(minutes=15))
        if path is Path.CONSENT_WITHDRAWN:
            withdrawn = next_working(self.last, 2, 10)
            self.add(
                withdrawn, R.WithdrawConsent, COORDINATOR, note="Client telephoned to withdraw (synthetic)"
            )
            self.close(
                next_working(withdrawn, 1, 10), R.ClosureReason.CLIENT_WITHDREW, R.SafetyOutcome.UNKNOWN
            )
            return
        approved = self.last + timedelta(minutes=15) if urgent else next_working(self.last, 1, 10)
        approved_items, declined_items = self._decide_items(measures)
        self.add(
            approved,
            R.ApproveRecommendations,
            COORDINATOR,
            assessment_event_id="assessment",
            approved_items=approved_items,
            declined_items=declined_items,
            bind=("assessment_event_id",),
        )
        # The contractor receives the works order by reaction to the approval: allocation waits for it.
        self._works(path, approved_items)

    def _works(self, path: Path, items: list[R.ApprovedItem]) -> None:
        installer = (
            FEMALE_INSTALLER if self.client.female_installer or self.rng.random() < 0.5 else MALE_INSTALLER
        )
        fitter = installer_actor(installer)
        self.add(
            self.last + timedelta(minutes=20),
            K.AllocateInstaller,
            CONTRACTOR_OFFICE,
            installer_id=installer,
            after_reaction=True,
        )
        if path is Path.CANCELLED_NO_CONTACT:
            self._failed_contacts()
            return
        self._contact(urgent=path is Path.URGENT)
        if path is Path.URGENT:
            self.add(
                self.last + timedelta(hours=2),
                K.RecordEmergencyLockChange,
                fitter,
                completed_at=self.last + timedelta(hours=2),
            )
        # Most visits within the South Essex standard (start within 2 working days of the works
        # order); some later, so the coordinator's report has late cases to show.
        visit_day = add_working_days(
            self.last.date(), self.rng.choices((1, 2, 3, 4), weights=(6, 2, 1, 1))[0]
        )
        self.add(
            self.last + timedelta(minutes=30), K.BookInstallationVisit, CONTRACTOR_OFFICE, visit_on=visit_day
        )
        if path is Path.CANCELLED_MOVED:
            day_before = at_time(visit_day, 9) - timedelta(days=1)
            self.cancel(day_before, "Client moved out of the property", R.SafetyOutcome.MOVED)
            return
        if path is Path.SUSPENDED:
            seen = at_time(visit_day, 9, 30)
            self.add(
                seen,
                K.SuspendWorks,
                fitter,
                concern=K.SuspensionConcern.PERPETRATOR_VISITING,
                reported_by=installer,
                details="Installer saw the perpetrator arrive at the address (synthetic)",
            )
            resumed = next_working(seen, 2, 10)
            self.add(
                resumed,
                R.ResumeWorks,
                COORDINATOR,
                reason="Police confirm bail conditions enforced (synthetic)",
            )
            visit_day = add_working_days(resumed.date(), 2)
            self.add(
                resumed + timedelta(hours=1), K.BookInstallationVisit, CONTRACTOR_OFFICE, visit_on=visit_day
            )
        lines = [
            K.InstalledItemLine(
                item_code=i.item_code, quantity=i.quantity, unit_cost_gbp=self._cost(i.item_code)
            )
            for i in items
        ]
        self.add(at_time(visit_day, 11), K.RecordItemsInstalled, fitter, items=lines)
        completed = at_time(visit_day, 14)
        self.add(completed, K.CompleteInstallation, fitter, completed_at=completed)
        self._aftercare(path, completed)

    def _aftercare(self, path: Path, completed: datetime) -> None:
        check = next_working(completed, self.rng.randint(3, 9), 10)
        arson = self.client.form.safety.risk_of_arson is R.YesNo.YES
        fitted = [MeasureLine(item_code="SMOKE-DETECTOR", quantity=2)] if arson else []
        self.add(
            check, A.RecordFireSafetyCheck, FIRE_OFFICER, checked_on=check.date(), fire_measures_fitted=fitted
        )
        sharing = self.client.consents.information_sharing is R.YesNo.YES
        if path is Path.INSTALLED and sharing and self.rng.random() < 0.06:
            # Some clients later withdraw consent to sharing: the fire service's flag comes off.
            self.add(
                next_working(check, 3, 10),
                R.WithdrawConsent,
                COORDINATOR,
                purposes=[R.ConsentPurpose.INFORMATION_SHARING],
                note="Client asked that agencies stop sharing her details (synthetic)",
            )
        if path is Path.COMPLAINT:
            received = next_working(completed, 4, 11)
            self.add(
                received,
                R.RecordComplaint,
                COORDINATOR,
                complaint_id=f"{self.case_id}-C1",
                severity=R.ComplaintSeverity.ROUTINE,
                about="contractor",
                summary="Installer arrived outside the agreed time (synthetic)",
                received_on=received.date(),
            )
            resolved = next_working(received, 8, 11)
            self.add(
                resolved,
                R.ResolveComplaint,
                COORDINATOR,
                complaint_id=f"{self.case_id}-C1",
                resolved_on=resolved.date(),
                upheld=True,
                within_procedure=True,
                summary="Apology given; scheduling reminder sent to contractor (synthetic)",
            )
        if self.client.consents.follow_up_contact is R.YesNo.NO:
            # No consent to follow-up contact: the case closes once the fire check is done.
            self._close_completed(next_working(self.last, 10, 12))
            return
        visit = max(next_working(completed, 8, 11), self.last + timedelta(minutes=5))
        self._follow_up(visit, R.FollowUpKind.VISIT_AFTER_INSTALLATION)
        # South Essex: contact at 3, 6 and 12 months; the case closes after the last one the year
        # reaches, once the 6-month contact is made (a later case stays open into the next year).
        contacts = [
            (next_working(completed + timedelta(days=30 * months), 0, 11), kind)
            for months, kind in (
                (3, R.FollowUpKind.MONTHS_3),
                (6, R.FollowUpKind.MONTHS_6),
                (12, R.FollowUpKind.MONTHS_12),
            )
        ]
        for at, kind in contacts:
            if at.date() > self.year_end:
                break
            self._follow_up(at, kind, feedback=kind is R.FollowUpKind.MONTHS_3)
        if contacts[1][0].date() <= self.year_end:
            self._close_completed(next_working(self.last, 1, 12))

    def _close_completed(self, at: datetime) -> None:
        outcome = R.SafetyOutcome.FEELS_SAFER if self.rng.random() < 0.85 else R.SafetyOutcome.NO_CHANGE
        self.close(at, R.ClosureReason.WORKS_COMPLETED, outcome)

    def _follow_up(self, at: datetime, kind: R.FollowUpKind, feedback: bool = False) -> None:
        visit = kind is R.FollowUpKind.VISIT_AFTER_INSTALLATION
        reached = visit or self.rng.random() < 0.85
        self.add(
            at,
            R.RecordFollowUpContact,
            FOLLOW_UP_WORKER,
            kind=kind,
            channel=R.ContactChannel.FACE_TO_FACE if visit else R.ContactChannel.TELEPHONE,
            outcome=R.FollowUpOutcome.CONTACT_MADE if reached else R.FollowUpOutcome.NO_ANSWER,
            contacted_on=at.date(),
            female_staff=True,
        )
        if feedback and reached:
            satisfaction = self.rng.choices(list(SATISFACTION), weights=list(SATISFACTION.values()))[0]
            safer = R.YesNoUnknown.YES if self.rng.random() < 0.85 else R.YesNoUnknown.UNKNOWN
            self.add(
                at + timedelta(minutes=10),
                R.RecordFeedback,
                FOLLOW_UP_WORKER,
                satisfaction=satisfaction,
                feels_safer=safer,
                received_on=at.date(),
            )

    # -- contact -------------------------------------------------------------------------------

    def _contact(self, urgent: bool) -> None:
        first = self.last + timedelta(minutes=30 if urgent else 120)
        if not urgent and self.rng.random() < 0.35:
            channel = self.rng.choice(
                [K.ContactChannel.TELEPHONE, K.ContactChannel.TELEPHONE, K.ContactChannel.LETTER]
            )
            outcome = (
                K.ContactOutcome.LETTER_SENT
                if channel is K.ContactChannel.LETTER
                else K.ContactOutcome.NO_ANSWER
            )
            self._attempt(first, channel, outcome)
            first = next_working(first, 1, 10)
        channel = self.rng.choices(
            [K.ContactChannel.TELEPHONE, K.ContactChannel.FACE_TO_FACE, K.ContactChannel.OTHER],
            weights=[80, 15, 5],
        )[0]
        self._attempt(first, channel, K.ContactOutcome.CONTACT_MADE)

    def _failed_contacts(self) -> None:
        moment = self.last + timedelta(hours=2)
        for channel, outcome in (
            (K.ContactChannel.TELEPHONE, K.ContactOutcome.NO_ANSWER),
            (K.ContactChannel.TELEPHONE, K.ContactOutcome.MESSAGE_LEFT),
            (K.ContactChannel.LETTER, K.ContactOutcome.LETTER_SENT),
        ):
            self._attempt(moment, channel, outcome)
            moment = next_working(moment, 1, 10)
        self.add(next_working(self.last, 1, 9), K.ReportContactNotEstablished, CONTRACTOR_OFFICE)
        self.cancel(next_working(self.last, 5, 10), "Client could not be contacted", R.SafetyOutcome.UNKNOWN)

    def _attempt(self, at: datetime, channel: K.ContactChannel, outcome: K.ContactOutcome) -> None:
        self.add(
            at, K.RecordContactAttempt, CONTRACTOR_OFFICE, channel=channel, outcome=outcome, attempted_at=at
        )

    # -- measures -------------------------------------------------------------------------------

    def _measures(self) -> list[A.RecommendedMeasure]:
        codes = [c for c in USUAL_MEASURES if c in self.catalogue]
        chosen = self.rng.sample(codes, self.rng.randint(3, 6))
        if self.rng.random() < 0.25 and "SANCTUARY-ROOM-DOOR" in self.catalogue:
            chosen.append("SANCTUARY-ROOM-DOOR")
        return [
            A.RecommendedMeasure(item_code=c, quantity=self.rng.randint(1, USUAL_MEASURES.get(c, 1)))
            for c in chosen
        ]

    def _room(self, measures: list[A.RecommendedMeasure]) -> A.SanctuaryRoom | None:
        if not any(m.item_code == "SANCTUARY-ROOM-DOOR" for m in measures):
            return None
        front = self.rng.random() < 0.7
        return A.SanctuaryRoom(
            room="Bedroom",
            floor="First floor",
            at_front_of_property=front,
            why_not_at_front=None if front else "Front rooms have no lockable door (synthetic)",
        )

    def _decide_items(
        self, measures: list[A.RecommendedMeasure]
    ) -> tuple[list[R.ApprovedItem], list[R.DeclinedItem]]:
        declined_code = measures[-1].item_code if len(measures) > 3 and self.rng.random() < 0.25 else None
        approved = [
            R.ApprovedItem(item_code=m.item_code, quantity=m.quantity)
            for m in measures
            if m.item_code != declined_code
        ]
        declined = [
            R.DeclinedItem(
                item_code=m.item_code, quantity=m.quantity, reason=self.rng.choice(DECLINED_ITEM_REASONS)
            )
            for m in measures
            if m.item_code == declined_code
        ]
        return approved, declined

    def _cost(self, code: str) -> Any:
        item = self.catalogue.item(code)
        if item is None:
            raise ValueError(f"catalogue has no item {code}")
        return item.unit_cost_gbp

    def _cancellation(self, wanted: str) -> str:
        return wanted if wanted in self.scheme.cancellation_reasons else self.scheme.cancellation_reasons[-1]

    def _landlord(self) -> str:
        return {
            R.Tenure.COUNCIL_HOUSING: "Demo Borough Council Housing",
            R.Tenure.HOUSING_ASSOCIATION: "Demo Homes Housing Association",
        }.get(self.client.tenure, "Demo Lettings Agency")

    def _dash(self, at: datetime) -> None:
        score = self.client.dash_score
        answers = [A.DashAnswer.YES] * score + [A.DashAnswer.NO] * (A.DASH_QUESTION_COUNT - score)
        self.rng.shuffle(answers)
        high = score >= self.scheme.dash.high_threshold
        self.add(
            at,
            A.RecordDashRiskAssessment,
            CPO,
            assessed_on=at.date(),
            answers=answers,
            refer_to_marac=high,
            marac_criterion=A.MaracCriterion.VISIBLE_HIGH_RISK if high else None,
        )
