"""Given-When-Then: the works order built from the referral's events (form, acceptance, approval),
the reaction that asks for it, the coordinator's resumption, and who may issue contractor commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.contractor.reactions import works_order_for
from shared.bus import parse_command
from shared.contracts.contractor import (
    AllocateInstaller,
    CancelInstallation,
    CompleteInstallation,
    ContactChannel,
    ContactOutcome,
    InstalledItemLine,
    ReceiveWorksOrder,
    RecordContactAttempt,
    RecordItemsInstalled,
    SuspendWorks,
    SuspensionConcern,
    WorkItem,
    WorksOrderReceived,
)
from shared.errors import CommandRejected, Problem
from shared.events import SYSTEM_ACTOR, Actor, Role
from shared.personal import ERASED
from tests.contractor.referral_events import (
    EVENINGS,
    PERPETRATOR,
    accepted,
    approved,
    consents,
    resumed,
    submitted,
)
from tests.contractor.scenarios import DECIDER, INSTALLER, OFFICE, ORDER_AT, cmd_fields, recorded
from tests.contractor.test_installation import ALLOCATED, CONTACTED
from tests.gwt import Scenario

ITEMS = (("DEADLOCK-BS3621-5LEVER", 1), ("HINGE-BOLTS", 2))
REFERRAL = (submitted(), *consents(), accepted(urgent=True), approved(*ITEMS))
# These tests give the referral side's events themselves, from an empty case.
CASE = Scenario(DECIDER, recorded)


def receive(at: datetime = ORDER_AT) -> ReceiveWorksOrder:
    return ReceiveWorksOrder(**cmd_fields(SYSTEM_ACTOR, at))


def test_works_order_carries_the_listed_client_details_and_the_approved_items() -> None:
    events = (
        CASE.given(*REFERRAL)
        .when(receive())
        .then(
            WorksOrderReceived(
                approved_items=[WorkItem(item_code=c, quantity=q) for c, q in ITEMS],
                client_name="Alice Example",
                client_address="1 Test Road, Testtown, TE1 1ST",
                client_telephone="07700 900123",
                unsafe_contact_times="Weekday evenings when he may call round",
                unsafe_contact_windows=[EVENINGS],
                female_installer_requested=True,
                password_requested=True,
                someone_present_requested=False,
                installation_requests="Please knock three times",
                urgent=True,
                first_contact_due_by=ORDER_AT + timedelta(hours=48),
            )
        )
    )
    # Nothing else from the form travels: not the perpetrator, not the referrer, not the children.
    dumped = events[0].model_dump_json()
    for absent in (PERPETRATOR, "Rita", "rita@example.org", "Threats", "1990-01-01"):
        assert absent not in dumped, "a form field outside the works order's list travelled"


def test_the_urgent_flag_is_the_coordinators_at_acceptance() -> None:
    state = CASE.given(submitted(), accepted(urgent=False), approved(*ITEMS))
    order = state.when(receive()).decided[0]
    assert isinstance(order, WorksOrderReceived) and order.urgent is False


def test_works_order_before_any_approval_or_without_a_form_is_refused() -> None:
    CASE.given(submitted(), accepted()).when(receive()).then_rejected(
        ("case_id", "the coordinator has not approved any recommendations")
    )
    no_referral = CASE.given(approved(*ITEMS))
    no_referral.when(receive()).then_rejected(("case_id", "no referral has been submitted for this case"))
    # An approval of nothing asks for no works.
    CASE.given(submitted(), accepted(), approved()).when(receive()).then_rejected(
        ("case_id", "the coordinator has not approved any recommendations")
    )


def test_one_works_order_per_approval() -> None:
    first = CASE.given(*REFERRAL).when(receive()).decided
    state = CASE.given(*REFERRAL, *first)
    state.when(receive()).then_rejected(
        ("case_id", "the works order for the latest approval was already received")
    )
    # A later approval (e.g. after a measure was reconsidered) brings a new works order.
    again = CASE.given(*REFERRAL, *first, approved(("SPY-HOLE", 1))).when(receive()).decided
    assert isinstance(again[0], WorksOrderReceived)
    assert again[0].approved_items == [WorkItem(item_code="SPY-HOLE", quantity=1)]


def test_no_works_order_for_an_erased_client() -> None:
    form = submitted().form
    erased_client = form.client.model_copy(
        update={"full_name": ERASED, "address": ERASED, "postcode": ERASED, "telephone": ERASED}
    )
    erased = submitted().model_copy(update={"form": form.model_copy(update={"client": erased_client})})
    CASE.given(erased, accepted(), approved(*ITEMS)).when(receive()).then_rejected(
        ("case_id", "the client's personal data on this case has been erased")
    )


def test_the_referrals_unsafe_windows_refuse_a_contact_attempt() -> None:
    referral = CASE.given(*REFERRAL)
    state = referral.given(*referral.when(receive()).decided)
    # Monday 2 June 2025 18:00 BST = 17:00 UTC: inside the weekday evening window.
    call = RecordContactAttempt(
        channel=ContactChannel.TELEPHONE,
        outcome=ContactOutcome.CONTACT_MADE,
        attempted_at=datetime(2025, 6, 2, 17, 0, tzinfo=UTC),
        **cmd_fields(at=datetime(2025, 6, 2, 17, 0, tzinfo=UTC)),
    )
    state.when(call).then_rejected(
        ("attempted_at", "falls inside a time when it is not safe to contact the client")
    )


def test_reaction_turns_an_approval_into_a_works_order_with_a_derived_command_id() -> None:
    event = recorded(approved(*ITEMS), case_id="C-REACT-1")
    (command,) = works_order_for(event)
    assert isinstance(command, ReceiveWorksOrder)
    assert command.command_id == f"{event.event_id}:works-order" and command.case_id == "C-REACT-1"
    assert command.occurred_at == event.recorded_at and command.actor.role is Role.SYSTEM
    assert works_order_for(event) == [command]  # the same event, the same command: a no-op when redelivered
    assert works_order_for(recorded(approved(), case_id="C-REACT-1")) == []
    assert works_order_for(recorded(accepted(), case_id="C-REACT-1")) == []


def install_hinges() -> RecordItemsInstalled:
    line = InstalledItemLine(item_code="HINGE-BOLTS", quantity=2, unit_cost_gbp=Decimal("10.00"))
    return RecordItemsInstalled(items=[line], **cmd_fields(INSTALLER))


def test_only_the_coordinators_resumption_lifts_a_suspension() -> None:
    order = CASE.given(*REFERRAL).when(receive()).decided
    suspend = SuspendWorks(
        concern=SuspensionConcern.PERPETRATOR_VISITING,
        reported_by="inst-f",
        **cmd_fields(INSTALLER),
    )
    ready = (*REFERRAL, *order, ALLOCATED, CONTACTED)
    suspended = (*ready, *CASE.given(*ready).when(suspend).decided)
    CASE.given(*suspended).when(install_hinges()).then_rejected(
        Problem(
            field="case_id", problem="works on this case are suspended; only the coordinator can resume them"
        )
    )
    assert len(CASE.given(*suspended, resumed()).when(install_hinges()).decided) == 1


def body(command_cls: type, actor: Actor, **fields: object) -> bytes:
    data = {"command_id": "cmd-role-check", "case_id": "C-ROLE-1", "actor": actor.model_dump(), **fields}
    return json.dumps(data, default=str).encode()


def test_roles_the_contractor_refuses() -> None:
    referrer = Actor(agency="Test Advocacy Service", person="ref-1", role=Role.REFERRER)
    items = [{"item_code": "HINGE-BOLTS", "quantity": 1, "unit_cost_gbp": "10.00"}]
    with pytest.raises(CommandRejected) as info:
        parse_command(RecordItemsInstalled, body(RecordItemsInstalled, referrer, items=items))
    assert info.value.problems[0].field == "actor.role"
    with pytest.raises(CommandRejected) as info:
        parse_command(ReceiveWorksOrder, body(ReceiveWorksOrder, INSTALLER))
    assert info.value.problems[0].field == "actor.role"
    assert parse_command(RecordItemsInstalled, body(RecordItemsInstalled, OFFICE, items=items))


def test_malformed_commands_name_their_fields() -> None:
    with pytest.raises(CommandRejected) as info:
        parse_command(
            RecordContactAttempt,
            body(RecordContactAttempt, OFFICE, channel="pigeon", outcome="contact made", attempted_at="soon"),
        )
    assert {p.field for p in info.value.problems} == {"channel", "attempted_at"}
    assert all("pigeon" not in p.problem for p in info.value.problems)


def test_commands_on_a_case_nobody_referred_are_refused_naming_case_id() -> None:
    for command in (
        ReceiveWorksOrder(**cmd_fields(SYSTEM_ACTOR)),
        AllocateInstaller(**cmd_fields(), installer_id="inst-1"),
        RecordContactAttempt(
            **cmd_fields(), channel="telephone", outcome="contact made", attempted_at=ORDER_AT
        ),
        CompleteInstallation(**cmd_fields(), completed_at=ORDER_AT),
        CancelInstallation(**cmd_fields(), reason="Other"),
    ):
        CASE.when(command).then_rejected(("case_id", "no referral has been submitted for this case"))
