"""Parts of the assessment side's messages: a recommended measure, the sanctuary room, a measure
judged not feasible, and the fire service's view of a sanctuary address. Measures are catalogue
lines (shared.catalogue)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.catalogue import ItemCode, ItemQuantity, MeasureLine
from shared.contracts.common import MessagePart
from shared.personal import Personal

__all__ = ["FIRE_VIEW_FIELDS", "FireFlagView", "NotFeasibleMeasure", "RecommendedMeasure", "SanctuaryRoom"]


class RecommendedMeasure(MessagePart):
    """A catalogue item, how many, and where in the property (free text, so personal)."""

    item_code: ItemCode = Field(
        description="The measure's code in the scheme's catalogue (capitals, digits, hyphens)"
    )
    quantity: ItemQuantity = Field(description="How many (1 to 100)")
    where: Personal[str | None] = Field(
        default=None,
        description="Where in the property (e.g. front door, ground-floor windows); may be left out",
    )


class SanctuaryRoom(MessagePart):
    """The chosen sanctuary room. South Essex: at the front of the property where possible, to help
    fire rescue; if not, say why."""

    room: Personal[str] = Field(description="Which room (the victim can select which room)")
    floor: Personal[str] = Field(description="Which floor it is on")
    at_front_of_property: bool = Field(
        description="Is the room at the front of the property (to facilitate rescue)?"
    )
    why_not_at_front: Personal[str | None] = Field(
        default=None,
        description="Why the room is not at the front: required when it is not, otherwise left out",
    )


class NotFeasibleMeasure(MessagePart):
    """A measure judged not feasible, why, and the alternative (a catalogue item, a description, or both)."""

    item_code: ItemCode = Field(
        description="The catalogue code of the measure not feasible (not also among the recommended measures)"
    )
    reason: Personal[str] = Field(description="Why it is not feasible or appropriate")
    alternative: MeasureLine | None = Field(
        default=None,
        description="The alternative as a catalogue item and quantity; may be left out if described",
    )
    alternative_description: Personal[str | None] = Field(
        default=None, description="The alternative in words; may be left out if an alternative item is given"
    )


class FireFlagView(MessagePart):
    """Everything the fire service sees of a sanctuary address, and nothing more: never the
    perpetrator, the demographics or the case narrative."""

    address: Personal[str] = Field(description="The sanctuary address, as on the referral form")
    house: Personal[str] = Field(
        description="The house number or name the control room asks by (the address's first number, or its "
        "first part before a comma)"
    )
    postcode: Personal[str] = Field(description="The address's postcode")
    sanctuary_room: Personal[str | None] = Field(
        default=None, description="The sanctuary room and its floor; null when the assessment chose none"
    )
    sanctuary_room_at_front: bool | None = Field(
        default=None,
        description="Is the sanctuary room at the front of the property? Null when there is none",
    )
    risk_of_arson: bool = Field(description="The referral form's Risk of arson was answered Yes")
    occupants: int = Field(ge=1, description="People in the household: the client and the children")
    children: int = Field(ge=0, description="Number of children in the household")
    rescue_needs: Personal[str | None] = Field(
        default=None,
        description="Needs that affect rescue: disabilities, adjustments and specific needs from the form; "
        "null when none",
    )
    flagged_on: date = Field(description="The day the address was put on the call-out system (YYYY-MM-DD)")


FIRE_VIEW_FIELDS = frozenset(FireFlagView.model_fields)
