"""The Tower Hamlets performance indicators the events can answer (seed 004, section 15): contact,
take-up and the reasons for no take-up, contacts by channel, children, safety outcomes at closure,
complaints and feedback. (Referrals received and their sources are the template's own rows.)

A case is counted in the quarter its clock started: contact from the works order, take-up from the
coordinator's acceptance, children and feedback from the completed installation. A case whose
outcome is not known yet (no contact made and none given up on; an offer neither taken up nor
refused) is left out of a percentage until it is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from services.reporting.monitoring.report.facts import CaseFacts, Facts
from services.reporting.monitoring.report.model import Kind, Relation, Section
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.rows import count_days, count_row, percent_row, where
from shared.contracts import contractor as K
from shared.contracts import referral as R
from shared.scheme import SchemeConfig

CHANNELS = tuple(c.value for c in K.ContactChannel)
CONTACT_MADE = K.ContactOutcome.CONTACT_MADE.value
FOLLOW_UP_MADE = R.FollowUpOutcome.CONTACT_MADE.value
DEPENDENT_CHILDREN = "Number of dependent children"


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def first_contact(c: CaseFacts) -> datetime | None:
    made = [m["attempted_at"] for m in c.contacts if m["outcome"] == CONTACT_MADE]
    return min(made) if made else None


def took_up(c: CaseFacts) -> bool | None:
    """Whether an offered (accepted) case took the service up: yes once installed (or works started
    and not cancelled), no once cancelled or closed first, unknown before either."""
    if c.row.get("completed_at"):
        return True
    if c.row.get("cancelled_on") or c.row.get("closed_on"):
        return False
    return True if c.row.get("works_started_at") else None


def no_take_up_reason(c: CaseFacts) -> str:
    reason = str(c.row.get("cancellation_reason") or c.row.get("closure_reason") or "Other")
    # Closure reasons are stored in lower case; a report row starts with a capital like its neighbours.
    return reason[:1].upper() + reason[1:]


def indicators_title(scheme: SchemeConfig) -> str:
    return f"{scheme.name} performance indicators"


def performance_indicators(facts: Facts, period: Period, scheme: SchemeConfig) -> list[Section]:
    cases = facts.cases
    ordered = [c for c in cases if c.row.get("works_order_at")]
    end_of_period = datetime(period.end.year, period.end.month, period.end.day) + timedelta(days=1)

    def contact_samples(within: timedelta | None) -> list[tuple[date | None, bool, str]]:
        samples = []
        for c in ordered:
            made, ordered_at = first_contact(c), c.row["works_order_at"]
            deadline = ordered_at + within if within else None
            given_up = c.row.get("contact_not_established") or c.row.get("cancelled_on")
            if made is None and not given_up and (deadline is None or deadline >= end_of_period):
                continue  # still trying, and not late yet
            met = made is not None and (deadline is None or made <= deadline)
            samples.append((c.day("works_order_at"), met, c.case_id))
        return samples

    offered = [(c, took_up(c)) for c in cases if c.row.get("accepted_on")]
    declined_offer = [c for c, took in offered if took is False]
    done = [c for c in cases if c.row.get("completed_at")]
    channels = [(m["channel"], _day(m["attempted_at"])) for c in cases for m in c.contacts]
    channels += [(f["channel"], f["contact_on"]) for c in cases for f in c.follow_ups]
    feedback = [f for c in cases for f in c.feedback]
    complaints = facts.complaints

    def completed(c: CaseFacts) -> date | None:
        return c.day("completed_at")

    indicators = Section(
        indicators_title(scheme),
        [
            percent_row(
                "Percentage of clients contacted within 24 hours",
                period,
                contact_samples(timedelta(hours=24)),
            ),
            percent_row(
                "Percentage of clients the service was able to successfully contact",
                period,
                contact_samples(None),
            ),
            percent_row(
                "Percentage of clients taking up the service when offered",
                period,
                [(c.day("accepted_on"), bool(took), c.case_id) for c, took in offered if took is not None],
            ),
            *(
                count_days(f"Contacts by {channel}", period, [d for ch, d in channels if ch == channel])
                for channel in CHANNELS
            ),
            count_row(
                "Clients with children in household",
                period,
                done,
                completed,
                lambda c: int((c.row.get("children_count") or 0) > 0),
            ),
            count_row(
                "Total number of children in households",
                period,
                done,
                completed,
                lambda c: int(c.row.get("children_count") or 0),
            ),
            count_days("Complaints received", period, [x["received_on"] for x in complaints]),
            count_days("Complaints resolved", period, [x["resolved_on"] for x in complaints]),
            count_days(
                "Complaints resolved in accordance with the complaints procedure",
                period,
                [x["resolved_on"] for x in complaints if x["within_procedure"]],
            ),
            percent_row(
                "Percentage of clients offered the opportunity to give feedback",
                period,
                _feedback_offered(done, period, scheme),
            ),
            count_days("Feedback forms completed", period, [f["received_on"] for f in feedback]),
            percent_row(
                "Percentage of clients giving feedback who were satisfied or very satisfied",
                period,
                [(f["received_on"], bool(f["satisfied"]), f["case_id"]) for f in feedback],
            ),
        ],
        # The same figure as the template's row: hidden together, or one would give the other away.
        [
            Relation(
                f"{DEPENDENT_CHILDREN}::{DEPENDENT_CHILDREN}", ("Total number of children in households",)
            )
        ],
        note="Contacts by channel: the contractor's contact attempts and the coordinator's follow-ups.",
    )
    for row in indicators.rows:
        # Case references only where a coordinator acts on them: the clients not reached in time.
        if row.kind is Kind.PERCENT and "contact" not in row.label.lower():
            row.cases = []
    reasons = sorted({no_take_up_reason(c) for c in declined_offer})
    no_take_up = Section(
        "Reasons for no take-up of the service when offered",
        [
            count_row(
                r,
                period,
                declined_offer,
                lambda c: c.day("accepted_on"),
                where(no_take_up_reason, r),
            )
            for r in reasons
        ],
        note="Counted in the quarter the referral was accepted.",
    )
    closed = [c for c in done if c.row.get("closed_on")]
    outcomes = Section(
        "Safety outcomes for clients at point of case closure",
        [
            count_row(
                o.value,
                period,
                closed,
                lambda c: c.day("closed_on"),
                where(lambda c: c.row.get("safety_outcome"), o.value),
            )
            for o in R.SafetyOutcome
        ],
        note="Clients whose installation was completed, counted in the quarter the case was closed.",
    )
    return [indicators, no_take_up, outcomes]


def _feedback_offered(
    done: list[CaseFacts], period: Period, scheme: SchemeConfig
) -> list[tuple[date | None, bool, str]]:
    """Clients who consented to follow-up contact, by the quarter their installation was completed:
    offered the chance to give feedback once reached after the installation (a follow-up contact
    made, or a feedback form received); late once the first follow-up contact's window has passed."""
    months = min(scheme.timescales.follow_up_contact_months, default=3)
    samples: list[tuple[date | None, bool, str]] = []
    for c in done:
        if c.row.get("follow_up_consent") is False:
            continue
        completed = c.day("completed_at")
        assert completed is not None
        reached = any(
            f["outcome"] == FOLLOW_UP_MADE and f["contact_on"] >= completed for f in c.follow_ups
        ) or bool(c.feedback)
        if not reached and completed + relativedelta(months=months) + timedelta(days=14) >= period.end:
            continue  # not due yet
        samples.append((completed, reached, c.case_id))
    return samples
