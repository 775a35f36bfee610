"""What the contractor takes from the referral side's events: the client details the works order
carries, the urgent flag, the approved items, and the coordinator's decision to resume works.

UNFINISHED: shared/contracts/referral.py was still empty when this was written, so nothing is
folded yet and ReceiveWorksOrder is refused ("no approved recommendations"). To fill in: on
ReferralSubmitted set ``client`` (ClientFacts); on ReferralAccepted set ``urgent``; on
RecommendationsApproved set ``approved_items`` and add 1 to ``approvals``; on WorksResumed set
``suspended=False``.
"""

from __future__ import annotations

from services.contractor.domain.state import WorksState
from shared.events import RecordedEvent


def evolve_referral(state: WorksState, event: RecordedEvent) -> WorksState:
    return state
