"""Published contract of the assessment side (owner "assessment"): the police Crime Prevention
Officer (CPO) work item, intelligence check, property visit and assessment; the DASH risk
assessment; and the fire and rescue service's sanctuary address flag and fire safety check.

Sources: Darlington pathway steps 4-6 (seed 001); South Essex Homes sanctuary room, fire service
call-out system and service standards (seed 002); CHS DASH RIC and MARAC (seed 003); the
Standing Together monitoring template (seed 000). Measures are catalogue lines (shared.catalogue).

The modules: ``options``, ``parts``, ``events``, ``commands`` and ``queries`` (the fire control
room's lookup). Each module lists its public names in ``__all__``, and every one is re-exported
here: import from ``shared.contracts.assessment``.
"""

from __future__ import annotations

from shared.contracts.assessment import commands, events, options, parts, queries
from shared.contracts.assessment.commands import *  # noqa: F403
from shared.contracts.assessment.events import *  # noqa: F403
from shared.contracts.assessment.options import *  # noqa: F403
from shared.contracts.assessment.parts import *  # noqa: F403
from shared.contracts.assessment.queries import *  # noqa: F403
from shared.contracts.common import ShortText

__all__ = [
    *commands.__all__,
    *events.__all__,
    *options.__all__,
    *parts.__all__,
    *queries.__all__,
    "ShortText",
]
