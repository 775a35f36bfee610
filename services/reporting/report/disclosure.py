"""The audit of a suppression pattern, as statistical offices run it: for every hidden cell, the lowest
and the highest value it can take given the shown figures and every relation a reader knows, by
linear programming (HiGHS through scipy; counts are integers). A hidden cell is exposed when that
interval is narrower than the threshold's protection:

- any hidden cell pinned to one value (a count to one integer; money, an average or a percentage to
  an interval narrower than ``SHARE`` of its value, or than a penny);
- a hidden count whose interval lies inside 1 to threshold-1: a reader learns it is a small number.

Cells that share no relation are independent, so the audit solves each connected group of hidden
cells on its own, and remembers groups it has already solved (secondary suppression re-audits
after every step and most groups do not change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from services.reporting.report.relations import Cell

Linear = tuple[dict[Cell, float], float, float]  # coefficients over hidden cells, low, high
PENNY = 0.01
SHARE = 0.1  # a hidden amount must stay uncertain by at least a tenth of itself
PERCENT_CAP = 100.0
# No figure of a scheme's year comes near this; a cap keeps every program bounded (HiGHS cannot
# always tell an unbounded integer program from an infeasible one), and reaching it means "no bound".
BEYOND = 1e9
EPSILON = 1e-6


@dataclass
class Auditor:
    """Finds the exposed hidden cells; ``integer`` cells are counts, ``capped`` ones percentages.

    Rather than two programs for every hidden cell, each solution found is a witness for every
    cell at once (a reader cannot rule out any feasible point): a cell is safe as soon as the
    witnesses show it two values far enough apart (and, for a count, a value outside 1 to
    threshold-1). Only the cells still unproven get their own minimum and maximum.
    """

    integer: set[Cell]
    capped: set[Cell]
    values: Mapping[Cell, float]
    threshold: int
    _solved: dict[object, list[Cell]] = field(default_factory=dict)

    def exposed(self, hidden: set[Cell], system: Sequence[Linear]) -> list[Cell]:
        found: list[Cell] = []
        for cells, rows in _groups(hidden, system):
            key = (cells, tuple((tuple(sorted(r[0].items())), r[1], r[2]) for r in rows))
            if key not in self._solved:
                self._solved[key] = self._audit(cells, rows)
            found += self._solved[key]
        return sorted(found)

    def _audit(self, cells: tuple[Cell, ...], rows: Sequence[Linear]) -> list[Cell]:
        program = _Program(cells, rows, self.integer, self.capped)
        seen = {c: {self.values[c]} for c in cells}  # the exact figures are one feasible point

        def record(x: np.ndarray) -> None:
            for i, c in enumerate(cells):
                seen[c].add(float(round(x[i])) if c in self.integer else float(x[i]))

        everything = np.ones(len(cells))
        for objective in (everything, -everything):
            record(program.solve(objective))
        found = []
        for i, c in enumerate(cells):
            small = c in self.integer and 1 <= self.values[c] <= self.threshold - 1
            for sign in (1.0, -1.0) if small else (-1.0, 1.0):  # min first for a small count
                if self._safe(c, seen[c]):
                    break
                objective = np.zeros(len(cells))
                objective[i] = sign
                record(program.solve(objective))
            if not self._safe(c, seen[c]):
                found.append(c)
        return found

    def _safe(self, cell: Cell, seen: set[float]) -> bool:
        low, high = min(seen), max(seen)
        if cell in self.integer:
            return high > low and not (low >= 1 and high <= self.threshold - 1)
        return high - low >= max(PENNY, SHARE * abs(self.values[cell]))


class _Program:
    """The relations of one group of hidden cells as a mixed-integer program for HiGHS."""

    def __init__(
        self, cells: tuple[Cell, ...], rows: Sequence[Linear], integer: set[Cell], capped: set[Cell]
    ) -> None:
        index = {c: i for i, c in enumerate(cells)}
        matrix = np.zeros((len(rows), len(cells)))
        for r, (coefficients, _, _) in enumerate(rows):
            for c, k in coefficients.items():
                matrix[r, index[c]] = k
        self.constraints = LinearConstraint(matrix, [r[1] for r in rows], [r[2] for r in rows])
        self.integrality = np.array([1 if c in integer else 0 for c in cells])
        upper = np.array([PERCENT_CAP if c in capped else BEYOND for c in cells])
        self.bounds = Bounds(np.zeros(len(cells)), upper)

    def solve(self, objective: np.ndarray) -> np.ndarray:
        result = milp(
            objective, constraints=self.constraints, integrality=self.integrality, bounds=self.bounds
        )
        if result.status != 0 or result.x is None:  # the exact figures always satisfy the relations
            raise ArithmeticError(f"the disclosure audit could not be solved: {result.message}")
        return np.asarray(result.x)


def _groups(hidden: set[Cell], system: Sequence[Linear]) -> list[tuple[tuple[Cell, ...], list[Linear]]]:
    """The hidden cells in connected groups (cells sharing a relation), each with its relations."""
    parent: dict[Cell, Cell] = {}

    def find(c: Cell) -> Cell:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for coefficients, _, _ in system:
        first, *rest = coefficients
        for c in rest:
            parent[find(c)] = find(first)
    groups: dict[Cell, list[Linear]] = {}
    for row in system:
        groups.setdefault(find(next(iter(row[0]))), []).append(row)
    out = []
    for rows in groups.values():
        cells = tuple(sorted({c for r in rows for c in r[0]}))
        out.append((cells, rows))
    return sorted(out, key=lambda group: group[0])
