"""The fire control room's lookup (request/reply on ``query.fire.SanctuaryAddress``, not a case
command): "is this address a sanctuary address?", one address at a time."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.contracts.assessment.parts import FireFlagView
from shared.contracts.common import MessagePart
from shared.errors import Problem
from shared.events import Actor

__all__ = ["SANCTUARY_ADDRESS_QUERY", "SanctuaryAddressAnswer", "SanctuaryAddressQuery"]

# The request/reply subject the fire service's control room asks on.
SANCTUARY_ADDRESS_QUERY = "query.fire.SanctuaryAddress"


class SanctuaryAddressQuery(MessagePart):
    """ "Is this address a sanctuary address?" One address at a time; nothing can be listed."""

    actor: Actor = Field(description="Who asks: a fire control room operator (role fire_control)")
    postcode: str = Field(
        min_length=5,
        max_length=10,
        description="The postcode of the address asked about (spaces and case do not matter)",
    )
    house: str = Field(
        min_length=1,
        max_length=100,
        description="The house number or name, as the caller gives it (case and punctuation do not matter)",
    )
    asked_at: datetime | None = Field(
        default=None, description="When the question was asked (ISO 8601); may be left out"
    )


class SanctuaryAddressAnswer(MessagePart):
    """The flag when the address is a sanctuary address; ``found`` false otherwise, and with
    ``errors`` (each a field and a problem) when the question was malformed or not allowed."""

    found: bool = Field(description="The address is a sanctuary address on the call-out system")
    flag: FireFlagView | None = Field(
        default=None, description="What the fire service holds of it; null when not found"
    )
    errors: list[Problem] | None = Field(
        default=None,
        description="Each problem with the question (a field and a problem); null when it was asked well",
    )
