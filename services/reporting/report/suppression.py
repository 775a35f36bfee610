"""Small-number suppression for the funder audience, with secondary suppression checked by a
disclosure audit.

Primary: a count of 1 to threshold-1 is hidden; a spend, an average, lowest/highest or percentage
resting on fewer than ``threshold`` cases is hidden (a percentage also when its numerator or the
rest would be a small count). Configured figures (budget, target) rest on no one and are never hidden.

Secondary: relations.py lists every relation a reader of the template knows between the figures;
disclosure.py works out, by linear programming, the interval each hidden cell can lie in given the
shown figures. While some hidden cell is pinned (or a hidden count is known to be a small number),
one more shown figure is hidden for it: the cheapest in a relation with it (a non-zero figure before
a zero, then the one resting on the fewest cases, then an average or percentage before an amount
before a count, then by position, so the same report always hides the same cells). Then the audit
runs again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import structlog

from services.reporting.report.disclosure import Auditor
from services.reporting.report.model import Kind, Report, Row
from services.reporting.report.relations import Cell, Constraint, figures, linearise, relations

log = structlog.get_logger(__name__)

# Among figures resting on as many cases, which to give up first: a derived statistic before an
# amount, an amount before a count (counts carry the breakdowns the funders read).
COST_OF_KIND = {Kind.AVERAGE: 0, Kind.PERCENT: 0, Kind.MONEY: 1, Kind.COUNT: 2, Kind.HEADING: 3}


class CannotProtect(RuntimeError):
    """No shown figure is left to hide for a cell the audit finds exposed (a bug in the relations)."""


def primary(report: Report, threshold: int) -> set[Cell]:
    """The cells hidden for resting on too few cases."""
    hidden = set()
    for section in report.sections:
        for row in section.rows:
            for column in report.columns:
                value = row.values.get(column)
                if value is not None and not row.configured and _too_few(row, column, value, threshold):
                    hidden.add((section.title, row.label, column))
    return hidden


def _too_few(row: Row, column: str, value: float, threshold: int) -> bool:
    if row.kind in (Kind.COUNT, Kind.HEADING):
        return 0 < value < threshold
    if row.kind is Kind.PERCENT:
        return _small_percentage(row.parts.get(column), threshold)
    # Averages, ranges and spend: by the households behind them.
    return bool(row.basis) and 0 < row.basis.get(column, 0) < threshold


def _small_percentage(parts: tuple[int, int] | None, threshold: int) -> bool:
    if parts is None:
        return True
    numerator, denominator = parts
    rest = denominator - numerator
    return denominator < threshold or 0 < numerator < threshold or 0 < rest < threshold


def cases_behind(report: Report) -> dict[Cell, float]:
    """How many cases a figure rests on: what hiding it costs the funders (a count: itself)."""
    weights: dict[Cell, float] = {}
    for section in report.sections:
        for row in section.rows:
            for column in report.columns:
                if row.kind is Kind.PERCENT and column in row.parts:
                    weights[(section.title, row.label, column)] = row.parts[column][1]
                elif column in row.basis:
                    weights[(section.title, row.label, column)] = row.basis[column]
    return weights


def protect(report: Report, threshold: int) -> set[Cell]:
    """The cells to hide: the primary ones, then secondary ones until the audit finds none exposed."""
    values, kinds = figures(report)
    constraints = relations(report, values)
    configured = {
        (s.title, r.label, c) for s in report.sections for r in s.rows if r.configured for c in report.columns
    }
    integer = {c for c, k in kinds.items() if k in (Kind.COUNT, Kind.HEADING)}
    auditor = Auditor(integer, values, threshold)
    around: dict[Cell, list[int]] = {}
    for i, constraint in enumerate(constraints):
        for c in constraint.cells():
            around.setdefault(c, []).append(i)
    weights = cases_behind(report)
    hidden = primary(report, threshold)
    rounds = 0
    while True:
        shown = {c: v for c, v in values.items() if c not in hidden}
        bad = auditor.exposed(hidden, linearise(constraints, hidden, shown))
        if not bad:
            log.debug("suppression done", hidden=len(hidden), rounds=rounds)
            return hidden
        rounds += 1
        hidden |= _partners(bad, hidden | configured, constraints, around, values, kinds, weights)


def _partners(
    bad: list[Cell],
    hidden: set[Cell],
    constraints: list[Constraint],
    around: Mapping[Cell, list[int]],
    values: Mapping[Cell, float],
    kinds: Mapping[Cell, Kind],
    weights: Mapping[Cell, float],
) -> set[Cell]:
    """One more cell to hide for each exposed cell, skipping an exposed cell whose relations already
    lost a cell this round (that may be enough)."""

    def cost(c: Cell) -> tuple[bool, float, int, Cell]:
        return (values[c] == 0, weights.get(c, values[c]), COST_OF_KIND[kinds[c]], c)

    def shown_near(cells: Iterable[Cell]) -> list[Cell]:
        near = {x for c in cells for i in around.get(c, []) for x in constraints[i].cells()}
        return sorted((x for x in near if x not in hidden and x in values), key=cost)

    chosen: set[Cell] = set()
    touched: set[int] = set()
    for cell in bad:
        if touched & set(around.get(cell, [])):
            continue
        candidates = shown_near([cell]) or shown_near(_hidden_group(cell, hidden, constraints, around))
        if not candidates:
            raise CannotProtect("a hidden cell can be worked out and no shown figure is left to hide")
        chosen.add(candidates[0])
        touched |= set(around.get(candidates[0], []))
    return chosen


def _hidden_group(
    start: Cell, hidden: set[Cell], constraints: list[Constraint], around: Mapping[Cell, list[int]]
) -> set[Cell]:
    """The hidden cells linked to ``start`` through relations (a cell worked out along a chain)."""
    group, todo = {start}, [start]
    while todo:
        for i in around.get(todo.pop(), []):
            for x in constraints[i].cells():
                if x in hidden and x not in group:
                    group.add(x)
                    todo.append(x)
    return group


def anonymise(report: Report, threshold: int) -> Report:
    """Hide what the funder audience may not see, in place; returns the report."""
    hidden = protect(report, threshold)
    for section in report.sections:
        for row in section.rows:
            row.cases = []
            for column in report.columns:
                if (section.title, row.label, column) in hidden:
                    row.values[column] = None
    report.hidden = hidden
    report.suppressed_cells = len(hidden)
    return report
