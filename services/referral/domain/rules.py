"""What the referral decider needs besides the case: the scheme configuration and the catalogue,
and the guards several decisions share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.referral.domain.state import ReferralState
from shared.catalogue import Catalogue
from shared.commands import Command, when
from shared.contracts.referral import ConsentPurpose
from shared.errors import Problem
from shared.scheme import SchemeConfig


@dataclass(frozen=True)
class CoordinatorRules:
    scheme: SchemeConfig
    catalogue: Catalogue


def today(command: Command) -> date:
    return when(command).date()


def open_case(state: ReferralState) -> list[Problem]:
    """The case exists and is not closed."""
    if not state.submitted:
        return [Problem(field="case_id", problem="no referral has been submitted for this case")]
    if state.closed:
        return [Problem(field="case_id", problem="the case is closed")]
    return []


def consent_needed(state: ReferralState, purpose: ConsentPurpose, what: str) -> list[Problem]:
    if state.has_consent(purpose):
        return []
    return [
        Problem(
            field="case_id",
            problem=f"the client has not consented to {purpose.value.replace('_', ' ')} "
            f"(or has withdrawn it); cannot {what}",
        )
    ]
