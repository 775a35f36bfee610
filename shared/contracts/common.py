"""What several sides of the published language share: the consent purposes and the recipients of
shared case data, the contact channels, the times a client must not be contacted, and the free-text
shapes. No side imports another side; each imports from here.

Sources: the referral form's four consent questions (seed 000), the contractor specification's
"level of contact" indicator (seed 004, section 15) and the form's "Times when it is not safe to
contact".
"""

from __future__ import annotations

import enum
from datetime import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator


class MessagePart(BaseModel):
    """Base of every model a message is built from (a form section, a line, a view, a query): frozen,
    and refusing a field it does not declare."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# Free text: a line (a name, a title, a reference) and a paragraph (a narrative, a reason).
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ConsentPurpose(enum.StrEnum):
    """The referral form's four consent questions: having the Sanctuary Scheme installed, contacting
    the landlord, sharing information with the organisations delivering the scheme, and a follow-up
    contact after the installation."""

    INSTALLATION = "installation"
    LANDLORD_CONTACT = "landlord_contact"
    INFORMATION_SHARING = "information_sharing"
    FOLLOW_UP_CONTACT = "follow_up_contact"


class Recipient(enum.StrEnum):
    """Agencies that receive a per-case view under the information-sharing agreement; ``fire`` is the
    fire service's sanctuary address register, kept on its call-out system."""

    POLICE = "police"
    IDVA = "idva"
    HOUSING = "housing"
    CONTRACTOR = "contractor"
    FIRE = "fire"


class ContactChannel(enum.StrEnum):
    """How a client was contacted: the channels of the contract's "level of contact" indicator
    (telephone, face to face, letter, other)."""

    TELEPHONE = "telephone"
    FACE_TO_FACE = "face to face"
    LETTER = "letter"
    OTHER = "other"


class Weekday(enum.StrEnum):
    """A day of the week, in lower case."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class UnsafeContactWindow(MessagePart):
    """A time the client must not be contacted: these weekdays, from ``start`` to ``end`` (UK local time).

    ``end`` before ``start`` means the window runs past midnight (e.g. 22:00-07:00).
    """

    days: list[Weekday] = Field(min_length=1, description="The weekdays the window applies to (at least one)")
    start: time = Field(description="When the window starts, UK local time, HH:MM[:SS]")
    end: time = Field(
        description="When the window ends, UK local time, HH:MM[:SS]; earlier than start when it runs past "
        "midnight; never equal to start"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> UnsafeContactWindow:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self
