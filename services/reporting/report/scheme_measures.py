"""The scheme's own measures after the template, those its configuration names
(``reporting.own_measures``): performance indicators like Tower Hamlets' (performance.py), service
standards like South Essex's (standards.py); then spend against the scheme's annual budget and
household target (here), which every scheme configures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.reporting.report import template as T
from services.reporting.report.facts import Facts
from services.reporting.report.model import Kind, Relation, Row, Section
from services.reporting.report.performance import performance_indicators
from services.reporting.report.quarters import Period
from services.reporting.report.rows import count_row, money_row, only_total, rounded
from services.reporting.report.standards import service_standards
from shared.scheme import SchemeConfig

BUDGET = "Spend against budget and household target"
SPEND = "Spend on measures installed"


def budget(facts: Facts, period: Period, scheme: SchemeConfig) -> Section:
    done = [c for c in facts.cases if c.row.get("completed_at")]
    spend = money_row(SPEND, period, [(c.day("completed_at"), c.spend) for c in done])
    households = count_row(
        "Households with installations completed", period, done, lambda c: c.day("completed_at"), lambda c: 1
    )
    annual = Decimal(scheme.reporting.annual_budget_gbp)
    spent = Decimal(str(spend.values["Total"]))
    target = scheme.reporting.household_target
    reached = int(households.values["Total"] or 0)
    # Approved by the coordinator by the end of the period; not installed, cancelled or closed by then.
    waiting = [
        Decimal(str(c.row["approved_cost_gbp"]))
        for c in facts.cases
        if c.row.get("approved_on") is not None
        and c.row["approved_on"] <= period.end
        and not _by(c.day("completed_at"), period)
        and not _by(c.day("cancelled_on"), period)
        and not _by(c.day("closed_on"), period)
    ]
    return Section(
        BUDGET,
        [
            spend,
            Row("Annual budget", only_total(float(annual)), Kind.MONEY, configured=True),
            # Worked out from the year's spend: hidden with it (the relation below).
            Row("Budget remaining", only_total(float(annual - spent)), Kind.MONEY),
            Row(
                "Approved measures not yet installed (estimated cost)",
                only_total(float(sum(waiting, Decimal(0)))),
                Kind.MONEY,
                basis={"Total": len(waiting)},
            ),
            households,
            Row("Household target", only_total(target), Kind.MONEY, configured=True),
            # A percentage of a count: suppressed for funders when the households are too few.
            Row(
                "Percentage of household target reached",
                only_total(rounded(100 * reached / target, 1) if target else None),
                Kind.PERCENT,
                parts={"Total": (reached, target)},
            ),
        ],
        [
            # Households are the template's installations completed: hidden together.
            Relation(f"{T.REFERRALS}::{T.COMPLETED}", (households.label,)),
            Relation("Annual budget", ("Budget remaining", SPEND)),
        ],
        note="Pounds; households counted in the quarter their installation was completed.",
    )


def _by(day: date | None, period: Period) -> bool:
    return day is not None and day <= period.end


def scheme_sections(facts: Facts, period: Period, scheme: SchemeConfig) -> list[Section]:
    own = scheme.reporting.own_measures
    sections = performance_indicators(facts, period, scheme) if "performance_indicators" in own else []
    if "service_standards" in own:
        sections.append(service_standards(facts, period, scheme))
    return [*sections, budget(facts, period, scheme)]
