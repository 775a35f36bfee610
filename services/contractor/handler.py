"""The contractor's case handler: the kernel's CaseHandler, made to see other services' latest events.

Other services append to the same case (the coordinator's WorksResumed, a new approval). The kernel
decides on its cached state and only catches up on a write conflict, so a *refusal* decided on a
stale state (e.g. "works are suspended" just after the coordinator resumed them) would stand. We
catch up with the case before every decision: one direct get when nothing is new.
"""

from __future__ import annotations

from typing import Any

from shared.commands import Command
from shared.decider import CaseHandler, Outcome
from shared.events import utcnow


class CurrentCaseHandler(CaseHandler[Command, Any]):
    async def _handle(self, command: Command) -> Outcome:
        if command.occurred_at is None:
            # Deadlines and DBS validity are judged at the moment the command arrives.
            command = command.model_copy(update={"occurred_at": utcnow()})
        await self.state_of(command.case_id)
        return await super()._handle(command)
