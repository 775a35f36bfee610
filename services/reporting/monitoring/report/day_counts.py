"""What one case adds to the report's day counts. Pure: no I/O.

The read models keep, beside the cases, how many cases (or units, or pounds) each day holds of each
answer the template counts: the cases completed on a day by gender, the units of each measure
category fitted in installations completed that day, and so on. The report then adds up the days of
each quarter, so its cost follows the number of days and distinct answers, not the number of cases.

A count is keyed by (kind, day, value, until): ``value`` the answers (a JSON list, of any length;
the table keys it by its digest), ``until`` the day a stock stops counting a case (a referral
decided, an approved installation done; NEVER while it has not). The rules are the in-memory
tally's (``tally.FactsTally``), case by case, so a case's counts can be worked out again from its
rows at any time: the store subtracts what a case added before a batch and adds what it adds
after, in the batch's own transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import orjson

from services.reporting.monitoring.report.facts import CaseFacts
from services.reporting.monitoring.report.measure_counts import measure_counts
from services.reporting.monitoring.report.tally import DECLINED, PREFER_NOT_TO_SAY

NO_DAY = date(1, 1, 1)  # the day of a count that belongs to none ("ever" counts)
NEVER = date(9999, 12, 31)  # the ``until`` of a stock that still counts the case
NOT_ACCEPTED_KEYS = (DECLINED, "decline_reason", "safeguarding_recipient")
RISK_KEYS = ("risk_level", "form_ric_score", "marac_referral", "form_marac_referral")
# The single answers the template breaks completed installations down by.
COMPLETED_COLUMNS = (
    "gender",
    "gender_identity_differs",
    "ethnicity",
    "interpreter_needed",
    "age_band",
    "nrpf",
    "pregnant",
    "other_support_needs",
    "accommodation_type",
    "tenure_type",
    "children_count",
    "arson_risk",
)
# The counts kept per day: (when, keys) as ``Tally.counts`` is asked for them. Any other is
# counted from the cases themselves.
KEPT: dict[str, tuple[tuple[str, ...], ...]] = {
    "completed": ((), *((c,) for c in COMPLETED_COLUMNS), RISK_KEYS),
    "received": ((), ("referral_source",)),
    "accepted": ((),),
    "not_accepted": ((), NOT_ACCEPTED_KEYS),
    "cancelled": ((), ("cancellation_reason",)),
    "any": (("cancellation_reason",),),
    "not_accepted_ever": (NOT_ACCEPTED_KEYS,),
}
# Every column of the case's row the counts read: a change to any other moves no count, so the
# store need not count a case again for it (the contact's due time, the installation's cost).
COUNTED_CASE_COLUMNS = frozenset(
    {
        *COMPLETED_COLUMNS,
        *RISK_KEYS,
        "referral_source",
        "decline_reason",
        "safeguarding_recipient",
        "cancellation_reason",
        "referral_received_on",
        "accepted_on",
        "declined_on",
        "safeguarding_on",
        "cancelled_on",
        "completed_at",
        "approved_on",
        "approved_cost_gbp",
        "closed_on",
        # The schemes' own measures (measure_counts.py): stages, contact, take-up, closure.
        "cpo_opened_at",
        "assessed_at",
        "works_order_at",
        "works_started_at",
        "fire_check_at",
        "follow_up_consent",
        "contact_not_established",
        "closure_reason",
        "safety_outcome",
    }
)
# Kinds that are not counts of a date's cases.
UNITS, SPEND, WAIT, DISABILITY, NO_DISABILITY, CHILD_AGE = (
    "units",
    "spend",
    "wait",
    "disability",
    "no_disability",
    "child_age",
)
DECISION, APPROVED = "decision", "approved"  # stocks: received until decided, approved until done

Key = tuple[str, date, str, date]  # kind, day, value, until
ZERO = Decimal(0)


class Counts(NamedTuple):
    """What keys count: cases (or units) each, and pounds for the keys that sum an amount."""

    n: Counter[Key]
    pounds: dict[Key, Decimal]

    def rows(self) -> list[tuple[Key, int, Decimal]]:
        """Each key that counts anything, with its count and pounds."""
        keys = {k for k, n in self.n.items() if n} | {k for k, p in self.pounds.items() if p}
        return [(k, self.n.get(k, 0), self.pounds.get(k, ZERO)) for k in sorted(keys)]


def counts_kind(when: str, keys: tuple[str, ...]) -> str:
    return f"{when}:{','.join(keys)}"


def encode(values: Iterable[object]) -> str:
    """The answers as stored: JSON keeps None, booleans, whole numbers and text apart."""
    return orjson.dumps(list(values)).decode()


def decode(value: str) -> tuple[object, ...]:
    return tuple(orjson.loads(value))


def key_of(c: CaseFacts, key: str) -> object:
    return bool(c.row.get("declined_on")) if key == DECLINED else c.row.get(key)


_DAY_OF = {
    "received": "referral_received_on",
    "accepted": "accepted_on",
    "cancelled": "cancelled_on",
    "completed": "completed_at",
}
_KINDS = {(when, keys): counts_kind(when, keys) for when, key_sets in KEPT.items() for keys in key_sets}


def when_day(c: CaseFacts, when: str) -> date | None:
    """The day that places the case by ``when`` (None: not placed); NO_DAY for the "ever" counts."""
    if when == "any":
        return NO_DAY
    if when == "not_accepted_ever":
        return NO_DAY if c.not_accepted_on() is not None else None
    if when == "not_accepted":
        return c.not_accepted_on()
    return c.day(_DAY_OF[when])


def case_counts(c: CaseFacts, into: Counts | None = None) -> Counts:
    """Everything the case adds to the day counts; with ``into``, added to those and returned (a
    pass over every case then keeps one tally rather than a tally per case to be summed after)."""
    counts = Counts(Counter(), {}) if into is None else into
    out, pounds = counts
    add = _adder(out)
    for when, key_sets in KEPT.items():
        day = when_day(c, when)
        if day is None:
            continue
        for keys in key_sets:
            add((_KINDS[(when, keys)], day, encode([key_of(c, k) for k in keys]), NEVER), 1)
    completed = c.day("completed_at")
    if completed is not None:
        for m in c.measures:
            add((UNITS, completed, encode([m["category"]]), NEVER), int(m["quantity"]))
        spend = c.spend.quantize(Decimal("0.01"))
        add((SPEND, completed, encode([str(spend)]), NEVER), 1)
        received = c.day("referral_received_on")
        if received is not None:
            add((WAIT, completed, encode([received.isoformat()]), NEVER), 1)
        for d in set(c.disabilities):
            add((DISABILITY, completed, encode([d]), NEVER), 1)
        if not set(c.disabilities) - {PREFER_NOT_TO_SAY}:
            add((NO_DISABILITY, completed, "[]", NEVER), 1)
        for age in c.child_ages:
            if age is not None:
                add((CHILD_AGE, completed, encode([age]), NEVER), 1)
    received = c.day("referral_received_on")
    if received is not None:
        decided = c.day("accepted_on") if c.row.get("accepted_on") else c.not_accepted_on()
        add((DECISION, received, "[]", decided or NEVER), 1)
    approved = c.row.get("approved_on")
    if isinstance(approved, date):
        ended = [d for d in (c.day("completed_at"), c.day("cancelled_on"), c.day("closed_on")) if d]
        key = (APPROVED, approved, "[]", min(ended, default=NEVER))
        add(key, 1)
        cost = c.row.get("approved_cost_gbp")
        if cost is not None:
            pounds[key] = pounds.get(key, ZERO) + Decimal(str(cost))
    for kind, day, answers in measure_counts(c, NO_DAY):
        add((kind, day, encode(answers), NEVER), 1)
    return counts


def _adder(counts: Counter[Key]) -> Callable[[Key, int], None]:
    """``counts[key] += n`` without Counter's lookup of a missing key through Python."""
    get = counts.get

    def add(key: Key, n: int) -> None:
        counts[key] = get(key, 0) + n

    return add


def difference(before: Iterable[Counts], after: Iterable[Counts]) -> Counts:
    """What to add to the stored counts to go from the cases ``before`` to the cases ``after``
    (negative where a case no longer counts; a key that does not move counts 0)."""
    n: Counter[Key] = Counter()
    pounds: dict[Key, Decimal] = {}
    for sign, sides in ((-1, before), (1, after)):
        for counts in sides:
            if sign < 0:
                n.subtract(counts.n)
            else:
                n.update(counts.n)
            for key, amount in counts.pounds.items():
                pounds[key] = pounds.get(key, ZERO) + sign * amount
    return Counts(n, pounds)
