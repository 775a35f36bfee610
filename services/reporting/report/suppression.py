"""Small-number suppression for the funder audience, with secondary suppression.

Primary: a count of 1 to threshold-1 is hidden; an average, lowest/highest or percentage resting
on fewer than ``threshold`` cases is hidden (a percentage also when its numerator or the rest
would be a small count). Secondary: the report publishes linear relations (each row's quarters add
up to its Total; a group heading is the sum of its members; a breakdown adds up to the number it
breaks down). While any hidden count can be worked out exactly from those relations and the shown
cells, one more shown count is hidden: the smallest non-zero cell in a relation with it. A hidden
cell is worked out exactly when its unit vector lies in the row space of the relations restricted
to hidden cells, i.e. some row of the reduced row echelon form is that unit vector.

Money: a spend figure resting on fewer than ``threshold`` households would tell a funder what
those few households had fitted, so it is hidden like an average, and the same secondary
suppression keeps it from being worked out from the year's total, the budget remaining, or the
same figure in another section. Configured figures (budget, target) rest on no household.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from services.reporting.report.model import Kind, Report, Row
from services.reporting.report.quarters import COLUMNS, QUARTERS

Cell = tuple[str, str, str]  # (section title, row label, column)
# An equation: the first cell equals the sum of the others.
Equation = tuple[Cell, tuple[Cell, ...]]


def determined(hidden: set[Cell], equations: Sequence[Equation]) -> set[Cell]:
    """Hidden cells whose value follows exactly from the equations and the shown cells."""
    unknowns = sorted(hidden)
    index = {cell: i for i, cell in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for total, parts in equations:
        row = [Fraction(0)] * len(unknowns)
        for cell, coefficient in ((total, -1), *((p, 1) for p in parts)):
            if cell in index:
                row[index[cell]] += coefficient
        if any(row):
            matrix.append(row)
    pivots = _reduce(matrix, len(unknowns))
    found = set()
    for r, column in pivots:
        if sum(1 for x in matrix[r] if x) == 1:
            found.add(unknowns[column])
    return found


def _reduce(matrix: list[list[Fraction]], width: int) -> list[tuple[int, int]]:
    """Reduced row echelon form in place; returns (row, pivot column) pairs."""
    pivots: list[tuple[int, int]] = []
    r = 0
    for c in range(width):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c]), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][c]
        matrix[r] = [x / lead for x in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c]:
                factor = matrix[i][c]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append((r, c))
        r += 1
        if r == len(matrix):
            break
    return pivots


def protect(
    values: Mapping[Cell, float],
    equations: Sequence[Equation],
    threshold: int,
    primary: set[Cell] | None = None,
) -> set[Cell]:
    """The cells to hide: ``primary`` (by default the small counts), then secondary cells until none
    can be worked out."""
    hidden = {cell for cell, v in values.items() if 0 < v < threshold} if primary is None else set(primary)
    while True:
        exposed = determined(hidden, equations)
        if not exposed:
            return hidden
        extra = _partner(exposed, hidden, values, equations)
        if extra is None:
            return hidden
        hidden.add(extra)


def _partner(
    exposed: set[Cell], hidden: set[Cell], values: Mapping[Cell, float], equations: Sequence[Equation]
) -> Cell | None:
    def cells(eq: Equation) -> Iterable[Cell]:
        return (eq[0], *eq[1])

    near = [c for eq in equations if exposed & set(cells(eq)) for c in cells(eq) if c not in hidden]
    if not near:  # worked out through a chain of relations: widen to any relation with hidden cells
        near = [c for eq in equations if hidden & set(cells(eq)) for c in cells(eq) if c not in hidden]
    if not near:
        return None
    # Prefer a small non-zero count: it loses the least information and keeps zeros honest.
    return min(near, key=lambda c: (values[c] == 0, values[c], c))


def equations_of(report: Report) -> tuple[dict[Cell, float], list[Equation]]:
    """Every count cell of the report and every relation the report publishes between them."""
    return _system(report, (Kind.COUNT, Kind.HEADING))


def money_cells(report: Report, threshold: int) -> tuple[dict[Cell, float], list[Equation], set[Cell]]:
    """Every money cell, the relations between them, and the cells resting on too few households."""
    values, equations = _system(report, (Kind.MONEY,))
    primary = {
        (section.title, row.label, column)
        for section in report.sections
        for row in section.rows
        if row.kind is Kind.MONEY and row.basis
        for column in COLUMNS
        if (section.title, row.label, column) in values and 0 < row.basis.get(column, 0) < threshold
    }
    return values, equations, primary


def _system(report: Report, kinds: tuple[Kind, ...]) -> tuple[dict[Cell, float], list[Equation]]:
    values: dict[Cell, float] = {}
    equations: list[Equation] = []
    for section in report.sections:
        for row in section.rows:
            if row.kind not in kinds:
                continue
            for column in COLUMNS:
                value = row.values.get(column)
                if isinstance(value, int | float):
                    values[(section.title, row.label, column)] = value
            if all(isinstance(row.values.get(c), int | float) for c in COLUMNS):
                whole_period = (section.title, row.label, "Total")
                equations.append((whole_period, tuple((section.title, row.label, q) for q in QUARTERS)))
    for section in report.sections:
        for relation in section.relations:
            total = _resolve(section.title, relation.total)
            parts = tuple(_resolve(section.title, p) for p in relation.parts)
            for column in COLUMNS:
                eq = ((*total, column), tuple((*p, column) for p in parts))
                cells = (eq[0], *eq[1])
                # Only a relation that really holds (to the penny) is one a reader could use.
                if all(c in values for c in cells) and _holds(values, eq):
                    equations.append(eq)
    return values, equations


def _holds(values: Mapping[Cell, float], eq: Equation) -> bool:
    total, parts = eq
    return round(values[total] - sum(values[p] for p in parts), 2) == 0


def _resolve(section_title: str, label: str) -> tuple[str, str]:
    if "::" in label:
        other, row = label.split("::", 1)
        return other, row
    return section_title, label


def anonymise(report: Report, threshold: int) -> Report:
    """Hide what the funder audience may not see, in place; returns the report."""
    values, equations = equations_of(report)
    hidden = protect(values, equations, threshold)
    money, money_equations, small_spend = money_cells(report, threshold)
    hidden |= protect(money, money_equations, threshold, primary=small_spend)
    suppressed = len(hidden)
    for section in report.sections:
        for row in section.rows:
            row.cases = []
            for column in COLUMNS:
                if (section.title, row.label, column) in hidden:
                    row.values[column] = None
                elif _rests_on_too_few(row, column, threshold):
                    if row.values.get(column) is not None:
                        suppressed += 1
                    row.values[column] = None
    report.suppressed_cells = suppressed
    return report


def _rests_on_too_few(row: Row, column: str, threshold: int) -> bool:
    if row.kind is Kind.AVERAGE:
        return row.basis.get(column, 0) < threshold
    if row.kind is Kind.PERCENT:
        return _small_percentage(row.parts.get(column), threshold)
    return False


def _small_percentage(parts: tuple[int, int] | None, threshold: int) -> bool:
    if parts is None:
        return True
    numerator, denominator = parts
    rest = denominator - numerator
    return denominator < threshold or 0 < numerator < threshold or 0 < rest < threshold
