"""What the contractor's decisions depend on besides the case: the measures catalogue, the scheme's
timescales (shared.scheme, with the one rule for completion due dates) and cancellation reasons,
and the working-day calendar. Built once by the app from configuration, so ``decide`` stays pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from shared.scheme import Timescales

UK_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name: str
    unit_cost_gbp: Decimal
    # Measured and ordered to fit (grilles, security film): outside the completion timescales.
    made_to_measure: bool = False


class WorkingDayCalendar(Protocol):
    """shared.workdays.WorkingDays: weekdays that are not public holidays in the scheme's region."""

    def add(self, start: date, days: int) -> date: ...

    def between(self, start: date, end: date) -> int: ...


@dataclass(frozen=True)
class ContractorRules:
    catalogue: Mapping[str, CatalogueItem]
    calendar: WorkingDayCalendar
    timescales: Timescales = field(default_factory=Timescales)
    cancellation_reasons: tuple[str, ...] = ()
    # An installer whose enhanced DBS check is older than this cannot be allocated.
    dbs_valid_years: int = 3
