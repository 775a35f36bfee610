"""The referral service's case handler: stamps the arrival time and catches up with the case first.

The kernel's CaseHandler decides on its cached fold and relies on the expected-sequence check to
catch a stale state; a refusal decided on a stale fold ("no property assessment yet" just after the
CPO recorded one) never reaches that check. The coordinator's decisions depend on other sides'
events, so we load what is new first (one direct get when nothing is).
"""

from __future__ import annotations

from services.referral.domain.state import ReferralState
from shared.contracts.referral import ReferralCommand
from shared.decider import CaseHandler, Outcome
from shared.events import utcnow


class CoordinatorCaseHandler(CaseHandler[ReferralCommand, ReferralState]):
    async def _handle(self, command: ReferralCommand) -> Outcome:
        if command.occurred_at is None:
            # Dates (received on, accepted on, "not in the future") are judged on arrival.
            command = command.model_copy(update={"occurred_at": utcnow()})
        await self.state_of(command.case_id)
        return await super()._handle(command)
