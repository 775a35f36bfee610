"""What one case adds to the day counts of the schemes' own measures: the performance indicators
(performance.py) and the service standards (standards.py). Pure: no I/O.

A count keeps what a rule needs of the case, never the rule's answer, because the answer depends on
the scheme (its working-day calendar, its timescales, its months of follow-up) and the read models
serve every scheme: a stage's count holds the day it was reached and the day the case ended, and the
report works the due date out from the day its clock started when it reads. The rules are the
in-memory ones (``FactsIndicators``, ``FactsStandards``), so the counts follow them case by case.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.reporting.monitoring.report.facts import CaseFacts
from services.reporting.monitoring.report.performance import (
    FOLLOW_UP_MADE,
    first_contact,
    no_take_up_reason,
    took_up,
)
from services.reporting.monitoring.report.standards import STAGES, ended_on

# Kinds of count, each by the day that places a case in a quarter for its rule.
CONTACT = "contact"  # by works order: [contact made, made within CONTACT_WITHIN, given up]
TAKE_UP = "take_up"  # by acceptance: [taken up, the reason when not]
NO_TAKE_UP_EVER = "no_take_up_ever"  # every reason an offer was not taken up, whenever (NO_DAY)
CHANNEL = "channel"  # by the day of each contact attempt and follow-up: [channel]
FEEDBACK = "feedback"  # by the day each form was received: [satisfied]
FEEDBACK_OFFERED = "feedback_offered"  # by completion, consent not refused: [reached afterwards]
SAFETY_OUTCOME = "safety_outcome"  # completed cases, by the day closed: [outcome]
FOLLOW_UP = "follow_up"  # by completion: [consent refused, closed on, [[kind, contact on], ...]]
CONTACT_WITHIN = timedelta(hours=24)  # the one contact deadline the counts keep

Placed = tuple[str, date, tuple[object, ...]]  # kind, day, answers


def stage_kind(start: str, end: str) -> str:
    """A stage's count by the day its clock started: [the day reached, the day the case ended]."""
    return f"stage:{start}>{end}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def measure_counts(c: CaseFacts, no_day: date) -> list[Placed]:
    """Every count the case adds for the schemes' own measures, one entry per case (or per contact,
    follow-up or form) counted."""
    out: list[Placed] = []
    ended = ended_on(c)
    for start, end in STAGES:
        began = c.day(start)
        if began is not None:
            out.append((stage_kind(start, end), began, (_iso(c.day(end)), _iso(ended))))
    ordered = c.row.get("works_order_at")
    if ordered:
        made = first_contact(c)
        given_up = bool(c.row.get("contact_not_established") or c.row.get("cancelled_on"))
        in_time = made is not None and made <= ordered + CONTACT_WITHIN
        out.append((CONTACT, ordered.date(), (made is not None, in_time, given_up)))
    accepted = c.day("accepted_on")
    took = took_up(c)
    if accepted is not None and took is not None:
        reason = None if took else no_take_up_reason(c)
        out.append((TAKE_UP, accepted, (took, reason)))
        if reason is not None:
            out.append((NO_TAKE_UP_EVER, no_day, (reason,)))
    # A row without its date is in no quarter: counted on no day.
    for m in c.contacts:
        if m["attempted_at"] is not None:
            out.append((CHANNEL, m["attempted_at"].date(), (m["channel"],)))
    follow_ups = [f for f in c.follow_ups if f["contact_on"] is not None]
    for f in follow_ups:
        out.append((CHANNEL, f["contact_on"], (f["channel"],)))
    for form in c.feedback:
        if form["received_on"] is not None:
            out.append((FEEDBACK, form["received_on"], (bool(form["satisfied"]),)))
    completed = c.day("completed_at")
    if completed is None:
        return out
    refused = c.row.get("follow_up_consent") is False
    if not refused:
        reached = bool(c.feedback) or any(
            f["outcome"] == FOLLOW_UP_MADE and f["contact_on"] >= completed for f in follow_ups
        )
        out.append((FEEDBACK_OFFERED, completed, (reached,)))
    closed = c.day("closed_on")
    if closed is not None:
        out.append((SAFETY_OUTCOME, closed, (c.row.get("safety_outcome"),)))
    contacts = sorted([str(f["kind"]), f["contact_on"].isoformat()] for f in follow_ups)
    out.append((FOLLOW_UP, completed, (refused, _iso(closed), contacts)))
    return out
