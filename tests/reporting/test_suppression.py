"""Suppression for funders never leaves a hidden count that can be worked out from the published
relations (checked by an independent null-space test), and periods split into the right quarters."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.report.model import Audience, Kind, Relation, Report, Row, Section
from services.reporting.report.quarters import COLUMNS, QUARTERS, Period
from services.reporting.report.scheme_measures import BUDGET, SPEND
from services.reporting.report.suppression import anonymise, equations_of, money_cells, protect
from shared.errors import CommandRejected


def null_space(matrix: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """Basis of {x : Mx = 0} by Gauss-Jordan on a copy (free variables set to 1 in turn)."""
    m = [row[:] for row in matrix]
    pivots: list[int] = []
    r = 0
    for c in range(width):
        p = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if p is None:
            continue
        m[r], m[p] = m[p], m[r]
        m[r] = [x / m[r][c] for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append(c)
        r += 1
    basis = []
    for free in (c for c in range(width) if c not in pivots):
        v = [Fraction(0)] * width
        v[free] = Fraction(1)
        for row_index, pc in enumerate(pivots):
            v[pc] = -m[row_index][free]
        basis.append(v)
    return basis


def recoverable(hidden: set, equations: list) -> set:
    """A hidden cell is recoverable when every solution of the relations agrees on it: no vector of
    the null space (restricted to hidden cells) moves it."""
    cells = sorted(hidden)
    index = {c: i for i, c in enumerate(cells)}
    matrix = []
    for total, parts in equations:
        row = [Fraction(0)] * len(cells)
        if total in index:
            row[index[total]] -= 1
        for p in parts:
            if p in index:
                row[index[p]] += 1
        matrix.append(row)
    basis = null_space(matrix, len(cells))
    return {c for c in cells if all(v[index[c]] == 0 for v in basis)}


def breakdown_report(population: list[int], groups: list[list[int]]) -> Report:
    """A 'completed' row per quarter and a breakdown of it into groups (the last takes the rest)."""
    rows = []
    for g, quarters in enumerate(groups):
        values = {q: quarters[i] for i, q in enumerate(QUARTERS)}
        rows.append(Row(f"group {g}", {**values, "Total": sum(quarters)}))
    completed = Row("completed", {**dict(zip(QUARTERS, population, strict=True)), "Total": sum(population)})
    return Report(
        date(2024, 4, 1),
        date(2025, 3, 31),
        Audience.FUNDER,
        "Test",
        [
            Section("Activity", [completed]),
            Section("Breakdown", rows, [Relation("Activity::completed", tuple(r.label for r in rows))]),
        ],
    )


@st.composite
def tables(draw):
    n_groups = draw(st.integers(min_value=2, max_value=5))
    groups = [[draw(st.integers(0, 12)) for _ in QUARTERS] for _ in range(n_groups)]
    population = [sum(g[i] for g in groups) for i in range(4)]
    return population, groups


@settings(max_examples=150, deadline=None)
@given(tables(), st.integers(min_value=2, max_value=6))
def test_no_suppressed_count_can_be_worked_out(table, threshold):
    population, groups = table
    report = breakdown_report(population, groups)
    values, equations = equations_of(report)
    hidden = protect(values, equations, threshold)
    assert not recoverable(hidden, equations)
    # Every small non-zero count is hidden; nothing shown is a small count.
    for cell, value in values.items():
        if 0 < value < threshold:
            assert cell in hidden


def test_single_small_cell_forces_a_second_in_its_row_and_column():
    report = breakdown_report([10, 10, 10, 10], [[2, 5, 5, 5], [8, 5, 5, 5]])
    anonymise(report, 5)
    group0 = report.section("Breakdown").row("group 0")
    group1 = report.section("Breakdown").row("group 1")
    assert group0.values["Q1"] is None and group1.values["Q1"] is None
    # The row total of group 0 would give Q1 away from Q2-Q4, so another of its quarters goes too.
    assert sum(1 for q in QUARTERS if group0.values[q] is None) >= 2


def test_averages_and_percentages_on_too_few_cases_are_hidden():
    avg = Row(
        "Average spend per household",
        dict.fromkeys(COLUMNS, 100.0),
        Kind.AVERAGE,
        basis={"Q1": 4, "Q2": 5, "Q3": 0, "Q4": 9, "Total": 18},
    )
    pct = Row(
        "Percentage",
        dict.fromkeys(COLUMNS, 50.0),
        Kind.PERCENT,
        parts={"Q1": (5, 10), "Q2": (2, 10), "Q3": (5, 7), "Q4": (0, 9), "Total": (12, 36)},
    )
    report = Report(date(2024, 4, 1), date(2025, 3, 31), Audience.FUNDER, "Test", [Section("S", [avg, pct])])
    anonymise(report, 5)
    assert [avg.values[c] is None for c in COLUMNS] == [True, False, True, False, False]
    assert [pct.values[c] is None for c in COLUMNS] == [False, True, True, False, False]


def spend_report(households: list[int], spend: list[float], annual: float = 75000.0) -> Report:
    """The budget section's spend (with the households behind it), the budget remaining, and the
    same spend again under "Cost of measures installed", as compute_report lays them out."""
    total = round(sum(spend), 2)
    quarters = dict(zip(QUARTERS, spend, strict=True))
    basis = {**dict(zip(QUARTERS, households, strict=True)), "Total": sum(households)}

    def spend_row(label: str) -> Row:
        return Row(label, {**quarters, "Total": total}, Kind.MONEY, basis=dict(basis))

    only_total = dict.fromkeys(QUARTERS)
    budget = Section(
        BUDGET,
        [
            spend_row(SPEND),
            Row("Annual budget", {**only_total, "Total": annual}, Kind.MONEY),
            Row("Budget remaining", {**only_total, "Total": round(annual - total, 2)}, Kind.MONEY),
        ],
        [Relation("Annual budget", ("Budget remaining", SPEND))],
    )
    cost_row = spend_row("Total cost of measures installed")
    same = [Relation(cost_row.label, (f"{BUDGET}::{SPEND}",))]
    cost = Section("Cost of measures installed", [cost_row], same)
    return Report(date(2024, 4, 1), date(2025, 3, 31), Audience.FUNDER, "Test", [budget, cost])


@st.composite
def spends(draw):
    households = [draw(st.integers(0, 9)) for _ in QUARTERS]
    pence = st.sampled_from([0, 0.5, 0.25])
    spend = [draw(st.integers(100 * n, 2500 * n)) + draw(pence) if n else 0.0 for n in households]
    return households, [float(x) for x in spend]


@settings(max_examples=150, deadline=None)
@given(spends(), st.integers(min_value=2, max_value=6))
def test_no_spend_resting_on_too_few_households_can_be_worked_out(table, threshold):
    households, spend = table
    report = spend_report(households, spend)
    values, equations, small = money_cells(report, threshold)
    anonymise(report, threshold)
    hidden = {cell for cell in values if report.section(cell[0]).row(cell[1]).values[cell[2]] is None}
    assert small <= hidden
    assert not recoverable(hidden, equations)
    # The two copies of the spend are hidden in the same cells; configured figures never.
    budget_spend = report.section(BUDGET).row(SPEND).values
    assert report.section("Cost of measures installed").rows[0].values == budget_spend
    assert report.section(BUDGET).row("Annual budget").values["Total"] == 75000.0


def test_one_household_in_a_quarter_hides_its_spend_and_one_more_quarter():
    report = spend_report([1, 6, 7, 5], [1450.0, 6000.0, 7100.0, 5200.0])
    anonymise(report, 5)
    spend = report.section(BUDGET).row(SPEND).values
    assert spend["Q1"] is None and spend["Total"] == 19750.0
    # Q1 would otherwise be the Total less Q2-Q4: the smallest other quarter goes too.
    assert [spend[q] is None for q in QUARTERS] == [True, False, False, True]
    assert report.section(BUDGET).row("Budget remaining").values["Total"] == 55250.0


def test_a_year_of_too_few_households_hides_the_spend_and_the_budget_remaining():
    report = spend_report([1, 0, 2, 0], [900.0, 0.0, 2100.0, 0.0])
    anonymise(report, 5)
    spend = report.section(BUDGET).row(SPEND).values
    assert spend["Total"] is None and spend["Q1"] is None and spend["Q3"] is None
    assert spend["Q2"] == 0.0 and spend["Q4"] == 0.0
    assert report.section(BUDGET).row("Budget remaining").values["Total"] is None
    assert report.section(BUDGET).row("Annual budget").values["Total"] == 75000.0


def test_quarters_count_from_the_start_date():
    period = Period.of(date(2024, 4, 1), date(2025, 3, 31))
    assert period.quarter_of(date(2024, 4, 1)) == "Q1"
    assert period.quarter_of(date(2024, 6, 30)) == "Q1"
    assert period.quarter_of(date(2024, 7, 1)) == "Q2"
    assert period.quarter_of(date(2025, 1, 1)) == "Q4"
    assert period.quarter_of(date(2025, 4, 1)) is None
    assert period.quarter_of(date(2024, 3, 31)) is None


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (date(2024, 4, 1), date(2024, 3, 1), "must not be before"),
        (date(2024, 4, 1), date(2025, 4, 1), "at most twelve months"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(start, end, problem):
    with pytest.raises(CommandRejected) as caught:
        Period.of(start, end)
    assert caught.value.problems[0].field == "to"
    assert problem in caught.value.problems[0].problem
