"""The assessment service's case handler: catches up with the case before deciding.

The kernel's CaseHandler decides on its cached fold and relies on the expected-sequence check to
catch a stale state; but a refusal ("the works are not completed yet") raised on a stale fold never
reaches that check. Our rules depend on other sides' events, so we load what is new first (one
direct get when nothing is)."""

from __future__ import annotations

from typing import Any

from shared.commands import Command
from shared.decider import CaseHandler, Outcome


class CatchingUpCaseHandler(CaseHandler[Command, Any]):
    async def _handle(self, command: Command) -> Outcome:
        await self.state_of(command.case_id)
        return await super()._handle(command)
