"""Published contract of the contractor side (the security installation company): works orders,
installer allocation, client contact, installation, cancellation and suspension.

Source: the Tower Hamlets contractor specification section 5 (seed 004) and the South Essex
service standards (seed 002). Money is in pounds sterling with two decimal places.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from shared.commands import BaseCommand, Command, day_problem
from shared.events import Event, Role, registry
from shared.personal import Personal

ItemCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Quantity = Annotated[int, Field(ge=1, le=1000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
StaffId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
FreeText = Annotated[str, Field(min_length=1, max_length=2000)]

# The roles that speak for the contractor: its office, and its installers on site.
CONTRACTOR_STAFF = frozenset({Role.CONTRACTOR_OFFICE, Role.INSTALLER})


class ContactChannel(enum.StrEnum):
    """Channels counted in the contract's 'level of contact' indicator (seed 004, section 15)."""

    TELEPHONE = "telephone"
    FACE_TO_FACE = "face to face"
    LETTER = "letter"
    OTHER = "other"


class ContactOutcome(enum.StrEnum):
    CONTACT_MADE = "contact made"
    NO_ANSWER = "no answer"
    MESSAGE_LEFT = "message left"
    NUMBER_NOT_IN_SERVICE = "number not in service"
    CLIENT_NOT_ABLE_TO_TALK_SAFELY = "client not able to talk safely"
    LETTER_SENT = "letter sent"


class Weekday(enum.StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class SuspensionConcern(enum.StrEnum):
    """Section 5 (9): concerns that the perpetrator is residing at or visiting the address."""

    PERPETRATOR_RESIDING = "perpetrator residing at the address"
    PERPETRATOR_VISITING = "perpetrator visiting the address"


class NotEstablishedReason(enum.StrEnum):
    """Why the coordinator is told first contact was not established."""

    # The contractor's office reported that its attempts did not reach the client.
    CONTRACTOR_REPORTED = "the contractor could not reach the client"
    # The service's own deadline watch: 48 hours passed with no successful contact.
    DEADLINE_PASSED = "first contact deadline passed with no contact"


class InstallerGender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class UnsafeContactWindow(BaseModel):
    """A time the client must not be contacted: these weekdays, from ``start`` to ``end`` (UK local time).

    ``end`` before ``start`` means the window runs past midnight (e.g. 22:00-07:00).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: list[Weekday] = Field(min_length=1)
    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> UnsafeContactWindow:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class WorkItem(BaseModel):
    """An approved measure: a catalogue item code and how many."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: ItemCode
    quantity: Quantity


class InstalledItem(BaseModel):
    """A line of the itemised invoice: what was fitted, how many, at what unit cost, and the total."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: ItemCode
    quantity: Quantity
    unit_cost_gbp: Money
    total_gbp: Money
    # Set when the unit cost differs from the catalogue's; free text, so personal.
    cost_override_reason: Personal[str | None] = None


def _check_has_happened(day: date | None) -> date | None:
    problem = None if day is None else day_problem(day, datetime.now(UTC))
    if problem:
        raise PydanticCustomError("day_out_of_range", problem)
    return day


class InstallerRecord(BaseModel):
    """One installer in the contractor's staff register (kept outside the case stream)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    installer_id: StaffId
    initials: str = Field(min_length=1, max_length=5, pattern=r"^[A-Za-z]+$")
    gender: InstallerGender
    # Within the bounds every command keeps (shared.commands): a check dated ahead would never
    # expire. Checked against the clock, which is safe on reading back: a past day stays past.
    enhanced_dbs_checked_on: Annotated[date | None, AfterValidator(_check_has_happened)] = None


# -- events ----------------------------------------------------------------------------------


class WorksOrderReceived(Event):
    """The coordinator's approved works, as the contractor receives them. Exactly these fields:
    nothing else from the case travels to the contractor."""

    owner = "contractor"

    approved_items: list[WorkItem] = Field(min_length=1)
    client_name: Personal[str]
    client_address: Personal[str]
    client_telephone: Personal[str | None] = None
    unsafe_contact_times: Personal[str | None] = None
    unsafe_contact_windows: Personal[list[UnsafeContactWindow]] = Field(default_factory=list)
    female_installer_requested: bool = False
    password_requested: bool = False
    someone_present_requested: bool = False
    installation_requests: Personal[str | None] = None
    # Urgent (same-day) cases need an emergency lock change the same day.
    urgent: bool = False
    first_contact_due_by: AwareDatetime


class InstallerAllocated(Event):
    owner = "contractor"

    installer_id: StaffId
    enhanced_dbs_checked_on: date


class ConflictOfInterestDeclared(Event):
    """An installer knows the victim or the perpetrator. Names the installer only, never whom they know."""

    owner = "contractor"

    installer_id: StaffId


class ClientContactAttempted(Event):
    """An attempt to reach the client, and who at the contractor made it (the office arranges the
    visit before an installer is allocated, so it need not be the installer)."""

    owner = "contractor"
    schema_version = 2  # v2 adds ``contacted_by``

    channel: ContactChannel
    outcome: ContactOutcome
    attempted_at: AwareDatetime
    within_first_contact_deadline: bool
    # A staff identifier (never the client's); None on attempts recorded before v2.
    contacted_by: str | None = Field(default=None, min_length=1, max_length=120)


@registry.upcaster(ClientContactAttempted.type_name(), 1)
def _client_contact_attempted_v1(payload: dict[str, Any]) -> dict[str, Any]:
    # Who made the contact was not recorded before v2.
    return {**payload, "contacted_by": None}


class ContactNotEstablished(Event):
    """Tells the coordinator (the Sanctuary Project Officer) that the client could not be reached."""

    owner = "contractor"
    schema_version = 2  # v2 adds ``reason``

    attempts: int = Field(ge=0)
    channels_tried: list[ContactChannel] = Field(default_factory=list)
    first_contact_due_by: AwareDatetime
    reason: NotEstablishedReason = NotEstablishedReason.CONTRACTOR_REPORTED


@registry.upcaster(ContactNotEstablished.type_name(), 1)
def _contact_not_established_v1(payload: dict[str, Any]) -> dict[str, Any]:
    # Before the deadline watch, only the contractor's office reported it.
    return {**payload, "reason": NotEstablishedReason.CONTRACTOR_REPORTED.value}


class InstallationVisitBooked(Event):
    owner = "contractor"

    visit_on: date
    installer_id: StaffId
    completion_due_by: date | None = None


class EmergencyLockChangeCompleted(Event):
    owner = "contractor"

    completed_at: AwareDatetime
    same_day: bool


class ItemsInstalled(Event):
    owner = "contractor"

    items: list[InstalledItem] = Field(min_length=1)
    total_gbp: Money


class MeasureNotFeasibleAgreed(Event):
    """A recommended measure not feasible or appropriate, with the alternative agreed with the
    Protective Security Manager (named by staff id)."""

    owner = "contractor"

    item_code: ItemCode
    alternative_item_code: ItemCode | None = None
    alternative_quantity: Quantity | None = None
    agreed_with: StaffId
    reason: Personal[str]


class InstallationCompleted(Event):
    owner = "contractor"

    completed_at: AwareDatetime
    total_cost_gbp: Money
    working_days_from_works_order: int = Field(ge=0)
    working_days_from_first_contact: int | None = None
    # Made-to-measure items (grilles, security film) are outside the 2-5 day rule.
    made_to_measure: bool
    within_timescale: bool


class InstallationCancelled(Event):
    owner = "contractor"

    reason: str = Field(min_length=1, max_length=200)  # from the scheme's cancellation_reasons
    note: Personal[str | None] = None


class WorksSuspended(Event):
    """Works stopped at once; this event is the coordinator's notification. Only the coordinator's
    WorksResumed (referral side) lifts it."""

    owner = "contractor"

    concern: SuspensionConcern
    reported_by: StaffId
    details: Personal[str | None] = None


# -- commands --------------------------------------------------------------------------------


class ContractorCommand(Command):
    service: ClassVar[str] = "contractor"
    allowed_roles: ClassVar[frozenset[Role]] = CONTRACTOR_STAFF


class ReceiveWorksOrder(ContractorCommand):
    """Issued by the system when the coordinator approves recommendations; the works order is
    built from the case's referral form and approval."""

    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR})


