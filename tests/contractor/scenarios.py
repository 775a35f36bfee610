"""The contractor decider under the real catalogue and holidays, for Given-When-Then (tests/gwt.py),
and the synthetic works orders and command fields its tests use."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from services.contractor.domain.decide import contractor_decider
from services.contractor.domain.rules import ContractorRules
from services.contractor.domain.state import WorksState
from shared.catalogue import load_catalogue
from shared.commands import Command
from shared.contracts.contractor import WorkItem, WorksOrderReceived
from shared.decider import Decider
from shared.events import Actor, Event, RecordedEvent, Role
from shared.scheme import CompletionClock, Timescales
from shared.workdays import england
from tests.builders import recorded_event
from tests.contractor.referral_events import submitted
from tests.gwt import Scenario

OFFICE = Actor(agency="Test Locks Ltd", person="office-1", role=Role.CONTRACTOR_OFFICE)
INSTALLER = Actor(agency="Test Locks Ltd", person="inst-1", role=Role.INSTALLER)
COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)

# Monday 2 June 2025, 10:00 UK time (09:00 UTC); no bank holiday that week.
ORDER_AT = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
CANCELLATION_REASONS = ("Client withdrew consent", "Client moved out of the property", "Other")


def rules(clock: CompletionClock = CompletionClock.FIRST_CONTACT, **timescales: int) -> ContractorRules:
    ts = Timescales(
        first_contact_hours=48,
        works_start_working_days=timescales.get("start", 2),
        works_complete_working_days=timescales.get("complete", 7),
        installation_after_contact_working_days_max=timescales.get("after_contact", 5),
        completion_from=clock,
    )
    return ContractorRules(
        catalogue=load_catalogue(),
        calendar=england(),
        timescales=ts,
        cancellation_reasons=CANCELLATION_REASONS,
    )


DECIDER = contractor_decider(rules())


def recorded(payload: Event, at: datetime = ORDER_AT, case_id: str = "C-TEST-1") -> RecordedEvent:
    return recorded_event(payload, case_id=case_id, actor=OFFICE, at=at)


def referred(decider: Decider[Command, WorksState] = DECIDER) -> Scenario[Command, WorksState]:
    """The case as the contractor knows it once the referral is submitted (before that it does not
    exist for the contractor)."""
    return Scenario(decider, recorded).given(submitted())


REFERRED = referred()


def cmd_fields(actor: Actor = OFFICE, at: datetime | None = ORDER_AT) -> dict[str, object]:
    return {"command_id": f"cmd-{uuid.uuid4().hex}", "case_id": "C-TEST-1", "actor": actor, "occurred_at": at}


def works_order(
    items: Sequence[tuple[str, int]] = (("DEADLOCK-BS3621-5LEVER", 1), ("HINGE-BOLTS", 2)), **extra: object
) -> WorksOrderReceived:
    data: dict[str, object] = {
        "approved_items": [WorkItem(item_code=c, quantity=q) for c, q in items],
        "client_name": "Alice Example",
        "client_address": "1 Test Road, Testtown, TE1 1ST",
        "client_telephone": "07700 900123",
        "first_contact_due_by": ORDER_AT + timedelta(hours=48),
    }
    data.update(extra)
    return WorksOrderReceived.model_validate(data)
