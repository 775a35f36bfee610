"""A reader trying to work out the hidden cells of a published funders' report.

Independent of the suppression code on purpose: it reads only the published CSV (what a funder
receives) and knows only what the template says its rows are, written out here again in its own
words, and solves its own integer programs. For every hidden cell ("*") it finds the lowest and the
highest value the published figures allow. A disclosure is a hidden count pinned to one value or
known to be a small number (inside 1 to threshold-1), or a hidden amount pinned to within a tenth.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Cell = tuple[str, str, str]
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
COLUMNS = (*QUARTERS, "Total")

ACTIVITY = "Referrals and installations"
RECEIVED = "Number of referrals received"
ACCEPTED = "Number of referrals accepted"
NOT_ACCEPTED = "Number of referrals not accepted"
START = "Referrals awaiting a decision at the start"
END = "Referrals awaiting a decision at the end"
CANCELLED = "Number of installations cancelled"
COMPLETED = "Number of installations completed"
BUDGET = "Spend against budget and household target"
SPEND = "Spend on measures installed"
COST = ("Cost of measures installed", "Total cost of measures installed")
SPENDS = "Spend per household"
DAYS = ("Days between referral and installation", "Average number of days between referral and installation")
AVERAGES = {SPENDS, DAYS[0], "Average age of children"}
MONEY_ROWS = {(BUDGET, SPEND), (BUDGET, "Budget remaining"), COST, (BUDGET, "Annual budget")}
MONEY_ROWS.add((BUDGET, "Approved measures not yet installed (estimated cost)"))
# Breakdowns of the households whose installation was completed (each adds up to them).
OF_COMPLETED = ("Gender", "Age", "Accommodation type", "Tenure type", "Client safety")
ETHNIC_HEADINGS = (
    "Asian or Asian British",
    "Black, Black British, Caribbean or African",
    "Mixed or multiple ethnic groups",
    "White",
    "Other ethnic group",
)
RISK_LEVELS = ("High risk", "Medium risk", "Low risk")
# Rows counting some of those households: at most all of them.
SOME_OF_COMPLETED = {
    "Disability": None,
    "Gender identity": None,
    "Interpreter needed": None,
    "Additional support": None,
    "Client safety": ("Number of clients with MARAC referral", "Number of clients with arson concerns"),
}
PENNY = 0.005
TENTH = 0.05


@dataclass
class Published:
    figures: dict[Cell, float] = field(default_factory=dict)
    hidden: set[Cell] = field(default_factory=set)
    nothing: set[Cell] = field(default_factory=set)  # "-": an average or percentage of no cases
    rows: dict[str, list[str]] = field(default_factory=dict)
    quarters: tuple[str, ...] = QUARTERS

    def known(self, cell: Cell) -> bool:
        return cell in self.figures or cell in self.hidden


def read_csv(text: str) -> Published:
    """The published CSV: a figure, "*" (hidden), "-" (nothing to report) or blank (not in the period)."""
    published = Published()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader)
    assert header == ["section", "label", *COLUMNS]
    in_period: set[str] = set()
    for section, label, *cells in reader:
        published.rows.setdefault(section, []).append(label)
        for column, text_value in zip(COLUMNS, cells, strict=True):
            cell = (section, label, column)
            if text_value == "":
                continue
            in_period.add(column)
            if text_value == "*":
                published.hidden.add(cell)
            elif text_value == "-":
                published.nothing.add(cell)
            else:
                published.figures[cell] = float(text_value.replace("£", "").replace(",", "").rstrip("%"))
    published.quarters = tuple(q for q in QUARTERS if q in in_period)
    return published


def is_count(cell: Cell) -> bool:
    section, label, _ = cell
    percent = label.startswith("Percentage") or section.endswith("service standards")
    return section not in AVERAGES and (section, label) not in MONEY_ROWS and not percent


# A relation: low <= sum(coefficient * x * (y + shift)) <= high, y None for a plain term.
Term = tuple[float, Cell, Cell | None, float]
Relation = tuple[list[Term], float, float, bool]  # ..., and whether the reader only expects it to hold


def plain(coefficients: dict[Cell, float], low: float, high: float, expected: bool = False) -> Relation:
    return [(k, c, None, 0.0) for c, k in coefficients.items()], low, high, expected


def sums(total: list[Cell], parts: list[Cell], slack: float = 0.0) -> Relation:
    coefficients = dict.fromkeys(total, 1.0)
    for p in parts:
        coefficients[p] = coefficients.get(p, 0.0) - 1.0
    return plain(coefficients, -slack, slack)


def below(small: list[Cell], large: list[Cell], expected: bool = False) -> Relation:
    coefficients = dict.fromkeys(small, 1.0)
    for p in large:
        coefficients[p] = coefficients.get(p, 0.0) - 1.0
    return plain(coefficients, -math.inf, 2 * PENNY, expected)


def relations(p: Published) -> Iterator[Relation]:
    """What the template tells a reader about its rows."""
    columns = (*p.quarters, "Total")

    def completed(column: str) -> Cell:
        return (ACTIVITY, COMPLETED, column)

    for section, labels in p.rows.items():
        for label in labels:
            quarters = [(section, label, q) for q in p.quarters]
            total = (section, label, "Total")
            money = (section, label) in {(BUDGET, SPEND), COST}
            counted = is_count(total) and label not in (START, END)
            if (money or counted) and not any(q in p.nothing for q in quarters):
                yield sums([total], quarters, PENNY if money else 0.0)
    for column in columns:

        def at(section: str, label: str, column: str = column) -> Cell:
            return (section, label, column)

        yield sums(
            [at(ACTIVITY, RECEIVED)], [at("Referral sources", r) for r in p.rows.get("Referral sources", [])]
        )
        yield sums(
            [at(ACTIVITY, NOT_ACCEPTED)],
            [at("Reasons for non-acceptance", r) for r in p.rows.get("Reasons for non-acceptance", [])],
        )
        yield sums(
            [at(ACTIVITY, CANCELLED)],
            [at("Reasons for cancellation", r) for r in p.rows.get("Reasons for cancellation", [])],
        )
        for section in OF_COMPLETED:
            labels = p.rows.get(section, [])
            if section == "Client safety":
                labels = list(RISK_LEVELS)
            yield sums([completed(column)], [at(section, label) for label in labels])
        yield sums([completed(column)], [at("Ethnicity", h) for h in (*ETHNIC_HEADINGS, "Unknown")])
        for heading, members in ethnic_groups(p.rows.get("Ethnicity", [])).items():
            yield sums([at("Ethnicity", heading)], [at("Ethnicity", m) for m in members])
        for section, only in SOME_OF_COMPLETED.items():
            for label in only or p.rows.get(section, []):
                yield below([at(section, label)], [completed(column)])
        yield sums([at(BUDGET, "Households with installations completed")], [completed(column)])
        yield sums([at(*COST)], [at(BUDGET, SPEND)], PENNY)
        for section in p.rows:
            if section.endswith("performance indicators"):
                children = at(section, "Total number of children in households")
                yield sums([at("Number of dependent children", "Number of dependent children")], [children])
                with_children = at(section, "Clients with children in household")
                yield below([with_children], [completed(column)])
                yield below([with_children], [children])
        # Referrals: awaiting at the start and received are accepted, not accepted or still awaiting.
        yield sums(
            [at(ACTIVITY, START), at(ACTIVITY, RECEIVED)],
            [at(ACTIVITY, ACCEPTED), at(ACTIVITY, NOT_ACCEPTED), at(ACTIVITY, END)],
        )
        yield below([completed(column), at(ACTIVITY, CANCELLED)], [at(ACTIVITY, ACCEPTED)], expected=True)
        yield from _spend(p, column)
    qs = p.quarters
    yield sums([(ACTIVITY, START, qs[0])], [(ACTIVITY, START, "Total")])
    yield sums([(ACTIVITY, END, qs[-1])], [(ACTIVITY, END, "Total")])
    for before, after in pairwise(qs):
        yield sums([(ACTIVITY, END, before)], [(ACTIVITY, START, after)])
    for n in range(2, len(qs) + 1):
        done = [(ACTIVITY, label, q) for q in qs[:n] for label in (COMPLETED, CANCELLED)]
        yield below(done, [(ACTIVITY, ACCEPTED, q) for q in qs[:n]], expected=True)
    for q in qs:
        yield below([(SPENDS, "Lowest spend", "Total")], [(SPENDS, "Lowest spend", q)])
        yield below([(SPENDS, "Highest spend", q)], [(SPENDS, "Highest spend", "Total")])
    yield from _days(p)
    target = p.figures.get((BUDGET, "Household target", "Total"))
    if target:
        share = target / 100
        reached = (BUDGET, "Percentage of household target reached", "Total")
        households = (BUDGET, "Households with installations completed", "Total")
        yield plain({households: 1.0, reached: -share}, -TENTH * share, TENTH * share)
    budget = [(BUDGET, label, "Total") for label in ("Annual budget", "Budget remaining", SPEND)]
    yield sums(budget[:1], budget[1:], PENNY)


def ethnic_groups(labels: list[str]) -> dict[str, list[str]]:
    """Each group heading and the rows listed under it, up to the next heading (or "Unknown")."""
    groups: dict[str, list[str]] = {}
    heading = None
    for label in labels:
        if label in ETHNIC_HEADINGS:
            heading = label
            groups[heading] = []
        elif label == "Unknown":
            heading = None
        elif heading is not None:
            groups[heading].append(label)
    return groups


def _spend(p: Published, column: str) -> Iterator[Relation]:
    h = (ACTIVITY, COMPLETED, column)
    low, high, mean = (
        (SPENDS, label, column) for label in ("Lowest spend", "Highest spend", "Average spend per household")
    )
    if mean in p.nothing:  # no households to average
        yield plain({h: 1.0}, 0.0, 0.0)
        return
    yield below([low], [mean])
    yield below([mean], [high])
    for spend in ((BUDGET, SPEND, column), (*COST, column)):
        yield [(1.0, spend, None, 0.0), (-1.0, h, low, -PENNY)], -PENNY, math.inf, False
        yield [(1.0, spend, None, 0.0), (-1.0, h, high, PENNY)], -math.inf, PENNY, False
        yield [(1.0, spend, None, 0.0), (-1.0, h, mean, -PENNY)], -PENNY, math.inf, False
        yield [(1.0, spend, None, 0.0), (-1.0, h, mean, PENNY)], -math.inf, PENNY, False


def _days(p: Published) -> Iterator[Relation]:
    """The Total's average is the quarters' averages weighted by their households."""
    if (*DAYS, "Total") in p.nothing:
        return
    quarters = [q for q in p.quarters if (*DAYS, q) not in p.nothing]
    for sign in (1.0, -1.0):
        s = sign * TENTH
        terms: list[Term] = [(sign, (ACTIVITY, COMPLETED, q), (*DAYS, q), s) for q in quarters]
        terms.append((-sign, (ACTIVITY, COMPLETED, "Total"), (*DAYS, "Total"), -s))
        yield terms, 0.0, math.inf, False


def _linear(p: Published, relation: Relation) -> tuple[dict[Cell, float], float, float] | None:
    """Put the published figures in; None when the relation cannot be used (a row the report does
    not have, or a product of two hidden cells)."""
    terms, low, high, _ = relation
    coefficients: dict[Cell, float] = {}
    constant = 0.0
    for k, x, y, shift in terms:
        for c in (x, y):
            if c is not None and not p.known(c):
                return None
        if y is None:
            if x in p.hidden:
                coefficients[x] = coefficients.get(x, 0.0) + k
            else:
                constant += k * p.figures[x]
        elif x in p.hidden and y in p.hidden:
            return None
        elif x in p.hidden:
            coefficients[x] = coefficients.get(x, 0.0) + k * (p.figures[y] + shift)
        elif y in p.hidden:
            coefficients[y] = coefficients.get(y, 0.0) + k * p.figures[x]
            constant += k * p.figures[x] * shift
        else:
            constant += k * p.figures[x] * (p.figures[y] + shift)
    coefficients = {c: k for c, k in coefficients.items() if k}
    return (coefficients, low - constant, high - constant) if coefficients else None


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def attack(p: Published, exact: Published | None = None) -> dict[Cell, Interval]:
    """Every hidden cell that some relation constrains, with the interval the reader can narrow it to.

    Installations completed and cancelled are at most the referrals accepted only where nothing was
    accepted before the period and still open: a reader may know that of a scheme's first year but
    cannot tell it from the report. Given the ``exact`` report (the coordinator's), the attacker is
    told where it holds, and uses it there: the strongest reader the report has to resist."""
    used = [r for r in relations(p) if not r[3] or (exact is not None and _holds(r, exact))]
    rows = [x for r in used if (x := _linear(p, r)) is not None]
    found = _solve(p, rows)
    if found is None:
        raise AssertionError("the published figures contradict the template's own relations")
    return found


def _holds(relation: Relation, exact: Published) -> bool:
    terms, low, high, _ = relation
    try:
        total = sum(
            k * exact.figures[x] * (1.0 if y is None else exact.figures[y] + shift)
            for k, x, y, shift in terms
        )
    except KeyError:
        return False
    return low - 1e-6 <= total <= high + 1e-6


def _solve(p: Published, rows: list[tuple[dict[Cell, float], float, float]]) -> dict[Cell, Interval] | None:
    cells = sorted({c for r in rows for c in r[0]})
    if not cells:
        return {}
    index = {c: i for i, c in enumerate(cells)}
    matrix = np.zeros((len(rows), len(cells)))
    for r, (coefficients, _, _) in enumerate(rows):
        for c, k in coefficients.items():
            matrix[r, index[c]] = k
    constraint = LinearConstraint(matrix, [r[1] for r in rows], [r[2] for r in rows])
    integrality = np.array([int(is_count(c)) for c in cells])
    bounds = Bounds(np.zeros(len(cells)), np.full(len(cells), 1e8))
    out: dict[Cell, Interval] = {}
    for c, i in index.items():
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(cells))
            objective[i] = sign
            result = milp(objective, constraints=constraint, integrality=integrality, bounds=bounds)
            if result.status == 2:
                return None
            assert result.status == 0, result.message
            ends.append(sign * float(result.fun))
        out[c] = Interval(ends[0], ends[1])
    return out


def disclosures(p: Published, intervals: dict[Cell, Interval], threshold: int) -> list[tuple[Cell, Interval]]:
    found = []
    for cell, interval in intervals.items():
        if is_count(cell):
            low, high = math.ceil(interval.low - 1e-6), math.floor(interval.high + 1e-6)
            if high <= low or (low >= 1 and high <= threshold - 1):
                found.append((cell, interval))
        elif interval.high - interval.low < max(0.01, 0.1 * interval.low):
            found.append((cell, interval))
    return sorted(found)
