"""Every linear relation between a report's figures that a reader of the template could know, as
constraints ``low <= sum of terms <= high`` over cells (section, row, column).

A reader knows: each row's quarters add up to its Total; each breakdown adds up to the households it
counts and a row counting some of them is at most that (the relations the sections declare); a
figure shown in two places is the same; received referrals are accepted, not accepted or still
awaiting a decision, quarter by quarter, and what awaits at the end of a quarter awaits at the start
of the next; installations completed and cancelled are at most the referrals accepted; the lowest
spend is at most the average and the average at most the highest (and the Total's lowest at most any
quarter's); spend is households times average spend, and the average working days of the Total are
the quarters' averages weighted by their households; a percentage of the household target gives the
households. Figures are published rounded: every relation allows for the rounding.

Spend = households x average is not linear when both factors are hidden: such a term is a
``Term`` with a ``factor``; ``linearise`` turns it into a linear term when one factor is shown and
drops the constraint when neither is (a reader cannot use it either without guessing one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from services.reporting.monitoring.report import template as T
from services.reporting.monitoring.report.model import Kind, Report, Row
from services.reporting.monitoring.report.scheme_measures import BUDGET, SPEND

Cell = tuple[str, str, str]  # (section title, row label, column)

SPENDS = "Spend per household"
DAYS = "Days between referral and installation"
DAYS_ROW = "Average number of days between referral and installation"
TARGET_REACHED = "Percentage of household target reached"
# How far a published figure may be from the exact one: counts are exact, money to the penny,
# averages of spend to the penny, average days and percentages to one decimal place.
PENNY = 0.005
TENTH = 0.05


@dataclass(frozen=True)
class Term:
    """``coefficient x cell``, or with a ``factor`` ``coefficient x cell x (factor + shift)``."""

    coefficient: float
    cell: Cell
    factor: Cell | None = None
    shift: float = 0.0


@dataclass(frozen=True)
class Constraint:
    terms: tuple[Term, ...]
    low: float = -math.inf
    high: float = math.inf

    def cells(self) -> set[Cell]:
        return {t.cell for t in self.terms} | {t.factor for t in self.terms if t.factor}

    def holds(self, values: Mapping[Cell, float]) -> bool:
        total = sum(_term(t, values) for t in self.terms)
        return self.low - 1e-6 <= total <= self.high + 1e-6


def _term(t: Term, values: Mapping[Cell, float]) -> float:
    x = t.coefficient * values[t.cell]
    return x * (values[t.factor] + t.shift) if t.factor else x


def equal(left: Iterable[Cell], right: Iterable[Cell], slack: float = 0.0) -> Constraint:
    """sum(left) = sum(right), to within ``slack``."""
    terms = (*(Term(1.0, c) for c in left), *(Term(-1.0, c) for c in right))
    return Constraint(terms, -slack, slack)


def at_most(small: Iterable[Cell], large: Iterable[Cell], slack: float = 0.0) -> Constraint:
    """sum(small) <= sum(large) (+ ``slack``)."""
    terms = (*(Term(1.0, c) for c in small), *(Term(-1.0, c) for c in large))
    return Constraint(terms, -math.inf, slack)


def figures(report: Report) -> tuple[dict[Cell, float], dict[Cell, Kind]]:
    """Every figure of the report and what it is."""
    values: dict[Cell, float] = {}
    kinds: dict[Cell, Kind] = {}
    for section in report.sections:
        for row in section.rows:
            for column in report.columns:
                value = row.values.get(column)
                if isinstance(value, int | float):
                    values[(section.title, row.label, column)] = float(value)
                    kinds[(section.title, row.label, column)] = row.kind
    return values, kinds


def relations(report: Report, values: Mapping[Cell, float]) -> list[Constraint]:
    """The relations among ``values`` (the exact figures) that hold in this report."""
    found = [*_row_totals(report), *_declared(report), *_referral_flow(report), *_spend(report)]
    found += [*_days(report), *_target(report)]
    return [c for c in found if c.cells() <= values.keys() and c.holds(values)]


def _slack(row: Row) -> float:
    return PENNY if row.kind is Kind.MONEY else 0.0


def _row_totals(report: Report) -> Iterable[Constraint]:
    for section in report.sections:
        for row in section.rows:
            if row.additive and row.kind in (Kind.COUNT, Kind.HEADING, Kind.MONEY):
                quarters = [(section.title, row.label, q) for q in report.quarters]
                yield equal([(section.title, row.label, "Total")], quarters, _slack(row))


def _resolve(section_title: str, label: str) -> tuple[str, str]:
    if "::" in label:
        other, row = label.split("::", 1)
        return other, row
    return section_title, label


def _declared(report: Report) -> Iterable[Constraint]:
    for section in report.sections:
        for relation in section.relations:
            total = _resolve(section.title, relation.total)
            parts = [_resolve(section.title, p) for p in relation.parts]
            slack = PENNY if _kind(report, total) is Kind.MONEY else 0.0
            for column in report.columns:
                whole, pieces = [(*total, column)], [(*p, column) for p in parts]
                yield at_most(pieces, whole) if relation.at_most else equal(whole, pieces, slack)


def _kind(report: Report, where: tuple[str, str]) -> Kind | None:
    try:
        return report.section(where[0]).row(where[1]).kind
    except KeyError:
        return None


def _no_cases(report: Report, section: str, label: str, column: str) -> bool:
    """An average shown as "-": no households to average, which a reader reads as none completed."""
    try:
        return report.section(section).row(label).values.get(column) is None
    except KeyError:
        return False


def _referral_flow(report: Report) -> Iterable[Constraint]:
    def cell(label: str, column: str) -> Cell:
        return (T.REFERRALS, label, column)

    for column in report.columns:
        yield equal(
            [cell(T.AWAITING_START, column), cell(T.RECEIVED, column)],
            [cell(T.ACCEPTED, column), cell(T.NOT_ACCEPTED, column), cell(T.AWAITING_END, column)],
        )
        yield at_most([cell(T.COMPLETED, column), cell(T.CANCELLED, column)], [cell(T.ACCEPTED, column)])
    quarters = report.quarters
    yield equal([cell(T.AWAITING_START, quarters[0])], [cell(T.AWAITING_START, "Total")])
    yield equal([cell(T.AWAITING_END, quarters[-1])], [cell(T.AWAITING_END, "Total")])
    for before, after in pairwise(quarters):
        yield equal([cell(T.AWAITING_END, before)], [cell(T.AWAITING_START, after)])
    for n in range(2, len(quarters) + 1):  # completed and cancelled so far are at most accepted so far
        so_far = quarters[:n]
        done = [cell(label, q) for q in so_far for label in (T.COMPLETED, T.CANCELLED)]
        yield at_most(done, [cell(T.ACCEPTED, q) for q in so_far])


def _spend(report: Report) -> Iterable[Constraint]:
    def households(column: str) -> Cell:
        return (T.REFERRALS, T.COMPLETED, column)

    lowest, highest, average = "Lowest spend", "Highest spend", "Average spend per household"
    for column in report.columns:
        if _no_cases(report, SPENDS, average, column):
            yield equal([households(column)], [])
            continue
        low, high, mean = ((SPENDS, label, column) for label in (lowest, highest, average))
        yield at_most([low], [mean], 2 * PENNY)
        yield at_most([mean], [high], 2 * PENNY)
        for spend in (
            (BUDGET, SPEND, column),
            ("Cost of measures installed", "Total cost of measures installed", column),
        ):
            h = households(column)
            # Each household's spend lies between the lowest and the highest, so their sum does too;
            # the average is the spend over the households, each figure rounded to the penny.
            yield Constraint((Term(1.0, spend), Term(-1.0, h, low, -PENNY)), -PENNY, math.inf)
            yield Constraint((Term(1.0, spend), Term(-1.0, h, high, PENNY)), -math.inf, PENNY)
            yield Constraint((Term(1.0, spend), Term(-1.0, h, mean, -PENNY)), -PENNY, math.inf)
            yield Constraint((Term(1.0, spend), Term(-1.0, h, mean, PENNY)), -math.inf, PENNY)
    for q in report.quarters:
        yield at_most([(SPENDS, lowest, "Total")], [(SPENDS, lowest, q)])
        yield at_most([(SPENDS, highest, q)], [(SPENDS, highest, "Total")])


def _days(report: Report) -> Iterable[Constraint]:
    """Total days = sum over quarters of households x average; each average rounded to a tenth."""

    def h(column: str) -> Cell:
        return (T.REFERRALS, T.COMPLETED, column)

    def d(column: str) -> Cell:
        return (DAYS, DAYS_ROW, column)

    some = [q for q in report.quarters if not _no_cases(report, DAYS, DAYS_ROW, q)]
    if _no_cases(report, DAYS, DAYS_ROW, "Total"):
        return
    for sign in (1.0, -1.0):  # sum(h_q (d_q + s)) - h_T (d_T - s) >= 0 for s = +/- a tenth
        s = sign * TENTH
        terms = (*(Term(sign, h(q), d(q), s) for q in some), Term(-sign, h("Total"), d("Total"), -s))
        yield Constraint(terms, 0.0, math.inf)


def _target(report: Report) -> Iterable[Constraint]:
    """The percentage of the household target reached, shown to a tenth, gives the year's households."""
    try:
        target = report.section(BUDGET).row("Household target").values.get("Total")
    except KeyError:
        return
    if not isinstance(target, int | float) or not target:
        return
    share = target / 100
    households = (BUDGET, "Households with installations completed", "Total")
    reached = (BUDGET, TARGET_REACHED, "Total")
    yield Constraint((Term(1.0, households), Term(-share, reached)), -TENTH * share, TENTH * share)


