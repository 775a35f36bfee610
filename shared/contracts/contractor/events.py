"""The contractor side's events (owner "contractor"), each published on
``case.<case_id>.contractor.<EventType>``: the works order received, installer allocation, client
contact, the installation, cancellation and suspension (Tower Hamlets specification section 5,
seed 004; South Essex service standards, seed 002).

Two events have a version 2; a stored version 1 is upcast on read (below).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, Field

from shared.contracts.common import ContactChannel, ShortText, UnsafeContactWindow
from shared.contracts.contractor.options import (
    ContactOutcome,
    ItemCode,
    Money,
    NotEstablishedReason,
    Quantity,
    StaffId,
    SuspensionConcern,
)
from shared.contracts.contractor.parts import InstalledItem, WorkItem
from shared.events import Event, registry
from shared.personal import Personal

__all__ = [
    "ClientContactAttempted",
    "ConflictOfInterestDeclared",
    "ContactNotEstablished",
    "EmergencyLockChangeCompleted",
    "InstallationCancelled",
    "InstallationCompleted",
    "InstallationVisitBooked",
    "InstallerAllocated",
    "ItemsInstalled",
    "MeasureNotFeasibleAgreed",
    "WorksOrderReceived",
    "WorksSuspended",
]


class WorksOrderReceived(Event):
    """The coordinator's approved works, as the contractor receives them. Exactly these fields:
    nothing else from the case travels to the contractor."""

    owner = "contractor"

    approved_items: list[WorkItem] = Field(
        min_length=1, description="The measures the coordinator approved: catalogue code and quantity"
    )
    client_name: Personal[str] = Field(description="The client's full name, from the referral form")
    client_address: Personal[str] = Field(description="Address where Sanctuary installations are required")
    client_telephone: Personal[str | None] = Field(
        default=None, description="The client's contact telephone; null when the form gave none"
    )
    unsafe_contact_times: Personal[str | None] = Field(
        default=None,
        description="Times when it is not safe to contact, in the referrer's words; null when none",
    )
    unsafe_contact_windows: Personal[list[UnsafeContactWindow]] = Field(
        default_factory=list,
        description="The same times as weekdays and hours (UK local time); a contact attempt inside one is "
        "refused. Empty when none",
    )
    female_installer_requested: bool = Field(
        default=False,
        description="The client does not want a man entering the property: a female installer only",
    )
    password_requested: bool = Field(
        default=False, description="The client is requesting that the installer use a password"
    )
    someone_present_requested: bool = Field(
        default=False, description="The client would like someone present for support"
    )
    installation_requests: Personal[str | None] = Field(
        default=None,
        description="The client's specific requests, additional needs and concerns about the works; null "
        "when none",
    )
    urgent: bool = Field(
        default=False,
        description="Interim measures were asked for: an emergency lock change is carried out the same day "
        "where possible",
    )
    first_contact_due_by: AwareDatetime = Field(
        description="First contact with the householder is due by then: 48 hours (the scheme's setting) "
        "after the works order was received"
    )


class InstallerAllocated(Event):
    """An installer from the staff register is allocated to the case: enhanced DBS checked, no
    declared conflict of interest, female when the client asked for one."""

    owner = "contractor"

    installer_id: StaffId = Field(description="The installer's staff identifier")
    enhanced_dbs_checked_on: date = Field(
        description="The day of the installer's enhanced DBS check, from the staff register (YYYY-MM-DD)"
    )


class ConflictOfInterestDeclared(Event):
    """An installer knows the victim or the perpetrator. Names the installer only, never whom they know."""

    owner = "contractor"

    installer_id: StaffId = Field(
        description="The staff identifier of the installer who declared it; they may not work on the case"
    )


class ClientContactAttempted(Event):
    """An attempt to reach the client, and who at the contractor made it (the office arranges the
    visit before an installer is allocated, so it need not be the installer)."""

    owner = "contractor"
    schema_version = 2  # v2 adds ``contacted_by``

    channel: ContactChannel = Field(description="How the contractor tried to reach the client")
    outcome: ContactOutcome = Field(description="What came of it ('contact made' is the first contact)")
    attempted_at: AwareDatetime = Field(description="When the attempt was made (ISO 8601 with a time zone)")
    within_first_contact_deadline: bool = Field(description="Made by the works order's first_contact_due_by")
    contacted_by: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="The staff identifier of who made it (never the client's); null on attempts recorded "
        "before version 2",
    )


@registry.upcaster(ClientContactAttempted.type_name(), 1)
def _client_contact_attempted_v1(payload: dict[str, Any]) -> dict[str, Any]:
    # Who made the contact was not recorded before v2.
    return {**payload, "contacted_by": None}


class ContactNotEstablished(Event):
    """Tells the coordinator (the Sanctuary Project Officer) that the client could not be reached."""

    owner = "contractor"
    schema_version = 2  # v2 adds ``reason``

    attempts: int = Field(ge=0, description="How many attempts to reach the client were recorded")
    channels_tried: list[ContactChannel] = Field(
        default_factory=list, description="The channels tried, each once, in the order first tried"
    )
    first_contact_due_by: AwareDatetime = Field(
        description="When first contact was due (the works order's deadline)"
    )
    reason: NotEstablishedReason = Field(
        default=NotEstablishedReason.CONTRACTOR_REPORTED,
        description="The contractor's report, or the deadline passing with no contact; version 1 events "
        "read as the contractor's report",
    )


@registry.upcaster(ContactNotEstablished.type_name(), 1)
def _contact_not_established_v1(payload: dict[str, Any]) -> dict[str, Any]:
    # Before the deadline watch, only the contractor's office reported it.
    return {**payload, "reason": NotEstablishedReason.CONTRACTOR_REPORTED.value}


class InstallationVisitBooked(Event):
    """A convenient time arranged with the client for the works, and the installer who will go."""

    owner = "contractor"

    visit_on: date = Field(description="The day of the visit (YYYY-MM-DD)")
    installer_id: StaffId = Field(description="The allocated installer's staff identifier")
    completion_due_by: date | None = Field(
        default=None,
        description="When the scheme's standard wants the works completed (working days from the works "
        "order or from the contact made, as the scheme says); null when that clock has not started",
    )


class EmergencyLockChangeCompleted(Event):
    """An emergency lock change done (where possible the same day)."""

    owner = "contractor"

    completed_at: AwareDatetime = Field(description="When the locks were changed (ISO 8601 with a time zone)")
    same_day: bool = Field(description="Done on the day the works order was received (UK local time)")


class ItemsInstalled(Event):
    """Measures fitted on a visit: the lines of the itemised invoice."""

    owner = "contractor"

    items: list[InstalledItem] = Field(min_length=1, description="What was fitted, each with its cost")
    total_gbp: Money = Field(
        description="Sum of the lines' totals, in pounds sterling with two decimal places"
    )


class MeasureNotFeasibleAgreed(Event):
    """A recommended measure not feasible or appropriate, with the alternative agreed with the
    Protective Security Manager (named by staff id)."""

    owner = "contractor"

    item_code: ItemCode = Field(description="The approved measure that is not feasible or appropriate")
    alternative_item_code: ItemCode | None = Field(
        default=None, description="The catalogue code of the alternative agreed; null when none"
    )
    alternative_quantity: Quantity | None = Field(
        default=None, description="How many of the alternative; null exactly when there is no alternative"
    )
    agreed_with: StaffId = Field(description="The Protective Security Manager's staff identifier")
    reason: Personal[str] = Field(description="Why the measure is not feasible or appropriate")


class InstallationCompleted(Event):
    """Every approved measure (or its agreed alternative) is fitted: the cost of the works and
    whether they kept the scheme's timescale."""

    owner = "contractor"

    completed_at: AwareDatetime = Field(
        description="When the works were completed (ISO 8601 with a time zone)"
    )
    total_cost_gbp: Money = Field(
        description="Cost of the works carried out, in pounds sterling with two decimal places"
    )
    working_days_from_works_order: int = Field(
        ge=0, description="Working days from receiving the works order to completion"
    )
    working_days_from_first_contact: int | None = Field(
        default=None, description="Working days from the date the contact was made to completion"
    )
    made_to_measure: bool = Field(
        description="Works that require specific measurement and to be ordered to fit (e.g. grilles, "
        "security film): outside the 2-5 day rule"
    )
    within_timescale: bool = Field(
        description="Works started and completed within the scheme's working days (completion not judged "
        "for made-to-measure works)"
    )


class InstallationCancelled(Event):
    """The installation is cancelled (counted in monitoring as an installation cancelled)."""

    owner = "contractor"

    reason: ShortText = Field(description="Why: one of the scheme's cancellation reasons")
    note: Personal[str | None] = Field(default=None, description="Anything more about it; null when none")


class WorksSuspended(Event):
    """Works stopped at once; this event is the coordinator's notification. Only the coordinator's
    WorksResumed (referral side) lifts it."""

    owner = "contractor"

    concern: SuspensionConcern = Field(
        description="The concern: the perpetrator is residing at the address or is visiting the address"
    )
    reported_by: StaffId = Field(description="The staff identifier of who raised the concern")
    details: Personal[str | None] = Field(
        default=None, description="What was seen or heard; null when not given"
    )
