"""Recording disclosures: before a view carrying case data is published, a DisclosureRecorded event
on the case names the recipient, the events and field paths (never the values), the basis and the
policy version. A decider, so the kernel's case handler gives it concurrency checks and retries."""

from __future__ import annotations

from typing import ClassVar

from services.reporting.views.project import Sight, Visible
from services.reporting.views.state import CaseSharing, HeldEvent, make_evolve
from shared.commands import Command
from shared.contracts.reporting import DisclosureRecorded, Recipient
from shared.decider import Decider
from shared.events import Event, Role
from shared.sharing import Disclosure, Refused, SharingPolicy


class RecordDisclosure(Command):
    """Internal to the views (never served on the bus): record what is about to go to a recipient.
    Its command id is derived from the triggering event's id and the recipient."""

    service: ClassVar[str] = "reporting"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM})
    recipient: Recipient


def disclosure_command_id(event_id: str, recipient: Recipient) -> str:
    return f"{event_id}:disclose:{recipient.value}"


def decide_disclosure(
    policy: SharingPolicy, command: RecordDisclosure, state: CaseSharing, sight: Sight | None = None
) -> list[Event]:
    """A DisclosureRecorded for the events the recipient may now see that it has not been given
    (``sight``, if given, is the projector's: what it worked out of this state is not done again)."""
    recipient = command.recipient
    seen = (sight or Sight(policy))(state, recipient)
    disclosure = disclosure_due(policy, state, command.case_id, recipient, seen)
    return [] if disclosure is None else [disclosure]


def undisclosed(
    state: CaseSharing, recipient: Recipient, seen: Visible | Refused
) -> list[tuple[HeldEvent, Disclosure]]:
    """What the recipient may see (``seen``, from ``visible``) that it has not been given."""
    if not isinstance(seen, Visible):
        return []
    already = state.disclosed.get(recipient, frozenset())
    return [(h, d) for h, d in seen.items if h.event_id not in already]


def disclosure_due(
    policy: SharingPolicy, state: CaseSharing, case_id: str, recipient: Recipient, seen: Visible | Refused
) -> DisclosureRecorded | None:
    """What ``decide_disclosure`` records, given what ``visible`` says of ``state``: None when the
    recipient may see nothing it has not been given."""
    new = undisclosed(state, recipient, seen)
    if not new or not isinstance(seen, Visible):
        return None
    terms = policy.recipients[recipient]
    return DisclosureRecorded(
        recipient=recipient,
        subject=f"{terms.subject}.{case_id}",
        source_event_ids=[h.event_id for h, _ in new],
        event_types=sorted({h.type for h, _ in new}),
        fields=sorted(f"{h.type}.{path}" for h, d in new for path in d.paths),
        basis_kind=seen.grounds.kind,
        basis=seen.grounds.basis,
        override_event_id=seen.grounds.override_event_id,
        policy_version=policy.version,
    )


def views_decider(
    policy: SharingPolicy, sight: Sight | None = None
) -> Decider[RecordDisclosure, CaseSharing]:
    return Decider(
        initial=CaseSharing,
        decide=lambda command, state: decide_disclosure(policy, command, state, sight),
        evolve=make_evolve(policy),
    )
