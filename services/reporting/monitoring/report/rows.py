"""Building a report row from what was counted per quarter (report/tally.py and the scheme's own
measures): counts, averages and ranges, percentages and money, each quarter's figure and the Total."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.reporting.monitoring.report.model import Kind, Row, Value
from services.reporting.monitoring.report.quarters import COLUMNS, Period


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


def only_total(value: Value) -> dict[str, Value]:
    """A figure for the whole period (budget, target): the quarter columns stay empty."""
    return {**dict.fromkeys(COLUMNS), "Total": value}


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
