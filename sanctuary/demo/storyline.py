"""What the generator produces: each case's storyline, a list of timed commands with who sends them.

A step whose command depends on something only known once an earlier reply arrives (the id of the
property assessment the coordinator approves) names that reply in ``remember`` and ``bind``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.commands import Command
from shared.events import Actor, Role


class Path(enum.StrEnum):
    """How a case goes through the scheme year."""

    INSTALLED = "installed"
    URGENT = "urgent, emergency lock change the same day"
    DECLINED = "declined and signposted"
    UNDER_18 = "under 18: safeguarding referral"
    CONSENT_WITHDRAWN = "consent withdrawn"
    SUSPENDED = "works suspended (perpetrator seen), then resumed"
    CANCELLED_NO_CONTACT = "cancelled: client could not be contacted"
    CANCELLED_MOVED = "cancelled: client moved out"
    COMPLAINT = "installed, complaint received and resolved"


# Paths every demo year shows, in this order of priority when there are few cases.
REQUIRED_PATHS: tuple[Path, ...] = (
    Path.INSTALLED,
    Path.DECLINED,
    Path.URGENT,
    Path.SUSPENDED,
    Path.CONSENT_WITHDRAWN,
    Path.CANCELLED_NO_CONTACT,
    Path.COMPLAINT,
    Path.UNDER_18,
    Path.CANCELLED_MOVED,
)


@dataclass(frozen=True)
class Step:
    at: datetime
    command: Command
    # The reply's first event id is kept under this name for a later step of the same case.
    remember: str | None = None
    # Fields of this command whose value names a remembered reply, replaced before sending.
    bind: tuple[str, ...] = ()
    # The command follows another service's reaction (e.g. the CPO work item opened on acceptance):
    # the driver retries it for a while when it is refused because the reaction has not landed yet.
    after_reaction: bool = False


@dataclass(frozen=True)
class Storyline:
    number: int
    case_id: str
    path: Path
    received_on: date
    urgent: bool
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def commands_named(self, name: str) -> list[Command]:
        return [s.command for s in self.steps if s.command.name() == name]


# The people acting in the demo year: staff identifiers, never clients.
COORDINATOR = Actor(agency="Demo Borough Sanctuary Scheme", person="coord-01", role=Role.COORDINATOR)
CPO = Actor(agency="Demoshire Police Crime Prevention", person="cpo-07", role=Role.POLICE_CPO)
FIRE_OFFICER = Actor(agency="Demoshire Fire and Rescue", person="fso-03", role=Role.FIRE_OFFICER)
CONTRACTOR_OFFICE = Actor(agency="Demo Secure Locks Ltd", person="office-01", role=Role.CONTRACTOR_OFFICE)
FOLLOW_UP_WORKER = Actor(agency="Demo Borough Sanctuary Scheme", person="coord-02", role=Role.COORDINATOR)


def installer_actor(installer_id: str) -> Actor:
    return Actor(agency="Demo Secure Locks Ltd", person=installer_id, role=Role.INSTALLER)
