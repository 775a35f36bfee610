"""Given-When-Then: booking, emergency lock changes, items installed, measures not feasible,
completion, cancellation and suspension."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.contractor.configuration import contractor_rules
from services.contractor.domain.decide import contractor_decider
from services.contractor.domain.state import WorksState
from shared.catalogue import load_catalogue
from shared.commands import CLOCK_SKEW, Command
from shared.contracts.contractor import (
    BookInstallationVisit,
    CancelInstallation,
    ClientContactAttempted,
    CompleteInstallation,
    ContactChannel,
    ContactOutcome,
    EmergencyLockChangeCompleted,
    InstallationCancelled,
    InstallationCompleted,
    InstallationVisitBooked,
    InstalledItem,
    InstalledItemLine,
    InstallerAllocated,
    ItemsInstalled,
    MeasureNotFeasibleAgreed,
    RecordContactAttempt,
    RecordEmergencyLockChange,
    RecordItemsInstalled,
    RecordMeasureNotFeasible,
    RegisterInstaller,
    SuspendWorks,
    SuspensionConcern,
    WorksSuspended,
)
from shared.decider import Decider
from shared.errors import problems_from_validation
from shared.events import Event, RecordedEvent
from shared.scheme import load_scheme
from shared.settings import CONFIG_DIR
from tests.contractor.referral_events import submitted
from tests.contractor.scenarios import INSTALLER, ORDER_AT, REFERRED, cmd_fields, recorded, works_order
from tests.gwt import Scenario

CONTACT_AT = ORDER_AT + timedelta(hours=2)  # Monday 2 June 2025
CONTACTED = ClientContactAttempted(
    channel=ContactChannel.TELEPHONE,
    outcome=ContactOutcome.CONTACT_MADE,
    attempted_at=CONTACT_AT,
    within_first_contact_deadline=True,
)
ALLOCATED = InstallerAllocated(installer_id="inst-f", enhanced_dbs_checked_on=date(2024, 1, 5))
READY: tuple[Event, ...] = (works_order(), ALLOCATED, CONTACTED)


def install(*lines: tuple[str, int, str], reason: str | None = None) -> RecordItemsInstalled:
    items = [
        InstalledItemLine(item_code=c, quantity=q, unit_cost_gbp=Decimal(u), cost_override_reason=reason)
        for c, q, u in lines
    ]
    return RecordItemsInstalled(items=items, **cmd_fields(INSTALLER))


def test_book_visit_gives_the_completion_due_date() -> None:
    book = BookInstallationVisit(visit_on=date(2025, 6, 4), **cmd_fields())
    # 5 working days from Monday 2 June contact is Monday 9 June (before the 7 from the order).
    REFERRED.given(*READY).when(book).then(
        InstallationVisitBooked(
            visit_on=date(2025, 6, 4), installer_id="inst-f", completion_due_by=date(2025, 6, 9)
        )
    )


def scheme_decider(name: str) -> Decider[Command, WorksState]:
    """The contractor's decider under a real scheme file."""
    return contractor_decider(
        contractor_rules(load_scheme(CONFIG_DIR / "schemes" / f"{name}.yaml"), load_catalogue())
    )


def test_south_essex_due_date_is_seven_working_days_from_the_works_order_over_easter() -> None:
    # The example: works order Thursday 2 April 2026, contact the same day; Good Friday and
    # Easter Monday are bank holidays. South Essex: 7 working days from the order is Wednesday 15
    # April (the event said 13 April, Tower Hamlets' 5 working days from contact).
    order_at = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    contact = CONTACTED.model_copy(update={"attempted_at": order_at + timedelta(hours=1)})
    history = [
        recorded(submitted()),
        recorded(works_order(), at=order_at),
        recorded(ALLOCATED),
        recorded(contact),
    ]
    book = BookInstallationVisit(visit_on=date(2026, 4, 7), **cmd_fields(at=order_at + timedelta(hours=2)))
    dues = {}
    for name in ("south-essex", "tower-hamlets"):
        decider = scheme_decider(name)
        [booked] = Scenario(decider).given(*history).when(book).decided
        assert isinstance(booked, InstallationVisitBooked)
        dues[name] = booked.completion_due_by
    assert dues == {"south-essex": date(2026, 4, 15), "tower-hamlets": date(2026, 4, 13)}


