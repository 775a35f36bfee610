"""The report as data, separate from how it is rendered: sections of rows with Q1-Q4 and Total.

A value of ``None`` in a published report means "suppressed" (funder audience only).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.reporting.report.quarters import COLUMNS

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

    def value(self, column: str) -> Value:
        return self.values.get(column)


@dataclass(frozen=True)
class Relation:
    """In every column, the ``total`` row equals the sum of the ``parts`` rows (labels may name
    rows of another section as ``"<section title>::<row label>"``)."""

    total: str
    parts: tuple[str, ...]


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
    suppressed_cells: int = 0

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
                if row.cases and self.audience is Audience.COORDINATOR:
                    item["cases"] = list(row.cases)
                rows.append(item)
            entry: dict[str, Any] = {"title": section.title, "rows": rows}
            if section.note:
                entry["note"] = section.note
            sections.append(entry)
        return {
            "period": {"from": self.period_from.isoformat(), "to": self.period_to.isoformat()},
            "audience": self.audience.value,
            "scheme": self.scheme,
            "sections": sections,
        }
