"""The contractor reacts to the coordinator's approval of recommendations: a works order arrives.

The command id is derived from the approval's event id, so an approval read again is a no-op. The
48-hour first-contact clock starts when the coordinator approved (the approval's occurred_at).
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.commands import Command
from shared.contracts.contractor import ReceiveWorksOrder
from shared.contracts.referral import RecommendationsApproved
from shared.events import RecordedEvent
from shared.service import Reaction, reaction_command


def works_order_for(event: RecordedEvent) -> Sequence[Command]:
    approval = event.payload
    if not isinstance(approval, RecommendationsApproved) or not approval.approved_items:
        return []
    return [reaction_command(ReceiveWorksOrder, event, "works-order", occurred_at=event.occurred_at)]


WORKS_ORDERS = Reaction(
    name="contractor-works-orders",
    subjects=["case.*.referral.RecommendationsApproved"],
    react=works_order_for,
)

REACTIONS: tuple[Reaction, ...] = (WORKS_ORDERS,)
