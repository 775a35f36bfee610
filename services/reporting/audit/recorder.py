"""The reporting service's audit commands: record an audit read (granted or refused) and erase a
case. Both must work on a case whose key is already destroyed, which the CaseHandler refuses, so
they append at the case's end (``shared.handler.append_at_end``), trying again on a conflict.
"""

from __future__ import annotations

import json
from typing import Any

from services.reporting.audit.policy import decide_audit_read
from shared.case_keys import CaseKeyClient, DestroyRequest
from shared.commands import Command, CommandReply
from shared.contracts.audit import (
    AuditReadRecorded,
    CasePersonalDataErased,
    EraseCase,
    ErasureBasis,
    RecordAuditRead,
)
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event
from shared.eventstore import EventStore
from shared.handler import append_at_end
from shared.logging import get_logger
from shared.sharing import AuditTerms

log = get_logger(__name__)


class AuditRecorder:
    def __init__(self, store: EventStore, audit_terms: AuditTerms, keys: CaseKeyClient) -> None:
        self._store = store
        self._terms = audit_terms
        self._keys = keys

    async def record_audit_read(self, command: RecordAuditRead) -> CommandReply:
        records = await self._require_case(command.case_id)
        decision = decide_audit_read(command.actor.role, command.view, self._terms)
        event = AuditReadRecorded(
            view=command.view,
            as_of=command.as_of,
            reason=command.reason,
            outcome=decision.outcome,
            refusal=decision.refusal,
        )
        event_ids, duplicate = await self._append_once(command, event, records)
        log.info("audit read recorded", case_id=command.case_id, outcome=decision.outcome.value)
        return CommandReply(
            ok=decision.allowed,
            case_id=command.case_id,
            event_ids=event_ids,
            duplicate=duplicate,
            errors=[] if decision.allowed else [Problem(field="actor.role", problem=str(decision.refusal))],
            data={"outcome": decision.outcome.value, "show_personal": decision.show_personal},
        )

    async def erase_case(self, command: EraseCase) -> CommandReply:
        problems: list[Problem] = []
        if command.basis is ErasureBasis.RETENTION:
            if command.closed_at is None:
                problems.append(Problem(field="closed_at", problem="is required for a retention erasure"))
            if command.retention_years is None:
                problems.append(
                    Problem(field="retention_years", problem="is required for a retention erasure")
                )
        reject_if(problems)
        records = await self._require_case(command.case_id)
        earlier = [r for r in records if r["type"] == CasePersonalDataErased.type_name()]
        if earlier:
            # Already recorded (perhaps the key destruction did not finish): finish it, change nothing.
            await self._destroy_key(command)
            return CommandReply(
                ok=True, case_id=command.case_id, event_ids=[earlier[0]["event_id"]], duplicate=True
            )
        event = CasePersonalDataErased(
            basis=command.basis,
            reason=command.reason,
            closed_at=command.closed_at,
            retention_years=command.retention_years,
        )
        # Recorded first, then the key destroyed: a crash in between leaves a recorded erasure
        # that a retry completes, never an erasure nobody can account for.
        event_ids, duplicate = await self._append_once(command, event, records)
        await self._destroy_key(command)
        log.info("case personal data erased", case_id=command.case_id, basis=command.basis.value)
        return CommandReply(ok=True, case_id=command.case_id, event_ids=event_ids, duplicate=duplicate)

    async def _destroy_key(self, command: EraseCase) -> None:
        """The key custodian destroys the key and records that it did, with who asked and why."""
        reason = f"{command.basis.value}: {command.reason}"[:300]
        await self._keys.destroy(
            command.case_id, DestroyRequest(command_id=command.command_id, reason=reason, actor=command.actor)
        )

    async def _require_case(self, case_id: str) -> list[dict[str, Any]]:
        raw = await self._store.read_raw(case_id)
        if not raw:
            raise CommandRejected.one("case_id", "no case with this id")
        return [json.loads(data) for _, _, data in raw]

    async def _append_once(
        self, command: Command, event: Event, records: list[dict[str, Any]]
    ) -> tuple[list[str], bool]:
        """Append one event at the case's end; a retried command id returns the first result."""
        earlier = [r["event_id"] for r in records if r["causation_id"] == command.command_id]
        if earlier:
            return earlier, True
        recorded = await append_at_end(
            self._store,
            command.case_id,
            [event],
            actor=command.actor,
            command_id=command.command_id,
            correlation_id=command.correlation_id,
            occurred_at=command.occurred_at,
        )
        if recorded is None:  # this command id was stored before
            return await self._earlier(command), True
        return [e.event_id for e in recorded], False

    async def _earlier(self, command: Command) -> list[str]:
        raw = await self._store.read_raw(command.case_id)
        records = (json.loads(data) for _, _, data in raw)
        return [r["event_id"] for r in records if r["causation_id"] == command.command_id]