def test_completion_on_time_is_judged_by_the_due_date_the_booking_announced() -> None:
    # Completed Tuesday 14 April 2026: on time for South Essex (due 15th), late for Tower Hamlets (13th).
    order_at = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    contact = CONTACTED.model_copy(update={"attempted_at": order_at + timedelta(hours=1)})
    lock = EmergencyLockChangeCompleted(completed_at=order_at + timedelta(hours=5), same_day=True)
    done = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)
    history = [
        recorded(submitted()),
        recorded(works_order(), at=order_at),
        recorded(ALLOCATED),
        recorded(contact),
        recorded(lock),
        *installed_all(done),
    ]
    on_time = {}
    for name in ("south-essex", "tower-hamlets"):
        decider = scheme_decider(name)
        [completed] = Scenario(decider).given(*history).when(complete(done)).decided
        assert isinstance(completed, InstallationCompleted)
        on_time[name] = completed.within_timescale
    assert on_time == {"south-essex": True, "tower-hamlets": False}


def test_booking_before_contact_or_without_installer_is_refused() -> None:
    book = BookInstallationVisit(visit_on=date(2025, 6, 4), **cmd_fields())
    REFERRED.given(works_order(), ALLOCATED).when(book).then_rejected(
        ("case_id", "booking a visit before any contact with the client is refused")
    )
    REFERRED.given(works_order(), CONTACTED).when(book).then_rejected(
        ("case_id", "no installer is allocated to this case")
    )


def test_emergency_lock_change_same_day() -> None:
    done = ORDER_AT + timedelta(hours=6)
    (
        REFERRED.given(*READY)
        .when(RecordEmergencyLockChange(completed_at=done, **cmd_fields(INSTALLER, done)))
        .then(EmergencyLockChangeCompleted(completed_at=done, same_day=True))
    )
    next_day = ORDER_AT + timedelta(days=1)
    late = (
        REFERRED.given(*READY)
        .when(RecordEmergencyLockChange(completed_at=next_day, **cmd_fields(INSTALLER, next_day)))
        .decided
    )
    assert late == [EmergencyLockChangeCompleted(completed_at=next_day, same_day=False)]


# The approved items, fitted at catalogue prices: the deadlock and two hinge bolts.
ALL_INSTALLED = ItemsInstalled(
    items=[
        InstalledItem(
            item_code="DEADLOCK-BS3621-5LEVER",
            quantity=1,
            unit_cost_gbp=Decimal("60.00"),
            total_gbp=Decimal("60.00"),
        ),
        InstalledItem(
            item_code="HINGE-BOLTS", quantity=2, unit_cost_gbp=Decimal("10.00"), total_gbp=Decimal("20.00")
        ),
    ],
    total_gbp=Decimal("80.00"),
)


def test_items_installed_carry_unit_cost_and_totals() -> None:
    REFERRED.given(*READY).when(
        install(("DEADLOCK-BS3621-5LEVER", 1, "60.00"), ("HINGE-BOLTS", 2, "10.00"))
    ).then(ALL_INSTALLED)


def test_unknown_item_and_quantity_zero_are_refused_each_by_field() -> None:
    bad = install(("NO-SUCH-ITEM", 1, "5.00"), ("HINGE-BOLTS", 0, "10.00"))
    REFERRED.given(*READY).when(bad).then_rejected(
        ("items.0.item_code", "is not in the catalogue"),
        ("items.1.quantity", "must be at least 1"),
    )


def test_item_not_approved_or_more_than_approved_is_refused() -> None:
    REFERRED.given(*READY).when(install(("SPY-HOLE", 1, "10.00"))).then_rejected(
        ("items.0.item_code", "is not among the approved items")
    )
    REFERRED.given(*READY).when(install(("HINGE-BOLTS", 3, "10.00"))).then_rejected(
        ("items.0.quantity", "exceeds the approved quantity (2 still to install)")
    )


def test_cost_disagreeing_with_catalogue_needs_an_override_reason() -> None:
    REFERRED.given(*READY).when(install(("HINGE-BOLTS", 2, "12.50"))).then_rejected(
        ("items.0.unit_cost_gbp", "differs from the catalogue price; give a cost_override_reason")
    )
    events = (
        REFERRED.given(*READY)
        .when(install(("HINGE-BOLTS", 2, "12.50"), reason="Longer bolts for a thick door"))
        .decided
    )
    assert isinstance(events[0], ItemsInstalled) and events[0].total_gbp == Decimal("25.00")


