"""Parts of the coordinator's decisions: an eligibility rule's result, a signpost, and the measures
approved or declined (with a funder's approval for a measure outside the scheme's scope)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.catalogue import ItemCode, ItemQuantity
from shared.contracts.common import MessagePart, ShortText
from shared.contracts.referral.options import RuleOutcome, SignpostKind

__all__ = ["ApprovedItem", "DeclinedItem", "FunderApproval", "RuleResult", "Signpost"]


class RuleResult(MessagePart):
    """One eligibility rule of the scheme, and what it found (the reason names no personal value)."""

    rule_id: str = Field(description="The rule's id in the scheme configuration")
    description: str = Field(description="The rule in the scheme's words")
    outcome: RuleOutcome = Field(
        description="Met, not met, or unknown (the form does not answer what the rule tests)"
    )
    reason: str = Field(description="Why the rule is met, not met, or cannot be decided")


class Signpost(MessagePart):
    """A service the client is signposted to (from the scheme configuration)."""

    kind: SignpostKind = Field(
        description="What kind of service: refuge, housing options or specialist services, where the "
        "Sanctuary Scheme will not meet the need"
    )
    name: ShortText = Field(description="The service's name")
    contact: str | None = Field(
        default=None,
        max_length=300,
        description="The service's public contact (telephone, e-mail or web address); none when the scheme "
        "gives none",
    )


class FunderApproval(MessagePart):
    """A funder's approval of a measure outside the scheme's scope."""

    funder: ShortText = Field(description="The funding body")
    approved_by: ShortText = Field(description="Staff identifier of the person at the funder who approved")
    approved_on: date = Field(description="The day the funder approved (YYYY-MM-DD)")
    reference: ShortText | None = Field(default=None, description="The funder's reference; may be left out")


class ApprovedItem(MessagePart):
    """A recommended measure the coordinator approves: catalogue item and quantity."""

    item_code: ItemCode = Field(
        description="The measure's code in the scheme's catalogue (capitals, digits and hyphens)"
    )
    quantity: ItemQuantity = Field(description="How many are approved (1 to 100)")
    funder_approval: FunderApproval | None = Field(
        default=None,
        description="The funder's approval: required when the item's catalogue scope is outside the "
        "scheme's scope, otherwise left out",
    )


class DeclinedItem(MessagePart):
    """A recommended measure the coordinator does not approve, and why."""

    item_code: ItemCode = Field(description="The recommended measure's code in the scheme's catalogue")
    quantity: ItemQuantity = Field(description="How many of those recommended are not approved (1 to 100)")
    reason: ShortText = Field(description="Why it is not approved (no personal details)")
