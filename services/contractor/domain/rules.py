"""What the contractor's decisions depend on besides the case: the measures catalogue
(shared.catalogue: item names, agreed unit costs, which items are made to measure), the scheme's
timescales (shared.scheme, with the one rule for completion due dates) and cancellation reasons,
and the working-day calendar. Built once by the app from configuration, so ``decide`` stays pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from shared.catalogue import Catalogue
from shared.scheme import Timescales
from shared.workdays import WorkingDays

UK_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class ContractorRules:
    catalogue: Catalogue
    calendar: WorkingDays
    timescales: Timescales = field(default_factory=Timescales)
    cancellation_reasons: tuple[str, ...] = ()
    # An installer whose enhanced DBS check is older than this cannot be allocated.
    dbs_valid_years: int = 3