def test_installing_for_a_suspended_case_is_refused_until_the_coordinator_resumes() -> None:
    suspended = WorksSuspended(concern=SuspensionConcern.PERPETRATOR_VISITING, reported_by="inst-f")
    REFERRED.given(*READY, suspended).when(install(("HINGE-BOLTS", 2, "10.00"))).then_rejected(
        ("case_id", "works on this case are suspended; only the coordinator can resume them")
    )


def test_suspend_works_notifies_and_refuses_a_second_suspension() -> None:
    told: dict[str, object] = {
        "concern": SuspensionConcern.PERPETRATOR_RESIDING,
        "reported_by": "inst-f",
        "details": "Saw a man's coat",
    }
    command = SuspendWorks(**told, **cmd_fields(INSTALLER))
    events = REFERRED.given(*READY).when(command).then(WorksSuspended(**told))
    REFERRED.given(*READY, *events).when(command).then_rejected(
        ("case_id", "works on this case are already suspended")
    )


def test_measure_not_feasible_agreed_makes_its_alternative_installable() -> None:
    agreed: dict[str, object] = {
        "item_code": "HINGE-BOLTS",
        "alternative_item_code": "KEY-LOCKING-BOLT",
        "alternative_quantity": 2,
        "agreed_with": "psm-1",
        "reason": "Door frame too thin",
    }
    command = RecordMeasureNotFeasible(**agreed, **cmd_fields(INSTALLER))
    events = REFERRED.given(*READY).when(command).then(MeasureNotFeasibleAgreed(**agreed))
    state = REFERRED.given(*READY, *events)
    assert len(state.when(install(("KEY-LOCKING-BOLT", 2, "18.00"))).decided) == 1
    state.when(install(("HINGE-BOLTS", 1, "10.00"))).then_rejected(
        ("items.0.item_code", "is not among the approved items")
    )


def test_measure_not_feasible_bad_input() -> None:
    bad = RecordMeasureNotFeasible(
        item_code="SPY-HOLE",
        alternative_item_code="NOPE",
        agreed_with="psm-1",
        reason="r",
        **cmd_fields(INSTALLER),
    )
    REFERRED.given(*READY).when(bad).then_rejected(
        ("item_code", "is not among the approved items"),
        ("alternative_item_code", "is not in the catalogue"),
        ("alternative_quantity", "give both an alternative item code and its quantity, or neither"),
    )


def installed_all(at: datetime) -> tuple[RecordedEvent, ...]:
    return (recorded(ALL_INSTALLED, at=at),)


def complete(at: datetime) -> CompleteInstallation:
    return CompleteInstallation(completed_at=at, **cmd_fields(INSTALLER, at))


def test_completion_within_timescales() -> None:
    done = datetime(2025, 6, 4, 14, 0, tzinfo=UTC)  # Wednesday: 2 working days after contact
    state = REFERRED.given(*READY, *installed_all(done))
    state.when(complete(done)).then(
        InstallationCompleted(
            completed_at=done,
            total_cost_gbp=Decimal("80.00"),
            working_days_from_works_order=2,
            working_days_from_first_contact=2,
            made_to_measure=False,
            within_timescale=True,
        )
    )


def test_completion_late_counts_working_days_over_a_bank_holiday() -> None:
    # Order and contact Thursday 22 May 2025; Monday 26 May is a bank holiday. Completion Friday 30 May
    # is 5 working days later: within 5 of contact, but the works started 4 working days after the order.
    order_at = datetime(2025, 5, 22, 9, 0, tzinfo=UTC)
    contact = CONTACTED.model_copy(update={"attempted_at": order_at + timedelta(hours=1)})
    done = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
    state = REFERRED.given(recorded(works_order(), at=order_at), ALLOCATED, contact, *installed_all(done))
    event = state.when(complete(done)).decided[0]
    assert isinstance(event, InstallationCompleted)
    assert (event.working_days_from_works_order, event.working_days_from_first_contact) == (5, 5)
    assert event.within_timescale is False  # started after more than 2 working days


def test_completion_before_any_contact_is_refused() -> None:
    state = REFERRED.given(works_order(), ALLOCATED)
    state.when(complete(ORDER_AT + timedelta(days=1))).then_rejected(
        ("case_id", "completing the installation before any contact with the client is refused")
    )


def test_completion_with_items_outstanding_or_suspended_is_refused() -> None:
    REFERRED.given(*READY).when(complete(ORDER_AT + timedelta(days=1))).then_rejected(
        ("case_id", "approved item DEADLOCK-BS3621-5LEVER is not fully installed"),
        ("case_id", "approved item HINGE-BOLTS is not fully installed"),
    )
    suspended = WorksSuspended(concern=SuspensionConcern.PERPETRATOR_VISITING, reported_by="inst-f")
    REFERRED.given(*READY, suspended).when(complete(ORDER_AT + timedelta(days=1))).then_rejected(
        ("case_id", "works on this case are suspended")
    )


