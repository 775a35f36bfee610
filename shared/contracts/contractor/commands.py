"""The contractor side's commands, served by the contractor service on ``cmd.contractor.<Command>``
(request/reply; the reply is a CommandReply). Every case command also carries the common fields of
``shared.commands.Command``. Free text marked "(personal)" is stored sealed under the case's key.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, Field

from shared.commands import BaseCommand, Command
from shared.contracts.common import ContactChannel, MessagePart, ShortText
from shared.contracts.contractor.options import (
    ContactOutcome,
    FreeText,
    ItemCode,
    Money,
    NotEstablishedReason,
    Quantity,
    StaffId,
    SuspensionConcern,
)
from shared.contracts.contractor.parts import InstallerRecord
from shared.events import Role

__all__ = [
    "CASE_COMMANDS",
    "CONTRACTOR_STAFF",
    "AllocateInstaller",
    "BookInstallationVisit",
    "CancelInstallation",
    "CompleteInstallation",
    "ContractorCommand",
    "DeclareConflictOfInterest",
    "InstalledItemLine",
    "ReceiveWorksOrder",
    "RecordContactAttempt",
    "RecordEmergencyLockChange",
    "RecordItemsInstalled",
    "RecordMeasureNotFeasible",
    "RegisterInstaller",
    "ReportContactNotEstablished",
    "SuspendWorks",
]

# The roles that speak for the contractor: its office, and its installers on site.
CONTRACTOR_STAFF = frozenset({Role.CONTRACTOR_OFFICE, Role.INSTALLER})


class ContractorCommand(Command):
    """Base of the contractor service's case commands: its office's and its installers' unless a
    command says otherwise."""

    service: ClassVar[str] = "contractor"
    allowed_roles: ClassVar[frozenset[Role]] = CONTRACTOR_STAFF


class ReceiveWorksOrder(ContractorCommand):
    """Issued by the system when the coordinator approves recommendations; the works order is
    built from the case's referral form and approval."""

    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR})


class AllocateInstaller(ContractorCommand):
    """Allocate an installer from the staff register: enhanced DBS checked, no conflict of interest
    declared on the case, female when the client asked for one."""

    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE})

    installer_id: StaffId = Field(description="The installer's staff identifier in the staff register")
    installer: InstallerRecord | None = Field(
        default=None,
        description="Leave out: the service fills it in from its staff register; a caller's value is ignored",
    )


class DeclareConflictOfInterest(ContractorCommand):
    """An installer knows the victim or the perpetrator (never say whom): they are not allocated to the
    case and may not contact the client."""

    installer_id: StaffId = Field(description="The staff identifier of the installer declaring it")


class RecordContactAttempt(ContractorCommand):
    """An attempt to reach the client, by the office or an installer, before or after an installer
    is allocated. ``contacted_by`` is the staff member who made it (the person recording it when
    not given); one who declared a conflict of interest on the case may not."""

    channel: ContactChannel = Field(description="How the client was contacted")
    outcome: ContactOutcome = Field(description="What came of it ('contact made' is the first contact)")
    attempted_at: AwareDatetime = Field(
        description="When the attempt was made (ISO 8601 with a time zone): not before the works order, not "
        "in the future, not inside a time when it is not safe to contact"
    )
    contacted_by: StaffId | None = Field(
        default=None, description="The staff identifier of who made it; left out: the actor's person"
    )


class ReportContactNotEstablished(ContractorCommand):
    """The office's report after failed attempts, or the system's when the first-contact deadline
    passed with no contact (``reason``)."""

    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE, Role.SYSTEM})

    reason: NotEstablishedReason = Field(
        default=NotEstablishedReason.CONTRACTOR_REPORTED,
        description="The contractor's report (the default), or the deadline passing with no contact (the "
        "system's deadline watch only)",
    )


