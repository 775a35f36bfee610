"""The audit of a suppression pattern, as statistical offices run it: for every hidden cell, the lowest
and the highest value it can take given the shown figures and every relation a reader knows, by
linear programming (HiGHS through scipy; counts are integers). A hidden cell is exposed when that
interval is narrower than the threshold's protection:

- any hidden cell pinned to one value (a count to one integer; money, an average or a percentage to
  an interval narrower than ``SHARE`` of its value, or than a penny);
- a hidden count whose interval lies inside 1 to threshold-1: a reader learns it is a small number.

Cells that share no relation are independent, so the audit solves each connected group of hidden
cells on its own; and a cell once shown to be safe stays safe as more cells are hidden, so
secondary suppression re-audits only the cells not yet shown to be.

The audit also tells which exposed cells are fixed outright (a reader can work out the very figure,
whatever else stays hidden nearby): ``pinned``. Hiding such a cell protects nothing, so secondary
suppression shows it again (showing a figure a reader can already work out tells them nothing).
Each program has a limit on its work; a program stopped by it proves nothing, so its cell stays
exposed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from services.reporting.monitoring.report.relations import Cell

Linear = tuple[dict[Cell, float], float, float]  # coefficients over hidden cells, low, high
PENNY = 0.01
SHARE = 0.1  # a hidden amount must stay uncertain by at least a tenth of itself
# No figure of a scheme's year comes near this; a cap keeps every program bounded (HiGHS cannot
# always tell an unbounded integer program from an infeasible one), and reaching it means "no bound".
BEYOND = 1e9
# A program that needs more branch-and-bound nodes proves nothing: its cell is treated as exposed and
# more is hidden. A count of nodes, not seconds, so a busy machine hides the same cells; the time
# limit only guards against a program that would never end.
NODE_LIMIT = 5000
TIME_LIMIT = 120.0


@dataclass
class Auditor:
    """Finds the exposed hidden cells; ``integer`` cells are counts.

    Rather than two programs for every hidden cell, each solution found is a witness for every
    cell at once (a reader cannot rule out any feasible point): a cell is safe as soon as the
    witnesses show it two values far enough apart (and, for a count, a value outside 1 to
    threshold-1). Only the cells still unproven get their own minimum and maximum.
    """

    integer: set[Cell]
    values: Mapping[Cell, float]
    threshold: int
    safe: set[Cell] = field(default_factory=set)
    # Exposed cells whose lowest and highest values were both found and are the same figure
    # (a count) or within the rounding of one (an amount), after the latest call of ``exposed``.
    pinned: set[Cell] = field(default_factory=set)

    def exposed(self, hidden: set[Cell], system: Sequence[Linear]) -> list[Cell]:
        """Hiding one more cell only widens what a reader can suppose (a shown figure becomes one
        more unknown, a product of two hidden figures drops out), so a cell once shown to be safe
        stays safe: each call audits only the cells not yet shown to be."""
        found: list[Cell] = []
        self.pinned = set()
        for cells, rows in _groups(hidden, system):
            unproven = [c for c in cells if c not in self.safe]
            if unproven:
                found += self._audit(cells, rows, unproven)
        return sorted(found)

    def _audit(self, cells: tuple[Cell, ...], rows: Sequence[Linear], unproven: list[Cell]) -> list[Cell]:
        program = _Program(cells, rows, self.integer)
        index = {c: i for i, c in enumerate(cells)}
        seen = {c: {self.values[c]} for c in unproven}  # the exact figures are one feasible point

        def record(x: np.ndarray | None) -> None:
            if x is None:
                return
            for c in unproven:
                seen[c].add(float(round(x[index[c]])) if c in self.integer else float(x[index[c]]))

        # A few solutions pushing every unproven cell at once (down, up, and mixed) settle most.
        directions = [np.zeros(len(cells)) for _ in range(4)]
        for k, c in enumerate(unproven):
            directions[0][index[c]] = 1.0
            directions[1][index[c]] = -1.0
            directions[2][index[c]] = 1.0 if k % 2 else -1.0
            directions[3][index[c]] = -1.0 if k % 2 else 1.0
        for objective in directions:
            record(program.solve(objective))
        found = []
        for c in unproven:
            small = c in self.integer and 1 <= self.values[c] <= self.threshold - 1
            extremes = 0  # how many of its lowest and highest were found for certain
            for sign in (1.0, -1.0) if small else (-1.0, 1.0):  # min first for a small count
                if self._safe(c, seen[c]):
                    break
                objective = np.zeros(len(cells))
                objective[index[c]] = sign
                x = program.solve(objective)
                extremes += program.optimal
                record(x)
            if self._safe(c, seen[c]):
                self.safe.add(c)
            else:
                found.append(c)
                if extremes == 2 and max(seen[c]) - min(seen[c]) <= (0.5 if c in self.integer else 2 * PENNY):
                    self.pinned.add(c)
        return found

    def _safe(self, cell: Cell, seen: set[float]) -> bool:
        low, high = min(seen), max(seen)
        if cell in self.integer:
            return high > low and not (low >= 1 and high <= self.threshold - 1)
        return high - low >= max(PENNY, SHARE * abs(self.values[cell]))


class _Program:
    """The relations of one group of hidden cells as a mixed-integer program for HiGHS."""

    def __init__(self, cells: tuple[Cell, ...], rows: Sequence[Linear], integer: set[Cell]) -> None:
        index = {c: i for i, c in enumerate(cells)}
        matrix = np.zeros((len(rows), len(cells)))
        for r, (coefficients, _, _) in enumerate(rows):
            for c, k in coefficients.items():
                matrix[r, index[c]] = k
        self.constraints = LinearConstraint(matrix, [r[1] for r in rows], [r[2] for r in rows])
        self.integrality = np.array([1 if c in integer else 0 for c in cells])
        # Every figure is at least 0 (a percentage of the target may pass 100).
        self.bounds = Bounds(np.zeros(len(cells)), np.full(len(cells), BEYOND))
        self.optimal = False

    def solve(self, objective: np.ndarray) -> np.ndarray | None:
        """A feasible point pushed as far as the objective goes (``optimal``), or as far as the limits
        let it (not ``optimal``; ``None`` if none was found within them)."""
        result = self._milp(objective, presolve=True)
        if result.status == 2:
            # The exact figures satisfy every relation, so the program is feasible; HiGHS's presolve
            # has been seen to call such a program infeasible (a random year of the suppression
            # test, kept as a case of its own). Without presolve it is solved.
            result = self._milp(objective, presolve=False)
        self.optimal = result.status == 0
        # A limit reached (time: status 1; nodes: HiGHS's "solution limit", which scipy does not
        # name): whatever point it found is still a witness.
        if result.status in (1, 4) and "limit reached" in str(result.message):
            return None if result.x is None else np.asarray(result.x)
        if result.status != 0 or result.x is None:  # the exact figures always satisfy the relations
            raise ArithmeticError(f"the disclosure audit could not be solved: {result.message}")
        return np.asarray(result.x)

    def _milp(self, objective: np.ndarray, presolve: bool) -> OptimizeResult:
        return milp(
            objective,
            constraints=self.constraints,
            integrality=self.integrality,
            bounds=self.bounds,
            options={"node_limit": NODE_LIMIT, "time_limit": TIME_LIMIT, "presolve": presolve},
        )


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
