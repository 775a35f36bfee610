"""The contractor's decider: one command in, the events it decides; built around the scheme's rules."""

from __future__ import annotations

from collections.abc import Callable

from services.contractor.domain import order_and_contact as oc
from services.contractor.domain import works
from services.contractor.domain.referral_facts import evolve_referral
from services.contractor.domain.rules import ContractorRules
from services.contractor.domain.state import WorksState, evolve_contractor
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
from shared.events import Event, RecordedEvent


def evolve(state: WorksState, event: RecordedEvent) -> WorksState:
    return evolve_contractor(evolve_referral(state, event), event)


def make_decider(rules: ContractorRules) -> Decider[Command, WorksState]:
    def decide(command: Command, state: WorksState) -> list[Event]:
        # A case exists here once its referral was submitted (seen on the stream).
        if state.client is None:
            raise CommandRejected.one("case_id", "no referral has been submitted for this case")
        match command:
            case ReceiveWorksOrder():
                return oc.receive_works_order(command, state, rules)
            case AllocateInstaller():
                return oc.allocate_installer(command, state, rules)
            case DeclareConflictOfInterest():
                return oc.declare_conflict(command, state)
            case RecordContactAttempt():
                return oc.record_contact_attempt(command, state)
            case ReportContactNotEstablished():
                return oc.report_contact_not_established(command, state)
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

    decide_fn: Callable[[Command, WorksState], list[Event]] = decide
    return Decider(initial=WorksState, decide=decide_fn, evolve=evolve)
