"""The configurable figures the assessment decider works to (from the scheme configuration and the
measures catalogue), gathered so the decider stays pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from shared.catalogue import Catalogue


@dataclass(frozen=True)
class AssessmentRules:
    catalogue: Catalogue
    # The scheme's working-day calendar (bank holidays of its region).
    add_working_days: Callable[[date, int], date]
    referral_to_cpo_working_days: int = 1
    assessment_working_days: int = 5
    fire_check_working_days: int = 10
    # DASH: 14 or more ticks is high risk (CHS policy, seed 003); the other bands are the scheme's.
    dash_high_threshold: int = 14
    dash_medium_threshold: int = 10
    escalation_incidents_12_months: int = 3
