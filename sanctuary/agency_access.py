"""Which outside system may do what over NATS: one NATS account per kind of agency system, allowed
exactly the commands its people's roles may issue (``Command.allowed_roles``), and one per
recipient of views, allowed to read its own views (``view.<recipient>.<case_id>``) and no other.

The services still check the actor's role on every command; the account is the check an agency
cannot talk its way past (the role in a command is self-declared). ``sanctuary.deployconfig``
turns this into ``deploy/nats-users.conf``.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.commands import BaseCommand
from shared.contracts.reporting import Recipient
from shared.events import Role

AGENCY_USERS: dict[str, frozenset[Role]] = {
    # The scheme coordinator's case management.
    "coordinator": frozenset({Role.COORDINATOR}),
    # Referring agencies: housing officers, IDVAs and other referrers.
    "referrer": frozenset({Role.REFERRER, Role.IDVA, Role.HOUSING_OFFICER}),
    # The police Crime Prevention Officer unit and the council's Protective Security Manager.
    "cpo": frozenset({Role.POLICE_CPO, Role.PROTECTIVE_SECURITY_MANAGER}),
    # The fire and rescue service's officers (the control room is the separate fire_control user).
    "fire_service": frozenset({Role.FIRE_OFFICER}),
    # The security contractor's office and its installers.
    "contractor_office": frozenset({Role.CONTRACTOR_OFFICE, Role.INSTALLER}),
}


def all_commands() -> dict[str, type[BaseCommand]]:
    """Every concrete command class (a leaf with a service; a side's shared base is not one), by name."""
    import shared.contracts  # noqa: F401  (importing the package registers every command class)

    found: dict[str, type[BaseCommand]] = {}
    pending = list(BaseCommand.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.service and not cls.__subclasses__() and cls.__module__.startswith("shared.contracts"):
            found[cls.name()] = cls
    return dict(sorted(found.items()))


def command_subjects() -> dict[str, frozenset[Role]]:
    """Every command subject an agency may send, with the roles that may send it."""
    return {cls.subject(): cls.allowed_roles for cls in all_commands().values()}


def allowed_subjects(roles: Iterable[Role]) -> list[str]:
    wanted = frozenset(roles)
    return sorted(subject for subject, allowed in command_subjects().items() if allowed & wanted)


def view_reader(recipient: Recipient) -> str:
    return f"view_{recipient.value}"
