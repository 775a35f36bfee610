"""Published contract of the referral and coordination side (owner "referral"): the Standing Together
referral form, consent, eligibility, the coordinator's triage and decisions, follow-up and closure.

Sources: the referral form and monitoring template (seed 000, wording kept word for word in the
option lists), the Darlington pathway (seed 001), South Essex eligibility and service standards
(seed 002), CHS safeguarding (seed 003), Tower Hamlets eligibility (seed 004).

The modules: ``options`` (the option lists), ``people``, ``household`` and ``form`` (the form's
sections and the whole form; ``_answers`` holds the checks they share), ``parts`` (parts of the
coordinator's decisions), ``events`` and ``commands``. Each module lists its public names in
``__all__``, and every one is re-exported here: import from ``shared.contracts.referral``.
"""

from __future__ import annotations

from shared.contracts.common import (
    ConsentPurpose,
    ContactChannel,
    Recipient,
    ShortText,
    Text,
    UnsafeContactWindow,
)
from shared.contracts.referral import commands, events, form, household, options, parts, people
from shared.contracts.referral._answers import Email, Postcode, Telephone
from shared.contracts.referral.commands import *  # noqa: F403
from shared.contracts.referral.events import *  # noqa: F403
from shared.contracts.referral.form import *  # noqa: F403
from shared.contracts.referral.household import *  # noqa: F403
from shared.contracts.referral.options import *  # noqa: F403
from shared.contracts.referral.parts import *  # noqa: F403
from shared.contracts.referral.people import *  # noqa: F403

__all__ = [
    *commands.__all__,
    *events.__all__,
    *form.__all__,
    *household.__all__,
    *options.__all__,
    *parts.__all__,
    *people.__all__,
    "ConsentPurpose",
    "ContactChannel",
    "Recipient",
    "ShortText",
    "Text",
    "UnsafeContactWindow",
    "Email",
    "Postcode",
    "Telephone",
]
