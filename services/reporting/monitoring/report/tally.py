"""What the template's rows count, tallied per quarter: from the read models in SQL (``tally_sql.SqlTally``,
what ``sanctuary report`` runs: GROUP BY quarter and category, so the cost follows the number of
distinct answers rather than the number of cases), or from cases held in memory (``FactsTally``,
the same rules case by case, for reports built from plain records).

Each tally is per quarter of the date that places a case in the period (the names in ``WHEN``);
a case whose date is outside the period, or unknown, is in no quarter. Both give the same figures:
the rules are the ones ``facts.CaseFacts`` states.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from services.reporting.monitoring.report.facts import CaseFacts, Facts
from services.reporting.monitoring.report.quarters import QUARTERS, Period

PerQuarter = dict[str, Counter[Any]]  # quarter -> how many of each value (or the sum of a value)
PREFER_NOT_TO_SAY = "Prefer not to say"
# The dates that place a case in a quarter.
WHEN = ("received", "accepted", "not_accepted", "cancelled", "completed")
# Tallied under "all", whatever the period: every case, and every case not accepted (on any day).
EVER = ("any", "not_accepted_ever")
DECLINED = "declined"  # a key that is no column: whether the coordinator declined the case


def empty() -> PerQuarter:
    return {q: Counter() for q in QUARTERS}


class Other:
    """Any value of a column other than the ones asked for (NULL included); equal to none of them."""

    def __repr__(self) -> str:
        return "OTHER"


OTHER = Other()
SUM = "sum"  # prefetch a column's sum (as the count of value 1) rather than its values


class Tally(Protocol):
    def prefetch(self, when: str, wanted: dict[str, tuple[object, ...] | str]) -> None:
        """Say ahead which single-column counts of ``when`` will be asked for, and which values of
        each matter (the rest may come back as OTHER), or SUM for a count of a number's total: the
        SQL tally then counts them all in one pass."""
        ...

    def counts(self, when: str, keys: tuple[str, ...] = ()) -> PerQuarter:
        """Cases by quarter of ``when`` and by the values of ``keys`` (case columns, or DECLINED);
        ``when`` in EVER counts cases whatever the period, under the quarter "all"."""
        ...

    def case_ids(self, when: str, key: str | None = None, value: object = None) -> list[str]:
        """The cases counted in the period by ``when`` (with ``key`` equal to ``value``), in order."""
        ...

    def units(self) -> PerQuarter:
        """Units of each measure category fitted, by quarter of completion."""
        ...

    def spends(self) -> PerQuarter:
        """Households whose installation was completed, by quarter and by what was spent on them."""
        ...

    def waits(self) -> PerQuarter:
        """Completed installations by quarter and (day received, day completed)."""
        ...

    def disabilities(self) -> tuple[PerQuarter, Counter[str]]:
        """Completed cases by quarter and disability, and per quarter those with none answered
        (none, or "Prefer not to say" only)."""
        ...

    def child_ages(self) -> PerQuarter:
        """Children's ages (where given) in households whose installation was completed."""
        ...

    def undecided(self, day: date, before: bool) -> int:
        """Referrals received and neither accepted nor not accepted, before (or by) ``day``."""
        ...

    def approved_waiting(self, end: date) -> tuple[Decimal, int]:
        """Estimated cost and number of cases approved by ``end`` and not installed, cancelled or
        closed by then."""
        ...


# -- from cases in memory -------------------------------------------------------------------------


def _key_of(c: CaseFacts, key: str) -> object:
    return bool(c.row.get("declined_on")) if key == DECLINED else c.row.get(key)


class FactsTally:
    def __init__(self, facts: Facts, period: Period) -> None:
        self.cases = facts.cases
        self.period = period
        self._when: dict[str, Callable[[CaseFacts], date | None]] = {
            "received": lambda c: c.day("referral_received_on"),
            "accepted": lambda c: c.day("accepted_on"),
            "not_accepted": CaseFacts.not_accepted_on,
            "cancelled": lambda c: c.day("cancelled_on"),
            "completed": lambda c: c.day("completed_at"),
        }

    def prefetch(self, when: str, wanted: dict[str, tuple[object, ...] | str]) -> None:
        return None

    def _placed(self, when: str) -> list[tuple[str, CaseFacts]]:
        of = self._when[when]
        return [(q, c) for c in self.cases if (q := self.period.quarter_of(of(c)))]

    def counts(self, when: str, keys: tuple[str, ...] = ()) -> PerQuarter:
        if when in EVER:
            cases = [c for c in self.cases if when == "any" or c.not_accepted_on() is not None]
            return {"all": Counter(tuple(_key_of(c, k) for k in keys) for c in cases)}
        out = empty()
        for q, c in self._placed(when):
            out[q][tuple(_key_of(c, k) for k in keys)] += 1
        return out

    def case_ids(self, when: str, key: str | None = None, value: object = None) -> list[str]:
        return [c.case_id for _, c in self._placed(when) if key is None or _key_of(c, key) == value]

    def units(self) -> PerQuarter:
        out = empty()
        for q, c in self._placed("completed"):
            for m in c.measures:
                out[q][m["category"]] += int(m["quantity"])
        return out

    def spends(self) -> PerQuarter:
        out = empty()
        for q, c in self._placed("completed"):
            out[q][c.spend] += 1
        return out

    def waits(self) -> PerQuarter:
        out = empty()
        for q, c in self._placed("completed"):
            received = c.day("referral_received_on")
            if received:
                out[q][(received, c.day("completed_at"))] += 1
        return out

    def disabilities(self) -> tuple[PerQuarter, Counter[str]]:
        out, unknown = empty(), Counter[str]()
        for q, c in self._placed("completed"):
            for d in set(c.disabilities):
                out[q][d] += 1
            if not set(c.disabilities) - {PREFER_NOT_TO_SAY}:
                unknown[q] += 1
        return out, unknown

    def child_ages(self) -> PerQuarter:
        out = empty()
        for q, c in self._placed("completed"):
            for age in c.child_ages:
                if age is not None:
                    out[q][age] += 1
        return out

    def undecided(self, day: date, before: bool) -> int:
        def by(d: date | None) -> bool:
            return d is not None and (d < day if before else d <= day)

        return sum(
            1
            for c in self.cases
            if by(c.day("referral_received_on")) and not (by(c.day("accepted_on")) or by(c.not_accepted_on()))
        )

    def approved_waiting(self, end: date) -> tuple[Decimal, int]:
        def by(d: date | None) -> bool:
            return d is not None and d <= end

        waiting = [
            Decimal(str(c.row["approved_cost_gbp"]))
            for c in self.cases
            if c.row.get("approved_on") is not None
            and c.row["approved_on"] <= end
            and not by(c.day("completed_at"))
            and not by(c.day("cancelled_on"))
            and not by(c.day("closed_on"))
        ]
        return sum(waiting, Decimal(0)), len(waiting)
