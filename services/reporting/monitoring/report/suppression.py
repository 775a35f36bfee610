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

A secondary zero the audit finds fixed at zero protects nothing and hiding more zeros around it
only spreads (a sum of zeros is zero): it is shown again. When an exposed cell has no shown figure
left in its relations, its partner is looked for around every hidden cell linked to it, then among
the zeros shown again (hidden for good then). Each cell is hidden at most twice, so this ends, and
it ends only when the audit finds nothing exposed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import structlog

from services.reporting.monitoring.report.disclosure import Auditor
from services.reporting.monitoring.report.model import Kind, Report, Row
from services.reporting.monitoring.report.relations import Cell, Constraint, figures, linearise, relations

log = structlog.get_logger(__name__)

# Among figures resting on as many cases, which to give up first: a derived statistic before an
# amount, an amount before a count (counts carry the breakdowns the funders read).
COST_OF_KIND = {Kind.AVERAGE: 0, Kind.PERCENT: 0, Kind.MONEY: 1, Kind.COUNT: 2, Kind.HEADING: 3}


class CannotProtect(RuntimeError):
    """Every figure linked to an exposed cell is hidden already: only the configured figures pin it.
    No year is known to reach this; the report would be refused rather than published."""


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
    small = primary(report, threshold)
    hidden = set(small)
    shown_again: set[Cell] = set()  # hidden to no purpose (a reader works them out): shown again
    for_good: set[Cell] = set()  # shown again and then needed after all: hidden for good
    rounds = 0
    while True:
        shown = {c: v for c, v in values.items() if c not in hidden}
        bad = auditor.exposed(hidden, linearise(constraints, hidden, shown))
        if not bad:
            log.debug("suppression done", hidden=len(hidden), rounds=rounds, shown_again=len(shown_again))
            return hidden
        rounds += 1
        futile = {c for c in auditor.pinned - small - for_good if values[c] == 0}
        if futile:
            # A secondary zero a reader works out from what is shown protects nothing, and hiding
            # more around it only spreads (a sum of zeros is zero): show it again. Its figure is
            # fixed already, so no other cell's interval changes (an amount is fixed only to within
            # the rounding: then the audit starts afresh).
            hidden -= futile
            shown_again |= futile
            if futile - integer:
                auditor.safe.clear()
            bad = [c for c in bad if c not in futile]
        if bad:
            extra = _partners(
                bad, hidden, configured, shown_again, constraints, around, values, kinds, weights
            )
            for_good |= extra & shown_again
            shown_again -= extra
            hidden |= extra


def _partners(
    bad: list[Cell],
    hidden: set[Cell],
    configured: set[Cell],
    shown_again: set[Cell],
    constraints: list[Constraint],
    around: Mapping[Cell, list[int]],
    values: Mapping[Cell, float],
    kinds: Mapping[Cell, Kind],
    weights: Mapping[Cell, float],
) -> set[Cell]:
    """One more cell to hide for each exposed cell, skipping an exposed cell whose relations already
    lost a cell this round (that may be enough). The cell is a shown figure in a relation with the
    exposed one; failing that, with any hidden cell linked to it (the cells that pin it); failing
    that, a figure shown again earlier (configured figures never are)."""

    def cost(c: Cell) -> tuple[bool, float, int, Cell]:
        return (values[c] == 0, weights.get(c, values[c]), COST_OF_KIND[kinds[c]], c)

    def near(cells: Iterable[Cell], excluded: set[Cell]) -> list[Cell]:
        found = {x for c in cells for i in around.get(c, []) for x in constraints[i].cells()}
        return sorted((x for x in found if x not in excluded and x in values), key=cost)

    chosen: set[Cell] = set()
    touched: set[int] = set()
    for cell in bad:
        if touched & set(around.get(cell, [])):
            continue
        everything = hidden | configured | shown_again
        candidates = near([cell], everything)
        if not candidates:
            group = _hidden_group(cell, everything, constraints, around)
            candidates = near(group, everything) or near(group, hidden | configured)
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
    return report