def linearise(
    constraints: Iterable[Constraint], hidden: set[Cell], shown: Mapping[Cell, float]
) -> list[tuple[dict[Cell, float], float, float]]:
    """The constraints over the hidden cells, the shown figures put in: ``(coefficients, low, high)``.
    A product of two hidden cells cannot be put in: its constraint is left out."""
    out = []
    for constraint in constraints:
        coefficients: dict[Cell, float] = {}
        constant = 0.0
        usable = True
        for t in constraint.terms:
            if t.factor is None:
                if t.cell in hidden:
                    coefficients[t.cell] = coefficients.get(t.cell, 0.0) + t.coefficient
                else:
                    constant += t.coefficient * shown[t.cell]
            elif t.cell not in hidden and t.factor not in hidden:
                constant += t.coefficient * shown[t.cell] * (shown[t.factor] + t.shift)
            elif t.cell not in hidden:
                coefficients[t.factor] = coefficients.get(t.factor, 0.0) + t.coefficient * shown[t.cell]
                constant += t.coefficient * shown[t.cell] * t.shift
            elif t.factor not in hidden:
                k = t.coefficient * (shown[t.factor] + t.shift)
                coefficients[t.cell] = coefficients.get(t.cell, 0.0) + k
            else:
                usable = False
                break
        coefficients = {c: k for c, k in coefficients.items() if k}
        if usable and coefficients:
            out.append((coefficients, constraint.low - constant, constraint.high - constant))
    return out