def test_times_the_contractor_records_keep_the_command_time_bounds() -> None:
    # Acceptance testing completed an installation "tomorrow". Each command here is sent at noon on
    # Wednesday 4 June and speaks of a moment after it, or before 2000: refused naming the field.
    sent = datetime(2025, 6, 4, 12, 0, tzinfo=UTC)
    state = REFERRED.given(*READY, *installed_all(sent))
    tomorrow = sent + timedelta(days=1)
    completion = CompleteInstallation(completed_at=tomorrow, **cmd_fields(INSTALLER, sent))
    state.when(completion).then_rejected(("completed_at", "is in the future"))
    lock = RecordEmergencyLockChange(completed_at=tomorrow, **cmd_fields(INSTALLER, sent))
    REFERRED.given(*READY).when(lock).then_rejected(("completed_at", "is in the future"))
    call = RecordContactAttempt(
        channel=ContactChannel.TELEPHONE,
        outcome=ContactOutcome.NO_ANSWER,
        attempted_at=tomorrow,
        **cmd_fields(at=sent),
    )
    REFERRED.given(works_order()).when(call).then_rejected(("attempted_at", "is in the future"))
    # A few minutes' difference between the installer's clock and ours is not the future.
    assert state.when(complete(sent + CLOCK_SKEW).model_copy(update={"occurred_at": sent})).decided


def test_an_enhanced_dbs_check_dated_ahead_or_before_2000_is_refused_naming_the_field() -> None:
    # Dated 2999, the check would never expire.
    for day, problem in (("2999-01-01", "is in the future"), ("1999-12-31", "is before 2000")):
        body = {
            "command_id": "cmd-register-1",
            "actor": {"agency": "Test Locks Ltd", "person": "office-1", "role": "contractor_office"},
            "installer": {"installer_id": "inst-9", "initials": "JD", "gender": "female"}
            | {"enhanced_dbs_checked_on": day},
        }
        with pytest.raises(ValidationError) as info:
            RegisterInstaller.model_validate_json(json.dumps(body))
        found = problems_from_validation(info.value)
        assert [(p.field, p.problem) for p in found] == [("installer.enhanced_dbs_checked_on", problem)]
        assert day not in str(found)


def test_made_to_measure_items_are_outside_the_completion_limits() -> None:
    order = works_order(items=(("WINDOW-GRILLE", 1),))
    done = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)  # 14 working days later
    grille = ItemsInstalled(
        items=[
            InstalledItem(
                item_code="WINDOW-GRILLE", quantity=1, unit_cost_gbp=Decimal("180"), total_gbp=Decimal("180")
            )
        ],
        total_gbp=Decimal("180"),
    )
    lock = EmergencyLockChangeCompleted(completed_at=ORDER_AT + timedelta(hours=5), same_day=True)
    state = REFERRED.given(order, ALLOCATED, CONTACTED, lock, recorded(grille, at=done))
    event = state.when(complete(done)).decided[0]
    assert isinstance(event, InstallationCompleted) and event.made_to_measure and event.within_timescale


def test_cancel_with_a_reason_from_the_list() -> None:
    command = CancelInstallation(reason="Client moved out of the property", **cmd_fields())
    REFERRED.given(*READY).when(command).then(
        InstallationCancelled(reason="Client moved out of the property")
    )
    bad = CancelInstallation(reason="Felt like it", **cmd_fields())
    REFERRED.given(*READY).when(bad).then_rejected(
        ("reason", "is not one of the scheme's cancellation reasons")
    )
    cancelled = REFERRED.given(*READY, InstallationCancelled(reason="Other"))
    cancelled.when(install(("HINGE-BOLTS", 1, "10.00"))).then_rejected(
        ("case_id", "the installation on this case has been cancelled")
    )


def test_the_catalogue_says_which_items_are_made_to_measure() -> None:
    scheme = load_scheme(CONFIG_DIR / "schemes" / "tower-hamlets.yaml")
    catalogue = contractor_rules(scheme, load_catalogue()).catalogue
    made = {item.code for item in catalogue.items if item.made_to_measure}
    assert made == {"WINDOW-GRILLE", "REINFORCED-GLAZING"}
