"""Parts of the contractor's messages: an approved work item, a line of the itemised invoice, and an
installer's entry in the staff register."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from shared.commands import day_problem
from shared.contracts.common import MessagePart
from shared.contracts.contractor.options import InstallerGender, ItemCode, Money, Quantity, StaffId
from shared.personal import Personal

__all__ = ["InstalledItem", "InstallerRecord", "WorkItem"]


class WorkItem(MessagePart):
    """An approved measure: a catalogue item code and how many."""

    item_code: ItemCode = Field(description="The measure's code in the scheme's catalogue")
    quantity: Quantity = Field(description="How many were approved (1 to 1000)")


class InstalledItem(MessagePart):
    """A line of the itemised invoice: what was fitted, how many, at what unit cost, and the total."""

    item_code: ItemCode = Field(description="The fitted measure's code in the scheme's catalogue")
    quantity: Quantity = Field(description="How many were fitted (1 to 1000)")
    unit_cost_gbp: Money = Field(description="Cost of one, in pounds sterling with two decimal places")
    total_gbp: Money = Field(
        description="quantity times unit_cost_gbp, in pounds sterling, two decimal places"
    )
    cost_override_reason: Personal[str | None] = Field(
        default=None,
        description="Why the unit cost differs from the catalogue's; null when it is the catalogue's. Free "
        "text, so personal",
    )


def _check_has_happened(day: date | None) -> date | None:
    problem = None if day is None else day_problem(day, datetime.now(UTC))
    if problem:
        raise PydanticCustomError("day_out_of_range", problem)
    return day


class InstallerRecord(MessagePart):
    """One installer in the contractor's staff register (kept outside the case stream)."""

    installer_id: StaffId = Field(
        description="The installer's staff identifier (letters, digits, '_', '.', '-'), never a name"
    )
    initials: str = Field(
        min_length=1,
        max_length=5,
        pattern=r"^[A-Za-z]+$",
        description="The installer's initials (1 to 5 letters)",
    )
    gender: InstallerGender = Field(
        description="The installer's gender (a client may ask for a female installer)"
    )
    # Within the bounds every command keeps (shared.commands): a check dated ahead would never
    # expire. Checked against the clock, which is safe on reading back: a past day stays past.
    enhanced_dbs_checked_on: Annotated[date | None, AfterValidator(_check_has_happened)] = Field(
        default=None,
        description="The day of the installer's enhanced DBS check (YYYY-MM-DD, not in the future); null "
        "when none is on record, and then the installer cannot be allocated",
    )