class AllocateInstaller(ContractorCommand):
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE})

    installer_id: StaffId
    # Filled in by the service from its staff register before deciding; a caller's value is ignored.
    installer: InstallerRecord | None = None


class DeclareConflictOfInterest(ContractorCommand):
    installer_id: StaffId


class RecordContactAttempt(ContractorCommand):
    """An attempt to reach the client, by the office or an installer, before or after an installer
    is allocated. ``contacted_by`` is the staff member who made it (the person recording it when
    not given); one who declared a conflict of interest on the case may not."""

    channel: ContactChannel
    outcome: ContactOutcome
    attempted_at: AwareDatetime
    contacted_by: StaffId | None = None


class ReportContactNotEstablished(ContractorCommand):
    """The office's report after failed attempts, or the system's when the first-contact deadline
    passed with no contact (``reason``)."""

    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE, Role.SYSTEM})

    reason: NotEstablishedReason = NotEstablishedReason.CONTRACTOR_REPORTED


class BookInstallationVisit(ContractorCommand):
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE})

    visit_on: date


class RecordEmergencyLockChange(ContractorCommand):
    completed_at: AwareDatetime


class InstalledItemLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: ItemCode
    quantity: int  # checked by the decider, so quantity 0 gets its own clear error
    unit_cost_gbp: Money
    cost_override_reason: FreeText | None = None


class RecordItemsInstalled(ContractorCommand):
    items: list[InstalledItemLine] = Field(min_length=1)


class RecordMeasureNotFeasible(ContractorCommand):
    item_code: ItemCode
    alternative_item_code: ItemCode | None = None
    alternative_quantity: Quantity | None = None
    agreed_with: StaffId
    reason: FreeText


class CompleteInstallation(ContractorCommand):
    completed_at: AwareDatetime


class CancelInstallation(ContractorCommand):
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE, Role.COORDINATOR})

    reason: str = Field(min_length=1, max_length=200)
    note: FreeText | None = None


class SuspendWorks(ContractorCommand):
    concern: SuspensionConcern
    reported_by: StaffId
    details: FreeText | None = None


class RegisterInstaller(BaseCommand):
    """Adds or updates an installer in the staff register (a command about no case)."""

    service: ClassVar[str] = "contractor"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.CONTRACTOR_OFFICE})

    installer: InstallerRecord


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
