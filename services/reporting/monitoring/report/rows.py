"""Building a report row from cases: counts, averages and ranges, percentages and money, each put in
the quarter of the date that places it in the period (and in Total)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.reporting.monitoring.report.facts import CaseFacts
from services.reporting.monitoring.report.model import Kind, Row, Value
from services.reporting.monitoring.report.quarters import COLUMNS, QUARTERS, Period

When = Callable[[CaseFacts], date | None]
Weight = Callable[[CaseFacts], int]


def count_row(
    label: str, period: Period, cases: Iterable[CaseFacts], when: When, weight: Weight, listed: bool = False
) -> Row:
    """Sum of ``weight`` per quarter of ``when``. ``listed``: the coordinator sees the cases counted
    (cancelled installations); other counts carry no case references."""
    values: dict[str, Value] = dict.fromkeys(COLUMNS, 0)
    refs: list[str] = []
    for case in cases:
        quarter = period.quarter_of(when(case))
        n = weight(case) if quarter else 0
        if quarter and n:
            values[quarter] = int(values[quarter] or 0) + n
            values["Total"] = int(values["Total"] or 0) + n
            refs.append(case.case_id)
    return Row(label, values, Kind.COUNT, cases=refs if listed else [])


def awaiting_row(label: str, period: Period, cases: Iterable[CaseFacts], at_end: bool) -> Row:
    """Referrals received and neither accepted nor not accepted, on the first day of each quarter
    (``at_end``: the last day); the Total column on the period's first (last) day. A stock, so its
    quarters do not add up to the Total."""
    values: dict[str, Value] = {}
    bounds = dict(zip(QUARTERS, period.quarter_bounds(), strict=True))
    bounds["Total"] = (period.start, period.end)
    for column, (first, last) in bounds.items():
        if first > period.end:
            values[column] = 0
            continue
        # At the start: received before the day and undecided before it; at the end: by the day.
        day, before = (last, False) if at_end else (first, True)
        values[column] = sum(1 for c in cases if _undecided(c, day, before))
    return Row(label, values, Kind.COUNT, additive=False)


def _undecided(case: CaseFacts, day: date, before: bool) -> bool:
    def by(d: date | None) -> bool:
        return d is not None and (d < day if before else d <= day)

    decided = by(case.day("accepted_on")) or by(case.not_accepted_on())
    return by(case.day("referral_received_on")) and not decided


def where(value_of: Callable[[CaseFacts], object], wanted: object) -> Weight:
    """Weight 1 for the cases whose ``value_of`` is ``wanted``."""
    return lambda c: int(value_of(c) == wanted)


def count_days(label: str, period: Period, days: Iterable[date | None]) -> Row:
    """One per date (things that are not cases: contacts, complaints, feedback forms)."""
    values: dict[str, Value] = dict.fromkeys(COLUMNS, 0)
    for day in days:
        quarter = period.quarter_of(day)
        if quarter:
            values[quarter] = int(values[quarter] or 0) + 1
            values["Total"] = int(values["Total"] or 0) + 1
    return Row(label, values, Kind.COUNT)


def average_row(
    label: str,
    period: Period,
    samples: Iterable[tuple[date | None, float]],
    how: str = "mean",
    places: int = 1,
) -> Row:
    """Mean (or lowest / highest) of the samples per quarter; None where a quarter has none."""
    by: dict[str, list[float]] = {c: [] for c in COLUMNS}
    for day, value in samples:
        quarter = period.quarter_of(day)
        if quarter:
            by[quarter].append(value)
            by["Total"].append(value)
    values: dict[str, Value] = {}
    for column, xs in by.items():
        if not xs:
            values[column] = None
        elif how == "min":
            values[column] = rounded(min(xs), places)
        elif how == "max":
            values[column] = rounded(max(xs), places)
        else:
            values[column] = rounded(sum(xs) / len(xs), places)
    return Row(label, values, Kind.AVERAGE, basis={c: len(xs) for c, xs in by.items()})


def rounded(x: float, places: int) -> float:
    """Half up, as people round (Python's round() rounds half to even)."""
    return float(Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass
class Shares:
    """Cases meeting a test out of those tested, per column, and the cases that did not (in order)."""

    met: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    tested: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    missed: list[str] = field(default_factory=list)

    def add(self, quarter: str, met: int, tested: int) -> None:
        for column in (quarter, "Total"):
            self.met[column] += met
            self.tested[column] += tested


def shares_of(period: Period, samples: Iterable[tuple[date | None, bool, str]]) -> Shares:
    """Samples (the date placing it in a quarter, whether the test was met, the case) tallied."""
    out = Shares()
    for day, met, case_id in samples:
        quarter = period.quarter_of(day)
        if not quarter:
            continue
        out.add(quarter, int(met), 1)
        if not met:
            out.missed.append(case_id)
    return out


def shares_row(label: str, shares: Shares) -> Row:
    """Share of cases meeting a test, per quarter; the cases that did not are listed."""
    num, den = shares.met, shares.tested
    values: dict[str, Value] = {c: rounded(100 * num[c] / den[c], 1) if den[c] else None for c in COLUMNS}
    parts = {c: (num[c], den[c]) for c in COLUMNS}
    return Row(label, values, Kind.PERCENT, parts=parts, cases=list(shares.missed))


def percent_row(label: str, period: Period, samples: Iterable[tuple[date | None, bool, str]]) -> Row:
    """Share of cases meeting a test, per quarter of the date; the cases that did not are listed."""
    return shares_row(label, shares_of(period, samples))


def money_row(label: str, period: Period, samples: Iterable[tuple[date | None, Decimal]]) -> Row:
    """Spend per quarter of the date, one sample per household; the households are its basis."""
    totals = dict.fromkeys(COLUMNS, Decimal(0))
    households = dict.fromkeys(COLUMNS, 0)
    for day, amount in samples:
        quarter = period.quarter_of(day)
        if quarter:
            for column in (quarter, "Total"):
                totals[column] += amount
                households[column] += 1
    return Row(label, {c: float(v) for c, v in totals.items()}, Kind.MONEY, basis=households)


def only_total(value: Value) -> dict[str, Value]:
    """A figure for the whole period (budget, target): the quarter columns stay empty."""
    return {**dict.fromkeys(COLUMNS), "Total": value}


# -- rows from tallies (report/tally.py): the same figures, from counts per quarter -------------------

PerQuarter = dict[str, Counter[Any]]


def tally_row(
    label: str,
    tallied: PerQuarter,
    weight: Callable[[Any], int] = lambda _: 1,
    cases: list[str] | None = None,
) -> Row:
    """The sum of ``weight`` of each tallied value, per quarter and in Total."""
    values: dict[str, Value] = dict.fromkeys(COLUMNS, 0)
    for quarter, counter in tallied.items():
        n = sum(weight(value) * times for value, times in counter.items())
        if n:
            values[quarter] = int(values[quarter] or 0) + n
            values["Total"] = int(values["Total"] or 0) + n
    return Row(label, values, Kind.COUNT, cases=cases or [])


def tally_average(label: str, tallied: PerQuarter, how: str = "mean", places: int = 1) -> Row:
    """Mean (or lowest / highest) of the tallied values per quarter; None where a quarter has none."""
    by: dict[str, Counter[Any]] = {c: Counter() for c in COLUMNS}
    for quarter, counter in tallied.items():
        by[quarter].update(counter)
        by["Total"].update(counter)
    values: dict[str, Value] = {}
    for column, xs in by.items():
        present = [float(x) for x, n in xs.items() if n]
        if not present:
            values[column] = None
        elif how == "min":
            values[column] = rounded(min(present), places)
        elif how == "max":
            values[column] = rounded(max(present), places)
        else:
            total = sum((Decimal(str(x)) * n for x, n in xs.items()), Decimal(0))
            values[column] = rounded(float(total) / xs.total(), places)
    return Row(label, values, Kind.AVERAGE, basis={c: xs.total() for c, xs in by.items()})


def tally_money(label: str, tallied: PerQuarter) -> Row:
    """Spend per quarter, the households (tallied by what was spent on each) its basis."""
    totals = dict.fromkeys(COLUMNS, Decimal(0))
    households = dict.fromkeys(COLUMNS, 0)
    for quarter, counter in tallied.items():
        for amount, n in counter.items():
            for column in (quarter, "Total"):
                totals[column] += Decimal(amount) * n
                households[column] += n
    return Row(label, {c: float(v) for c, v in totals.items()}, Kind.MONEY, basis=households)
