"""Other sides' events that become assessment commands. Command ids derive from the event id, so a
redelivered event is a no-op."""

from __future__ import annotations

from collections.abc import Sequence

from services.assessment.domain.referral_facts import INFORMATION_SHARING
from shared.commands import Command
from shared.contracts.assessment import (
    FlagRemovalReason,
    FlagSanctuaryAddress,
    OpenCpoWorkItem,
    RemoveSanctuaryFlag,
)
from shared.contracts.contractor import InstallationCompleted
from shared.events import SYSTEM_ACTOR, RecordedEvent
from shared.service import Reaction


def open_work_item(event: RecordedEvent) -> Sequence[Command]:
    # Referral events are matched by their agreed type names (see domain/referral_facts.py).
    if event.type != "ReferralAccepted":
        return []
    return [
        OpenCpoWorkItem(
            command_id=f"{event.event_id}:open-cpo-work-item",
            case_id=event.case_id,
            actor=SYSTEM_ACTOR,
            correlation_id=event.correlation_id,
            accepted_on=event.occurred_at.date(),
            urgent=bool(getattr(event.payload, "urgent", False)),
        )
    ]


def flag_address(event: RecordedEvent) -> Sequence[Command]:
    # The decider refuses (and the refusal is logged by field only) when sharing is not allowed.
    if not isinstance(event.payload, InstallationCompleted):
        return []
    return [
        FlagSanctuaryAddress(
            command_id=f"{event.event_id}:flag-sanctuary-address",
            case_id=event.case_id,
            actor=SYSTEM_ACTOR,
            correlation_id=event.correlation_id,
            flagged_on=event.payload.completed_at.date(),
        )
    ]


def remove_flag(event: RecordedEvent) -> Sequence[Command]:
    payload = event.payload
    if event.type == "CaseClosed":
        reason = FlagRemovalReason.CASE_CLOSED
    elif event.type == "ConsentWithdrawn" and str(getattr(payload, "purpose", "")) == INFORMATION_SHARING:
        reason = FlagRemovalReason.CONSENT_WITHDRAWN
    else:
        return []
    return [
        RemoveSanctuaryFlag(
            command_id=f"{event.event_id}:remove-sanctuary-flag",
            case_id=event.case_id,
            actor=SYSTEM_ACTOR,
            correlation_id=event.correlation_id,
            removed_on=event.occurred_at.date(),
            reason=reason,
        )
    ]


REACTIONS = (
    Reaction("assessment-opens-cpo-work-item", ["case.*.referral.ReferralAccepted"], open_work_item),
    Reaction("assessment-flags-sanctuary-address", ["case.*.contractor.InstallationCompleted"], flag_address),
    Reaction(
        "assessment-removes-sanctuary-flag",
        ["case.*.referral.CaseClosed", "case.*.referral.ConsentWithdrawn"],
        remove_flag,
    ),
)
