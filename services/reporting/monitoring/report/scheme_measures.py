"""The scheme's own measures after the template, those its configuration names
(``reporting.own_measures``): performance indicators like Tower Hamlets' (performance.py), service
standards like South Essex's (standards.py); then spend against the scheme's annual budget and
household target (here), which every scheme configures."""

from __future__ import annotations

from decimal import Decimal

from services.reporting.monitoring.report import template as T
from services.reporting.monitoring.report.model import Kind, Relation, Row, Section
from services.reporting.monitoring.report.performance import Indicators, performance_indicators
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.rows import only_total, rounded, tally_money, tally_row
from services.reporting.monitoring.report.standards import Standards, service_standards
from services.reporting.monitoring.report.tally import Tally
from shared.scheme import SchemeConfig

BUDGET = "Spend against budget and household target"
SPEND = "Spend on measures installed"


def budget(tally: Tally, period: Period, scheme: SchemeConfig) -> Section:
    spend = tally_money(SPEND, tally.spends())
    households = tally_row("Households with installations completed", tally.counts("completed"))
    annual = Decimal(scheme.reporting.annual_budget_gbp)
    spent = Decimal(str(spend.values["Total"]))
    target = scheme.reporting.household_target
    reached = int(households.values["Total"] or 0)
    # Approved by the coordinator by the end of the period; not installed, cancelled or closed by then.
    waiting, waiting_cases = tally.approved_waiting(period.end)
    return Section(
        BUDGET,
        [
            spend,
            Row("Annual budget", only_total(float(annual)), Kind.MONEY, configured=True),
            # Worked out from the year's spend: hidden with it (the relation below).
            Row("Budget remaining", only_total(float(annual - spent)), Kind.MONEY),
            Row(
                "Approved measures not yet installed (estimated cost)",
                only_total(float(waiting)),
                Kind.MONEY,
                basis={"Total": waiting_cases},
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


def scheme_sections(
    indicators: Indicators, standards: Standards, tally: Tally, period: Period, scheme: SchemeConfig
) -> list[Section]:
    own = scheme.reporting.own_measures
    sections = performance_indicators(indicators, period, scheme) if "performance_indicators" in own else []
    if "service_standards" in own:
        sections.append(service_standards(standards, period, scheme))
    return [*sections, budget(tally, period, scheme)]
