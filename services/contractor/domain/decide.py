"""The contractor's decider: each command to its decision, on the case folded by ``evolve``.

Pure: no clock, no I/O. The decisions themselves live in order_and_contact and works.
"""

from __future__ import annotations

from functools import partial

from services.contractor.domain import order_and_contact, works
from services.contractor.domain.rules import ContractorRules
from services.contractor.domain.state import WorksState, evolve
from shared.commands import Command
from shared.contracts.contractor import (
    AllocateInstaller,
    BookInstallationVisit,
    CancelInstallation,
    CompleteInstallation,
    DeclareConflictOfInterest,
    ReceiveWorksOrder,
    RecordContactAttempt,
    RecordEmergencyLockChange,
    RecordItemsInstalled,
    RecordMeasureNotFeasible,
    ReportContactNotEstablished,
    SuspendWorks,
)
from shared.decider import Decider
from shared.errors import CommandRejected
from shared.events import Event


def decide(command: Command, state: WorksState, rules: ContractorRules) -> list[Event]:
    # A case exists here once its referral was submitted (seen on the stream).
    if state.client is None:
        raise CommandRejected.one("case_id", "no referral has been submitted for this case")
    match command:
        case ReceiveWorksOrder():
            return order_and_contact.receive_works_order(command, state, rules)
        case AllocateInstaller():
            return order_and_contact.allocate_installer(command, state, rules)
        case DeclareConflictOfInterest():
            return order_and_contact.declare_conflict(command, state)
        case RecordContactAttempt():
            return order_and_contact.record_contact_attempt(command, state)
        case ReportContactNotEstablished():
            return order_and_contact.report_contact_not_established(command, state)
        case BookInstallationVisit():
            return works.book_visit(command, state, rules)
        case RecordEmergencyLockChange():
            return works.emergency_lock_change(command, state)
        case RecordItemsInstalled():
            return works.items_installed(command, state, rules)
        case RecordMeasureNotFeasible():
            return works.measure_not_feasible(command, state, rules)
        case CompleteInstallation():
            return works.complete(command, state, rules)
        case CancelInstallation():
            return works.cancel(command, state, rules)
        case SuspendWorks():
            return works.suspend(command, state)
    raise CommandRejected.one("(command)", f"the contractor does not handle {command.name()}")


def contractor_decider(rules: ContractorRules) -> Decider[Command, WorksState]:
    return Decider(initial=WorksState, decide=partial(decide, rules=rules), evolve=evolve)
