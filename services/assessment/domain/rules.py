"""The configurable figures the assessment decider works to, gathered so the decider stays pure:
the scheme's timescales, DASH bands and working-day calendar (shared/scheme.py), the measures
catalogue, and the information-sharing agreement that says when the fire service may hold a flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.catalogue import Catalogue
from shared.scheme import DashSettings, SchemeConfig, Timescales
from shared.sharing import SharingPolicy
from shared.workdays import WorkingDays


@dataclass(frozen=True)
class AssessmentRules:
    catalogue: Catalogue
    sharing: SharingPolicy
    working_days: WorkingDays = field(default_factory=WorkingDays)
    timescales: Timescales = field(default_factory=Timescales)
    # DASH: 14 or more ticks is high risk (CHS policy, seed 003); the other bands are the scheme's.
    dash: DashSettings = field(default_factory=DashSettings)

    @classmethod
    def for_scheme(
        cls, scheme: SchemeConfig, catalogue: Catalogue, sharing: SharingPolicy
    ) -> AssessmentRules:
        return cls(
            catalogue=catalogue,
            sharing=sharing,
            working_days=scheme.working_days(),
            timescales=scheme.timescales,
            dash=scheme.dash,
        )

    def add_working_days(self, start: date, days: int) -> date:
        return self.working_days.add(start, days)
