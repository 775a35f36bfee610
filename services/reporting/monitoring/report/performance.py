"""The Tower Hamlets performance indicators the events can answer (seed 004, section 15): contact,
take-up and the reasons for no take-up, contacts by channel, children, safety outcomes at closure,
complaints and feedback. (Referrals received and their sources are the template's own rows.)

A case is counted in the quarter its clock started: contact from the works order, take-up from the
coordinator's acceptance, children and feedback from the completed installation. A case whose
outcome is not known yet (no contact made and none given up on; an offer neither taken up nor
refused) is left out of a percentage until it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from dateutil.relativedelta import relativedelta

from services.reporting.monitoring.report.facts import CaseFacts, Facts
from services.reporting.monitoring.report.model import Kind, Relation, Section
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.rows import PerQuarter, Shares, shares_of, shares_row, tally_row
from services.reporting.monitoring.report.tally import empty
from shared.contracts import contractor as K
from shared.contracts import referral as R
from shared.scheme import SchemeConfig

CHANNELS = tuple(c.value for c in K.ContactChannel)
CONTACT_MADE = K.ContactOutcome.CONTACT_MADE.value
FOLLOW_UP_MADE = R.FollowUpOutcome.CONTACT_MADE.value
DEPENDENT_CHILDREN = "Number of dependent children"


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def capitalised(reason: str) -> str:
    # Closure reasons are stored in lower case; a report row starts with a capital like its neighbours.
    return reason[:1].upper() + reason[1:]


def follow_up_months(scheme: SchemeConfig) -> int:
    """The first follow-up contact's month: a client is offered feedback by then."""
    return min(scheme.timescales.follow_up_contact_months, default=3)


def feedback_due(completed: date, months: int) -> date:
    """The last day a client whose installation was completed that day is still waiting for the
    chance to give feedback: the first follow-up contact's window closes two weeks after it."""
    return completed + relativedelta(months=months) + timedelta(days=14)


class Indicators(Protocol):
    """What the performance indicators count: from the read models in SQL
    (performance_sql.SqlIndicators) or from cases in memory (FactsIndicators), by the same rules."""

    def contact(self, within: timedelta | None) -> Shares:
        """Cases by the quarter of their works order: contact made (within ``within`` of the order).
        Left out while still being tried and not late yet."""
        ...

    def take_up(self) -> Shares:
        """Accepted cases by the quarter of acceptance: taken up (installed, or works started and not
        cancelled) or not (cancelled or closed first); left out while neither."""
        ...

    def channels(self) -> PerQuarter:
        """Contact attempts and follow-ups by quarter and (channel,)."""
        ...

    def children(self) -> PerQuarter:
        """Completed installations by quarter and (children in the household,)."""
        ...

    def complaints(self) -> tuple[PerQuarter, PerQuarter]:
        """Complaints received by quarter; resolved by quarter and (within procedure,)."""
        ...

    def feedback(self) -> PerQuarter:
        """Feedback forms by the quarter received and (satisfied,)."""
        ...

    def feedback_offered(self, months: int) -> Shares:
        """Clients who consented to follow-up contact, by the quarter their installation was completed:
        offered the chance to give feedback once reached after the installation (a follow-up contact
        made, or a feedback form received); late once ``feedback_due`` has passed."""
        ...

    def no_take_up(self) -> tuple[list[str], PerQuarter]:
        """Every reason an offer was not taken up (whenever accepted), and by the quarter accepted and
        (reason,)."""
        ...

    def safety_outcomes(self) -> PerQuarter:
        """Completed cases closed, by the quarter closed and (safety outcome,)."""
        ...


def indicators_title(scheme: SchemeConfig) -> str:
    return f"{scheme.name} performance indicators"


def _equals(wanted: object) -> Callable[[tuple[object, ...]], int]:
    return lambda key: int(key[0] == wanted)