class BookInstallationVisit(ContractorCommand):
    """Arrange a convenient time with the client for the works, after first contact, with an
    installer allocated."""

    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE})

    visit_on: date = Field(description="The day of the visit (YYYY-MM-DD), not before the first contact")


class RecordEmergencyLockChange(ContractorCommand):
    """Record an emergency lock change (carried out the same day where possible)."""

    completed_at: AwareDatetime = Field(
        description="When the locks were changed (ISO 8601 with a time zone), not in the future"
    )


class InstalledItemLine(MessagePart):
    """One line of what was fitted: catalogue code, quantity and unit cost."""

    item_code: ItemCode = Field(
        description="The fitted measure's code: an approved item or an agreed alternative"
    )
    # Checked by the decider, so quantity 0 gets its own clear error.
    quantity: int = Field(
        description="How many were fitted: at least 1, no more than approved and not yet fitted"
    )
    unit_cost_gbp: Money = Field(
        description="Cost of one, in pounds sterling with two decimal places: the catalogue's price unless "
        "cost_override_reason says why not"
    )
    cost_override_reason: FreeText | None = Field(
        default=None,
        description="Why the unit cost differs from the catalogue's (personal); required then, otherwise "
        "left out",
    )


class RecordItemsInstalled(ContractorCommand):
    """Record the measures fitted on a visit (lines of the itemised invoice)."""

    items: list[InstalledItemLine] = Field(min_length=1, description="What was fitted, at least one line")


class RecordMeasureNotFeasible(ContractorCommand):
    """A recommended measure is not feasible or appropriate: record the alternative agreed with the
    Protective Security Manager (the coordinator is informed by this event)."""

    item_code: ItemCode = Field(description="The approved measure that is not feasible or appropriate")
    alternative_item_code: ItemCode | None = Field(
        default=None, description="The catalogue code of the alternative agreed; left out when none"
    )
    alternative_quantity: Quantity | None = Field(
        default=None, description="How many of the alternative: given with alternative_item_code, or neither"
    )
    agreed_with: StaffId = Field(description="The Protective Security Manager's staff identifier")
    reason: FreeText = Field(description="Why the measure is not feasible or appropriate (personal)")


class CompleteInstallation(ContractorCommand):
    """The works are complete: every approved measure (or its agreed alternative) is fitted."""

    completed_at: AwareDatetime = Field(
        description="When the works were completed (ISO 8601 with a time zone): not before the first "
        "contact, not in the future"
    )


class CancelInstallation(ContractorCommand):
    """Cancel the installation, with a reason from the scheme's list."""

    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE, Role.COORDINATOR})

    reason: ShortText = Field(description="Why: one of the scheme's cancellation reasons")
    note: FreeText | None = Field(
        default=None, description="Anything more about it (personal); may be left out"
    )


class SuspendWorks(ContractorCommand):
    """Concerns that the perpetrator is residing at or visiting the address: works stop at once and
    the coordinator is notified; only the coordinator resumes them."""

    concern: SuspensionConcern = Field(
        description="The concern: the perpetrator is residing at the address or is visiting the address"
    )
    reported_by: StaffId = Field(description="The staff identifier of who raised the concern")
    details: FreeText | None = Field(
        default=None, description="What was seen or heard (personal); may be left out"
    )


class RegisterInstaller(BaseCommand):
    """Adds or updates an installer in the staff register (a command about no case)."""

    service: ClassVar[str] = "contractor"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE})

    installer: InstallerRecord = Field(
        description="The installer's entry; an entry with the same installer_id is replaced"
    )


CASE_COMMANDS: tuple[type[ContractorCommand], ...] = (
    ReceiveWorksOrder,
    DeclareConflictOfInterest,
    RecordContactAttempt,
    ReportContactNotEstablished,
    BookInstallationVisit,
    RecordEmergencyLockChange,
    RecordItemsInstalled,
    RecordMeasureNotFeasible,
    CompleteInstallation,
    CancelInstallation,
    SuspendWorks,
)
