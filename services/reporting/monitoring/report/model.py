"""The report as data, separate from how it is rendered: sections of rows with Q1-Q4 and Total.

A value of ``None`` in a published report means "suppressed" (funder audience only), "no cases
to average" (an average or percentage of nothing), or a quarter outside a period shorter than a year.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.reporting.monitoring.report.quarters import COLUMNS, QUARTERS

Value = int | float | None


class Audience(enum.StrEnum):
    FUNDER = "funder"
    COORDINATOR = "coordinator"


class Kind(enum.StrEnum):
    """What a row holds; suppression treats counts, averages/ranges and percentages differently."""

    COUNT = "count"
    AVERAGE = "average"  # also lowest / highest: suppressed when based on too few cases
    PERCENT = "percent"
    MONEY = "money"  # spend (suppressed when it rests on too few households) and budget
    HEADING = "heading"  # a group heading that carries its group's subtotal


@dataclass
class Row:
    label: str
    values: dict[str, Value]
    kind: Kind = Kind.COUNT
    # How many cases an average / range / percentage / spend rests on, per column (for suppression).
    basis: dict[str, int] = field(default_factory=dict)
    # Numerator and denominator behind a percentage, per column (for suppression).
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Case references behind the row (late or cancelled cases): coordinator audience only.
    cases: list[str] = field(default_factory=list)
    # False for a stock (referrals awaiting a decision on a day): its quarters do not add up to a Total.
    additive: bool = True
    # A figure the scheme configures (budget, target): never hidden, it tells nothing about anyone.
    configured: bool = False

    def value(self, column: str) -> Value:
        return self.values.get(column)


@dataclass(frozen=True)
class Relation:
    """In every column, the ``total`` row equals the sum of the ``parts`` rows, or with ``at_most``
    is at least that sum (labels may name rows of another section as ``"<section title>::<row label>"``)."""

    total: str
    parts: tuple[str, ...]
    at_most: bool = False


@dataclass
class Section:
    title: str
    rows: list[Row]
    relations: list[Relation] = field(default_factory=list)
    note: str = ""

    def row(self, label: str) -> Row:
        for row in self.rows:
            if row.label == label:
                return row
        raise KeyError(label)


@dataclass
class Report:
    period_from: date
    period_to: date
    audience: Audience
    scheme: str
    sections: list[Section]
    # The quarters the period reaches; the others are left blank (a period of one quarter has Q1 only).
    quarters: tuple[str, ...] = QUARTERS
    produced_on: date = field(default_factory=date.today)
    # The cells suppressed for funders, as (section title, row label, column): shown as "*".
    hidden: set[tuple[str, str, str]] = field(default_factory=set)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.quarters, "Total")

    def section(self, title: str) -> Section:
        for section in self.sections:
            if section.title == title:
                return section
        raise KeyError(title)

    def as_json(self) -> dict[str, Any]:
        sections = []
        for section in self.sections:
            rows = []
            for row in section.rows:
                item: dict[str, Any] = {"label": row.label}
                item |= {c: row.values.get(c) for c in COLUMNS}
                hidden = [c for c in COLUMNS if (section.title, row.label, c) in self.hidden]
                if hidden:  # null there means "hidden for funders", not "nothing to report"
                    item["hidden"] = hidden
                if row.cases and self.audience is Audience.COORDINATOR:
                    item["cases"] = list(row.cases)
                rows.append(item)
            entry: dict[str, Any] = {"title": section.title, "rows": rows}
            if section.note:
                entry["note"] = section.note
            sections.append(entry)
        return {
            "period": {"from": self.period_from.isoformat(), "to": self.period_to.isoformat()},
            "quarters": list(self.quarters),
            "produced_on": self.produced_on.isoformat(),
            "audience": self.audience.value,
            "scheme": self.scheme,
            "sections": sections,
        }
