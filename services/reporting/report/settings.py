"""What the report needs from the scheme configuration (threshold, budget, target, timescales)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ReportSettings:
    scheme: str = "Sanctuary Scheme"
    suppression_threshold: int = 5
    annual_budget_gbp: Decimal = Decimal("75000")
    household_target: int = 60
    country: str = "GB"
    subdivision: str | None = "ENG"
    timescales: dict[str, Any] = field(
        default_factory=lambda: {
            "referral_to_cpo_working_days": 1,
            "assessment_working_days": 5,
            "works_start_working_days": 2,
            "works_complete_working_days": 7,
            "first_contact_hours": 48,
            "fire_check_working_days": 10,
            "follow_up_visit_days": 14,
            "follow_up_contact_months": [3, 6, 12],
        }
    )

    @classmethod
    def from_scheme(cls, scheme: Any) -> ReportSettings:
        """From a shared.scheme.SchemeConfig (read by attribute, so this module does not pin its shape)."""
        reporting = getattr(scheme, "reporting", None)
        region = getattr(scheme, "region", None)
        timescales: Any = getattr(scheme, "timescales", None)
        defaults = cls()
        return cls(
            scheme=str(getattr(scheme, "name", defaults.scheme)),
            suppression_threshold=int(getattr(reporting, "suppression_threshold", 5)),
            annual_budget_gbp=Decimal(
                str(getattr(reporting, "annual_budget_gbp", defaults.annual_budget_gbp))
            ),
            household_target=int(getattr(reporting, "household_target", defaults.household_target)),
            country=str(getattr(region, "country", "GB")),
            subdivision=getattr(region, "subdivision", "ENG"),
            timescales=(
                timescales.model_dump() if hasattr(timescales, "model_dump") else dict(defaults.timescales)
            ),
        )
