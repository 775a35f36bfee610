"""Which outside system may do what over NATS: one NATS user per kind of agency system, allowed
exactly the commands its people's roles may issue (``Command.allowed_roles``), and one per
recipient of views, allowed to read its own views (``view.<recipient>.<case_id>``) and no other.

The services still check the actor's role on every command; the NATS user is the check an agency
cannot talk its way past (the role in a command is self-declared). ``deploy/nats-users.conf``
holds these users, each with its own inbox prefix ``_INBOX_<user>`` so that no agency can overhear
another's replies; ``sanctuary nats-users`` prints their blocks.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.commands import Command
from shared.contracts.contractor import RegisterInstaller
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


def all_commands() -> dict[str, type[Command]]:
    """Every concrete command class (a leaf with a service; a side's shared base is not one), by name."""
    import shared.contracts  # noqa: F401  (importing the package registers every command class)

    found: dict[str, type[Command]] = {}
    pending = list(Command.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.service and not cls.__subclasses__() and cls.__module__.startswith("shared.contracts"):
            found[cls.name()] = cls
    return dict(sorted(found.items()))


def command_subjects() -> dict[str, frozenset[Role]]:
    """Every command subject an agency may send, with the roles that may send it."""
    subjects = {cls.subject(): cls.allowed_roles for cls in all_commands().values()}
    subjects[RegisterInstaller.subject] = RegisterInstaller.allowed_roles
    return subjects


def allowed_subjects(roles: Iterable[Role]) -> list[str]:
    wanted = frozenset(roles)
    return sorted(subject for subject, allowed in command_subjects().items() if allowed & wanted)


def view_reader(recipient: Recipient) -> str:
    return f"view_{recipient.value}"


def nats_user_blocks() -> str:
    """The agency users' and the view readers' entries for ``deploy/nats-users.conf``."""
    return _agency_blocks() + "".join(_view_reader_block(r) for r in Recipient)


def _view_reader_block(recipient: Recipient) -> str:
    # One case's view by direct get, or all of them through a durable consumer named after the
    # recipient and filtered on its subjects (the filter is in the create subject, so it is checked).
    r, user = recipient.value, view_reader(recipient)
    return f"""    {{
      # Reads its own views (view.{r}.<case_id>) and nothing else. Inbox prefix _INBOX_{user}.
      user: {user}
      password: $NATS_{user.upper()}_PASSWORD
      permissions: {{
        publish: {{
          allow: ["$JS.API.DIRECT.GET.VIEWS.view.{r}.>", "$JS.API.CONSUMER.CREATE.VIEWS.{r}.view.{r}.>",
                  "$JS.API.CONSUMER.INFO.VIEWS.{r}", "$JS.API.CONSUMER.MSG.NEXT.VIEWS.{r}",
                  "$JS.ACK.VIEWS.{r}.>"]
        }}
        subscribe: {{ allow: ["_INBOX_{user}.>"] }}
      }}
    }}
"""


def _agency_blocks() -> str:
    blocks = []
    for user, roles in AGENCY_USERS.items():
        names = ", ".join(sorted(r.value for r in roles))
        subjects = ",\n                  ".join(f'"{s}"' for s in allowed_subjects(roles))
        blocks.append(
            f"""    {{
      # Roles: {names}. Connect with inbox prefix _INBOX_{user}.
      user: {user}
      password: $NATS_{user.upper()}_PASSWORD
      permissions: {{
        publish: {{
          allow: [{subjects},
                  "health.>"]
        }}
        subscribe: {{ allow: ["_INBOX_{user}.>"] }}
      }}
    }}
"""
        )
    return "".join(blocks)
