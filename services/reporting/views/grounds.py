"""Consent answers and safeguarding overrides, read from the referral side's events.

Consent is per purpose, as last answered: ConsentRecorded (given or refused) and ConsentWithdrawn
(refused from then on). A SafeguardingOverrideRecorded names one recipient and one lawful basis;
the policy says which bases restore which recipient. An override stands once recorded.
"""

from __future__ import annotations

from shared.contracts.referral import ConsentRecorded, ConsentWithdrawn, SafeguardingOverrideRecorded
from shared.contracts.reporting import ConsentPurpose, LawfulBasis, Recipient
from shared.events import Event

GROUNDS_EVENT_TYPES: frozenset[str] = frozenset(
    cls.type_name() for cls in (ConsentRecorded, ConsentWithdrawn, SafeguardingOverrideRecorded)
)


def consent_answers(payload: Event) -> dict[ConsentPurpose, bool]:
    if isinstance(payload, ConsentRecorded):
        return {payload.purpose: payload.given}
    if isinstance(payload, ConsentWithdrawn):
        return {payload.purpose: False}
    return {}


def override_granted(payload: Event) -> tuple[Recipient, LawfulBasis] | None:
    if isinstance(payload, SafeguardingOverrideRecorded):
        return payload.recipient, LawfulBasis(payload.lawful_basis.value)
    return None
