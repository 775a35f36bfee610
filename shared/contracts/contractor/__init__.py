"""Published contract of the contractor side (the security installation company, owner "contractor"):
works orders, installer allocation, client contact, installation, cancellation and suspension.

Source: the Tower Hamlets contractor specification section 5 (seed 004) and the South Essex
service standards (seed 002). Money is in pounds sterling with two decimal places.

The modules: ``options`` (shapes and option lists), ``parts`` (work items, invoice lines, the staff
register's entry), ``events`` and ``commands``. Every public name is re-exported here: import from
``shared.contracts.contractor``.
"""

from __future__ import annotations

from shared.contracts.common import ContactChannel, UnsafeContactWindow, Weekday
from shared.contracts.contractor.commands import (
    CASE_COMMANDS,
    CONTRACTOR_STAFF,
    AllocateInstaller,
    BookInstallationVisit,
    CancelInstallation,
    CompleteInstallation,
    ContractorCommand,
    DeclareConflictOfInterest,
    InstalledItemLine,
    ReceiveWorksOrder,
    RecordContactAttempt,
    RecordEmergencyLockChange,
    RecordItemsInstalled,
    RecordMeasureNotFeasible,
    RegisterInstaller,
    ReportContactNotEstablished,
    SuspendWorks,
)
from shared.contracts.contractor.events import (
    ClientContactAttempted,
    ConflictOfInterestDeclared,
    ContactNotEstablished,
    EmergencyLockChangeCompleted,
    InstallationCancelled,
    InstallationCompleted,
    InstallationVisitBooked,
    InstallerAllocated,
    ItemsInstalled,
    MeasureNotFeasibleAgreed,
    WorksOrderReceived,
    WorksSuspended,
)
from shared.contracts.contractor.options import (
    ContactOutcome,
    FreeText,
    InstallerGender,
    ItemCode,
    Money,
    NotEstablishedReason,
    Quantity,
    StaffId,
    SuspensionConcern,
)
from shared.contracts.contractor.parts import InstalledItem, InstallerRecord, WorkItem

__all__ = [
    "CASE_COMMANDS",
    "CONTRACTOR_STAFF",
    "AllocateInstaller",
    "BookInstallationVisit",
    "CancelInstallation",
    "ClientContactAttempted",
    "CompleteInstallation",
    "ConflictOfInterestDeclared",
    "ContactChannel",
    "ContactNotEstablished",
    "ContactOutcome",
    "ContractorCommand",
    "DeclareConflictOfInterest",
    "EmergencyLockChangeCompleted",
    "FreeText",
    "InstallationCancelled",
    "InstallationCompleted",
    "InstallationVisitBooked",
    "InstalledItem",
    "InstalledItemLine",
    "InstallerAllocated",
    "InstallerGender",
    "InstallerRecord",
    "ItemCode",
    "ItemsInstalled",
    "MeasureNotFeasibleAgreed",
    "Money",
    "NotEstablishedReason",
    "Quantity",
    "ReceiveWorksOrder",
    "RecordContactAttempt",
    "RecordEmergencyLockChange",
    "RecordItemsInstalled",
    "RecordMeasureNotFeasible",
    "RegisterInstaller",
    "ReportContactNotEstablished",
    "StaffId",
    "SuspendWorks",
    "SuspensionConcern",
    "UnsafeContactWindow",
    "Weekday",
    "WorkItem",
    "WorksOrderReceived",
    "WorksSuspended",
]
