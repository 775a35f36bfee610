"""Other sides' events that become assessment commands. Command ids derive from the event id, so an
event read again after a crash is a no-op. A reaction the decider refuses (e.g. an installation
completed without grounds to share with the fire service) is logged by field only and not retried."""

from __future__ import annotations

from collections.abc import Sequence

from shared.commands import Command
from shared.contracts.assessment import (
    FlagRemovalReason,
    FlagSanctuaryAddress,
    OpenCpoWorkItem,
    RemoveSanctuaryFlag,
)
from shared.contracts.contractor import InstallationCompleted
from shared.contracts.referral import (
    CaseClosed,
    ConsentWithdrawn,
    ReferralAccepted,
    SafeguardingOverrideRecorded,
)
from shared.contracts.reporting import ConsentPurpose, Recipient
from shared.events import RecordedEvent
from shared.service import Reaction, reaction_command


def open_work_item(event: RecordedEvent) -> Sequence[Command]:
    payload = event.payload
    if not isinstance(payload, ReferralAccepted):
        return []
    return [
        reaction_command(
            OpenCpoWorkItem,
            event,
            "open-cpo-work-item",
            accepted_on=payload.accepted_on,
            urgent=payload.urgent,
        )
    ]


def flag_address(event: RecordedEvent) -> Sequence[Command]:
    """Completed works flag the address; so does a later safeguarding override for the fire service
    (the decider refuses unless the works are completed and the address is not flagged yet)."""
    payload = event.payload
    if isinstance(payload, InstallationCompleted):
        on = payload.completed_at.date()
    elif isinstance(payload, SafeguardingOverrideRecorded) and payload.recipient is Recipient.FIRE:
        on = event.occurred_at.date()
    else:
        return []
    return [reaction_command(FlagSanctuaryAddress, event, "flag-sanctuary-address", flagged_on=on)]


def remove_flag(event: RecordedEvent) -> Sequence[Command]:
    """Closure, or withdrawn consent to information sharing (the decider keeps a flag that another
    basis, such as a safeguarding override, still allows)."""
    payload = event.payload
    if isinstance(payload, CaseClosed):
        reason, on = FlagRemovalReason.CASE_CLOSED, payload.closed_on
    elif isinstance(payload, ConsentWithdrawn) and payload.purpose is ConsentPurpose.INFORMATION_SHARING:
        reason, on = FlagRemovalReason.CONSENT_WITHDRAWN, payload.withdrawn_at.date()
    else:
        return []
    return [
        reaction_command(RemoveSanctuaryFlag, event, "remove-sanctuary-flag", removed_on=on, reason=reason)
    ]


REACTIONS = (
    Reaction("assessment-opens-cpo-work-item", ["case.*.referral.ReferralAccepted"], open_work_item),
    Reaction(
        "assessment-flags-sanctuary-address",
        ["case.*.contractor.InstallationCompleted", "case.*.referral.SafeguardingOverrideRecorded"],
        flag_address,
    ),
    Reaction(
        "assessment-removes-sanctuary-flag",
        ["case.*.referral.CaseClosed", "case.*.referral.ConsentWithdrawn"],
        remove_flag,
    ),
)