def performance_indicators(source: Indicators, period: Period, scheme: SchemeConfig) -> list[Section]:
    channels = source.channels()
    children = source.children()
    received, resolved = source.complaints()
    feedback = source.feedback()
    indicators = Section(
        indicators_title(scheme),
        [
            shares_row(
                "Percentage of clients contacted within 24 hours", source.contact(timedelta(hours=24))
            ),
            shares_row(
                "Percentage of clients the service was able to successfully contact", source.contact(None)
            ),
            shares_row("Percentage of clients taking up the service when offered", source.take_up()),
            *(tally_row(f"Contacts by {channel}", channels, _equals(channel)) for channel in CHANNELS),
            tally_row("Clients with children in household", children, lambda k: int((k[0] or 0) > 0)),
            tally_row("Total number of children in households", children, lambda k: int(k[0] or 0)),
            tally_row("Complaints received", received),
            tally_row("Complaints resolved", resolved),
            tally_row(
                "Complaints resolved in accordance with the complaints procedure",
                resolved,
                lambda k: int(bool(k[0])),
            ),
            shares_row(
                "Percentage of clients offered the opportunity to give feedback",
                source.feedback_offered(follow_up_months(scheme)),
            ),
            tally_row("Feedback forms completed", feedback),
            shares_row(
                "Percentage of clients giving feedback who were satisfied or very satisfied",
                _satisfied(feedback),
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
    reasons, declined = source.no_take_up()
    no_take_up = Section(
        "Reasons for no take-up of the service when offered",
        [tally_row(r, declined, _equals(r)) for r in reasons],
        note="Counted in the quarter the referral was accepted.",
    )
    outcomes = source.safety_outcomes()
    closed = Section(
        "Safety outcomes for clients at point of case closure",
        [tally_row(o.value, outcomes, _equals(o.value)) for o in R.SafetyOutcome],
        note="Clients whose installation was completed, counted in the quarter the case was closed.",
    )
    return [indicators, no_take_up, closed]


def _satisfied(feedback: PerQuarter) -> Shares:
    out = Shares()
    for quarter, counter in feedback.items():
        for (satisfied,), n in counter.items():
            out.add(quarter, n if satisfied else 0, n)
    return out


# -- from cases in memory -------------------------------------------------------------------------


def first_contact(c: CaseFacts) -> datetime | None:
    made = [m["attempted_at"] for m in c.contacts if m["outcome"] == CONTACT_MADE]
    return min(made) if made else None


def took_up(c: CaseFacts) -> bool | None:
    if c.row.get("completed_at"):
        return True
    if c.row.get("cancelled_on") or c.row.get("closed_on"):
        return False
    return True if c.row.get("works_started_at") else None


def no_take_up_reason(c: CaseFacts) -> str:
    return capitalised(str(c.row.get("cancellation_reason") or c.row.get("closure_reason") or "Other"))


class FactsIndicators:
    def __init__(self, facts: Facts, period: Period) -> None:
        self.cases, self.complaint_rows, self.period = facts.cases, facts.complaints, period

    def _tally(self, placed: Sequence[tuple[date | None, tuple[object, ...]]]) -> PerQuarter:
        out = empty()
        for day, key in placed:
            quarter = self.period.quarter_of(day)
            if quarter:
                out[quarter][key] += 1
        return out

    def contact(self, within: timedelta | None) -> Shares:
        end = self.period.end
        end_of_period = datetime(end.year, end.month, end.day) + timedelta(days=1)
        samples = []
        for c in self.cases:
            if not c.row.get("works_order_at"):
                continue
            made, ordered_at = first_contact(c), c.row["works_order_at"]
            deadline = ordered_at + within if within else None
            given_up = c.row.get("contact_not_established") or c.row.get("cancelled_on")
            if made is None and not given_up and (deadline is None or deadline >= end_of_period):
                continue  # still trying, and not late yet
            met = made is not None and (deadline is None or made <= deadline)
            samples.append((c.day("works_order_at"), met, c.case_id))
        return shares_of(self.period, samples)

    def take_up(self) -> Shares:
        offered = [(c, took_up(c)) for c in self.cases if c.row.get("accepted_on")]
        return shares_of(
            self.period,
            [(c.day("accepted_on"), bool(took), c.case_id) for c, took in offered if took is not None],
        )

    def channels(self) -> PerQuarter:
        placed = [(_day(m["attempted_at"]), (m["channel"],)) for c in self.cases for m in c.contacts]
        placed += [(f["contact_on"], (f["channel"],)) for c in self.cases for f in c.follow_ups]
        return self._tally(placed)

    def children(self) -> PerQuarter:
        done = [c for c in self.cases if c.row.get("completed_at")]
        return self._tally([(c.day("completed_at"), (c.row.get("children_count"),)) for c in done])

    def complaints(self) -> tuple[PerQuarter, PerQuarter]:
        rows = self.complaint_rows
        received = self._tally([(x["received_on"], ()) for x in rows])
        return received, self._tally([(x["resolved_on"], (x["within_procedure"],)) for x in rows])

    def feedback(self) -> PerQuarter:
        return self._tally(
            [(f["received_on"], (bool(f["satisfied"]),)) for c in self.cases for f in c.feedback]
        )

    def feedback_offered(self, months: int) -> Shares:
        samples: list[tuple[date | None, bool, str]] = []
        for c in self.cases:
            completed = c.day("completed_at")
            if completed is None or c.row.get("follow_up_consent") is False:
                continue
            reached = any(
                f["outcome"] == FOLLOW_UP_MADE and f["contact_on"] >= completed for f in c.follow_ups
            ) or bool(c.feedback)
            if not reached and feedback_due(completed, months) >= self.period.end:
                continue  # not due yet
            samples.append((completed, reached, c.case_id))
        return shares_of(self.period, samples)

    def no_take_up(self) -> tuple[list[str], PerQuarter]:
        declined = [c for c in self.cases if c.row.get("accepted_on") and took_up(c) is False]
        reasons = sorted({no_take_up_reason(c) for c in declined})
        return reasons, self._tally([(c.day("accepted_on"), (no_take_up_reason(c),)) for c in declined])

    def safety_outcomes(self) -> PerQuarter:
        closed = [c for c in self.cases if c.row.get("completed_at") and c.row.get("closed_on")]
        return self._tally([(c.day("closed_on"), (c.row.get("safety_outcome"),)) for c in closed])
