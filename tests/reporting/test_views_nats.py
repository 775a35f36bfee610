"""Per-agency views over a real nats-server: consent withdrawal takes a case out of the views that
relied on it, a safeguarding override puts it back where the policy allows, no view holds a field
outside the policy, every disclosure is recorded once, and erasure purges the views."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from services.reporting.views.disclosures import views_decider
from services.reporting.views.stream import read_view
from services.reporting.views.wiring import Views
from shared.contracts.assessment import (
    DashRiskAssessed,
    RiskLevel,
    SanctuaryAddressFlagged,
)
from shared.contracts.audit import CasePersonalDataErased, ErasureBasis
from shared.contracts.referral import (
    AccommodationType,
    AgeBand,
    ClientDetails,
    ClientSafety,
    ConsentRecorded,
    ConsentWithdrawn,
    Household,
    OverrideBasis,
    ReferralForm,
    ReferralSource,
    ReferralSubmitted,
    SafeguardingOverrideRecorded,
    Tenure,
    YesNo,
)
from shared.contracts.reporting import CaseView, ConsentPurpose, DisclosureRecorded, Recipient
from shared.events import Actor, Event, RecordedEvent, Role
from shared.eventstore import STREAM
from shared.reader import CaseReader
from shared.service import create_service_app
from shared.settings import CONFIG_DIR
from shared.sharing import field_paths, load_sharing_policy
from tests.builders import fire_flagged, referrer
from tests.waiting import DEADLINE_S, until

pytestmark = pytest.mark.nats

POLICY = load_sharing_policy(CONFIG_DIR / "sharing-policy.yaml")
COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)
CPO = Actor(agency="Test Police", person="cpo-1", role=Role.POLICE_CPO)
NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


def check(condition: bool, what: str) -> None:
    """Assert without pytest echoing the values compared (they may be personal, even if synthetic)."""
    if not condition:
        pytest.fail(what, pytrace=False)


def referral() -> ReferralSubmitted:
    form = ReferralForm(
        referrer=referrer(),
        client=ClientDetails(
            full_name="Alice Example",
            date_of_birth=date(1990, 1, 1),
            address="1 Test Road, Testtown",
            postcode="TE1 1ST",
            telephone="07700 900123",
            unsafe_contact_times="weekday evenings",
        ),
        household=Household(
            accommodation_type=AccommodationType.FLAT,
            tenure=Tenure.COUNCIL_HOUSING,
            names_on_tenancy="Alice Example",
            number_of_children=2,
            ages_of_children=[4, 7],
        ),
        safety=ClientSafety(
            perpetrator_name="Peter Perp",
            perpetrator_whereabouts="lives in another borough",
            recent_incidents="threats at the door",
            dash_completed=YesNo.YES,
            ric_score=16,
            marac_referral=YesNo.NO,
            police_involvement=YesNo.NO,
            risk_of_arson=YesNo.YES,
            arson_details="threatened to set fire to the door",
            specialist_service_referral=YesNo.YES,
            civil_order=YesNo.NO,
        ),
        referral_source=ReferralSource.POLICE,
    )
    return ReferralSubmitted(
        form=form,
        scheme="Test scheme",
        received_on=date(2025, 6, 2),
        age_band=AgeBand.AGE_25_34,
        urgent=False,
    )


def fire_flag() -> SanctuaryAddressFlagged:
    return fire_flagged(
        sanctuary_room="front bedroom", rescue_needs="uses a wheelchair", flagged_on=date(2025, 6, 9)
    )


def dash() -> DashRiskAssessed:
    return DashRiskAssessed(
        assessed_on=date(2025, 6, 3),
        answers=[],
        score=16,
        risk_level=RiskLevel.HIGH,
        marac_referral=True,
    )


async def append(store, case_id: str, actor: Actor, *events: Event) -> None:
    position = await store.last_position(case_id)
    await store.append(
        case_id, list(events), expected=position, actor=actor, command_id=f"test-{uuid.uuid4().hex}"
    )


async def start_views(settings, case_id: str, name: str):
    app, service = create_service_app(
        settings,
        "reporting",
        views_decider(POLICY),
        commands=[],
        parts=lambda kernel: Views(kernel, name=name, subjects=[f"case.{case_id}.>"]),
    )
    await app.start()
    return app, service


async def wait_for(nc, case_id: str, ready: Callable[[dict[Recipient, CaseView | None]], bool]):
    async def views() -> dict[Recipient, CaseView | None] | None:
        now = {r: await read_view(nc, r, case_id) for r in Recipient}
        return now if ready(now) else None

    return await until(views, "the views reach the expected state")


def all_shared(views: dict[Recipient, CaseView | None]) -> bool:
    return all(v is not None and v.status == "shared" for v in views.values())


def check_within_policy(view: CaseView) -> None:
    terms = POLICY.recipients[view.recipient]
    for item in view.events:
        allowed = set(terms.events.get(item.type, []))
        # An empty record left by a list item without the field carries no data: a prefix of a policy path.
        outside = {
            p
            for p in field_paths(item.fields)
            if p not in allowed and not any(a.startswith(p + ".") for a in allowed)
        }
        check(not outside, f"{view.recipient.value} view of {item.type} holds fields outside the policy")


async def disclosures(store, case_id: str) -> list[DisclosureRecorded]:
    return [e.payload for e in await store.load(case_id) if isinstance(e.payload, DisclosureRecorded)]


async def test_withdrawal_removes_the_case_and_a_safeguarding_override_restores_the_police_view(
    settings, nc, store_for
):
    case_id = f"VW-{uuid.uuid4().hex[:12]}"
    referral_store, assessment_store = store_for("referral"), store_for("assessment")
    await append(referral_store, case_id, COORDINATOR, referral())
    consents = [
        ConsentRecorded(purpose=p, given=True, recorded_by=COORDINATOR, recorded_at=NOW)
        for p in ConsentPurpose
    ]
    await append(referral_store, case_id, COORDINATOR, *consents)
    await append(assessment_store, case_id, CPO, dash(), fire_flag())

    durable = f"views-{uuid.uuid4().hex[:8]}"
    app, _ = await start_views(settings, case_id, durable)
    try:
        views = await wait_for(nc, case_id, all_shared)
        for view in views.values():
            assert view is not None
            check_within_policy(view)
            check(view.basis_kind == "consent", f"{view.recipient.value} shared on consent")
        fire = views[Recipient.FIRE]
        assert fire is not None
        check(
            [e.type for e in fire.events] == ["SanctuaryAddressFlagged"], "fire register holds the flag only"
        )
        check(
            field_paths(fire.events[0].fields)
            == set(POLICY.recipients[Recipient.FIRE].events["SanctuaryAddressFlagged"]),
            "the fire register holds exactly its agreed fields",
        )
        police = views[Recipient.POLICE]
        assert police is not None
        submitted = next(e for e in police.events if e.type == "ReferralSubmitted")
        check(
            submitted.fields["form"]["client"]["full_name"] == "Alice Example", "police see the client's name"
        )
        check("ethnicity" not in str(submitted.fields), "police do not see monitoring categories")

        # Every recipient's disclosure is recorded, naming fields but never their values.
        recorded = await disclosures(referral_store, case_id)
        check({d.recipient for d in recorded} == set(Recipient), "one disclosure per recipient")
        for d in recorded:
            check(
                d.basis_kind == "consent" and d.policy_version == POLICY.version, "basis and version recorded"
            )
            check("Alice Example" not in d.model_dump_json(), "a disclosure never holds a value")
        fire_disclosure = next(d for d in recorded if d.recipient is Recipient.FIRE)
        check(
            set(fire_disclosure.fields)
            == {
                f"SanctuaryAddressFlagged.{p}"
                for p in POLICY.recipients[Recipient.FIRE].events["SanctuaryAddressFlagged"]
            },
            "the fire disclosure names the register's fields",
        )

        # When the client withdraws consent to information sharing, every view that relied on it
        # is replaced by a removal notice with no data, within seconds.
        withdrawn = ConsentWithdrawn(
            purpose=ConsentPurpose.INFORMATION_SHARING, recorded_by=COORDINATOR, withdrawn_at=NOW
        )
        await append(referral_store, case_id, COORDINATOR, withdrawn)
        views = await wait_for(
            nc, case_id, lambda vs: all(v is not None and v.status == "removed" for v in vs.values())
        )
        for view in views.values():
            assert view is not None
            check(not view.events and view.basis is None, "a removal notice carries no data")
            check("information_sharing" in (view.reason or ""), "the removal says why")

        # A safeguarding override for the police puts the case back in the police view only.
        override = SafeguardingOverrideRecorded(
            recipient=Recipient.POLICE, lawful_basis=OverrideBasis.SAFEGUARDING, reason="child at risk"
        )
        # Housing's terms allow no override: this one restores nothing.
        housing_override = SafeguardingOverrideRecorded(
            recipient=Recipient.HOUSING, lawful_basis=OverrideBasis.SAFEGUARDING, reason="repairs"
        )
        await append(referral_store, case_id, COORDINATOR, override, housing_override)

        def police_back(vs: dict[Recipient, CaseView | None]) -> bool:
            view = vs[Recipient.POLICE]
            return view is not None and view.status == "shared"

        views = await wait_for(nc, case_id, police_back)
        police = views[Recipient.POLICE]
        assert police is not None
        check(
            police.basis_kind == "override" and police.basis == "safeguarding", "police view on the override"
        )
        check_within_policy(police)
        for r in (Recipient.IDVA, Recipient.HOUSING, Recipient.CONTRACTOR, Recipient.FIRE):
            view = views[r]
            check(view is not None and view.status == "removed", f"{r.value} stays removed")
        recorded = await disclosures(referral_store, case_id)
        on_override = [d for d in recorded if d.basis_kind == "override"]
        check(len(on_override) == 1 and on_override[0].recipient is Recipient.POLICE, "override disclosure")
        check(on_override[0].override_event_id is not None, "the disclosure points at the override")
        count = len(recorded)
    finally:
        await app.stop()

    # A new reader replaying the whole case records no disclosure twice.
    app, service = await start_views(settings, case_id, f"views-{uuid.uuid4().hex[:8]}")
    try:
        last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
        reader: CaseReader[RecordedEvent] = service.parts.reader
        assert await reader.caught_up(last, DEADLINE_S), "the replaying reader did not reach the end"
        check(len(await disclosures(referral_store, case_id)) == count, "replay recorded nothing again")
        police_view = await read_view(nc, Recipient.POLICE, case_id)
        check(police_view is not None and police_view.status == "shared", "police view unchanged by replay")

        # Erasure purges every view of the case.
        erased = CasePersonalDataErased(basis=ErasureBasis.DATA_SUBJECT_REQUEST, reason="client asked")
        await append(store_for("reporting"), case_id, COORDINATOR, erased)
        await wait_for(nc, case_id, lambda vs: all(v is None for v in vs.values()))
    finally:
        await app.stop()
