"""The contractor side's shapes and option lists: catalogue codes, quantities, money, staff
identifiers, and the lists of contact outcomes, suspension concerns and installer genders.

Source: the Tower Hamlets contractor specification, section 5 (seed 004). Money is in pounds
sterling with two decimal places.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from shared.contracts.common import Text

__all__ = [
    "ContactOutcome",
    "FreeText",
    "InstallerGender",
    "ItemCode",
    "Money",
    "NotEstablishedReason",
    "Quantity",
    "StaffId",
    "SuspensionConcern",
]

ItemCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Quantity = Annotated[int, Field(ge=1, le=1000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
StaffId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
FreeText = Text


class ContactOutcome(enum.StrEnum):
    """What came of an attempt to reach the client; only "contact made" counts as first contact."""

    CONTACT_MADE = "contact made"
    NO_ANSWER = "no answer"
    MESSAGE_LEFT = "message left"
    NUMBER_NOT_IN_SERVICE = "number not in service"
    CLIENT_NOT_ABLE_TO_TALK_SAFELY = "client not able to talk safely"
    LETTER_SENT = "letter sent"


class SuspensionConcern(enum.StrEnum):
    """The contractor specification, section 5 (9): concerns that the perpetrator is residing at or visiting
    the address."""

    PERPETRATOR_RESIDING = "perpetrator residing at the address"
    PERPETRATOR_VISITING = "perpetrator visiting the address"


class NotEstablishedReason(enum.StrEnum):
    """Why the coordinator is told first contact was not established."""

    # The contractor's office reported that its attempts did not reach the client.
    CONTRACTOR_REPORTED = "the contractor could not reach the client"
    # The service's own deadline watch: 48 hours passed with no successful contact.
    DEADLINE_PASSED = "first contact deadline passed with no contact"


class InstallerGender(enum.StrEnum):
    """An installer's gender, as the staff register records it (a client may ask for a female installer)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
