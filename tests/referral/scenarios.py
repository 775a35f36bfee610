"""The referral decider under the real schemes and catalogue, for Given-When-Then (tests/gwt.py), and
the synthetic forms and commands its tests send.

Every person, address and telephone number here is synthetic."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, date, datetime
from typing import Any

from services.referral.domain.decide import referral_decider
from services.referral.domain.rules import CoordinatorRules
from services.referral.domain.state import ReferralState
from shared.catalogue import load_catalogue
from shared.commands import Command
from shared.contracts.referral import SubmitReferral
from shared.decider import Decider
from shared.events import Actor, Event, RecordedEvent, Role
from shared.scheme import CONFIG_DIR, load_scheme
from tests.builders import recorded_event
from tests.gwt import Scenario

REFERRER = Actor(agency="Test Housing Association", person="ref-1", role=Role.REFERRER)
COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)
CPO = Actor(agency="Test Police", person="cpo-1", role=Role.POLICE_CPO)
CONTRACTOR = Actor(agency="Test Security Ltd", person="office-1", role=Role.CONTRACTOR_OFFICE)

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)  # a Monday
CATALOGUE = load_catalogue()


def rules(scheme: str = "standing-together") -> CoordinatorRules:
    return CoordinatorRules(scheme=load_scheme(CONFIG_DIR / f"{scheme}.yaml"), catalogue=CATALOGUE)


DECIDERS: dict[str, Decider[Any, ReferralState]] = {
    name: referral_decider(rules(name)) for name in ("standing-together", "south-essex", "tower-hamlets")
}
DECIDER = DECIDERS["standing-together"]


def cid() -> str:
    return f"cmd-{uuid.uuid4().hex}"


def form_data() -> dict[str, Any]:
    """A complete, eligible referral under the Standing Together scheme (JSON-shaped)."""
    return {
        "referrer": {
            "full_name": "Rita Referrer",
            "job_title": "Tenancy sustainment officer",
            "organisation": "Test Housing Association",
            "email": "rita@example.org",
            "telephone": "07700 900001",
        },
        "client": {
            "full_name": "Alice Example",
            "date_of_birth": "1990-05-01",
            "address": "1 Test Road, Testtown",
            "postcode": "TE1 1ST",
            "telephone": "07700 900123",
            "unsafe_contact_times": "Weekday evenings",
            "unsafe_contact_windows": [
                {"days": ["monday", "tuesday"], "start": "17:00:00", "end": "22:00:00"}
            ],
        },
        "about_client": {
            "gender": "Female",
            "gender_identity_same_as_sex_at_birth": "Yes",
            "sexual_orientation": "Prefer not to say",
            "ethnicity": "Irish",
            "interpreter_needed": "No",
            "disabilities": ["No disability"],
            "no_recourse_to_public_funds": "No",
            "pregnant": "No",
        },
        "household": {
            "accommodation_type": "Flat",
            "tenure": "Housing Association",
            "names_on_tenancy": "Alice Example",
            "number_of_children": 2,
            "ages_of_children": [4, 9],
        },
        "safety": {
            "perpetrator_name": "Peter Perp",
            "perpetrator_whereabouts": "Lives in another borough; tried the door last week",
            "recent_incidents": "Threats by text message",
            "dash_completed": "Yes",
            "ric_score": 15,
            "marac_referral": "No",
            "police_involvement": "Yes",
            "police_details": "Reported to police",
            "risk_of_arson": "No",
            "specialist_service_referral": "Yes",
            "civil_order": "Yes",
            "civil_order_expiry": "2099-01-01",
        },
        "installation": {"female_installer_requested": True, "password_requested": True},
        "referral_source": "Housing association",
        "eligibility_facts": {
            "crime_reference_number": "CRN-TEST-0001",
            "perpetrator_lives_at_property": "No",
            "wishes_to_remain": "Yes",
            "resident_in_borough": "Yes",
            "accommodation_permanence": "Permanent",
            "in_direct_contact_with_perpetrator": "No",
        },
    }


CONSENTS_ALL_YES = {
    "installation": "Yes",
    "landlord_contact": "Yes",
    "information_sharing": "Yes",
    "follow_up_contact": "Yes",
}


def submission(
    form: dict[str, Any] | None = None, consents: dict[str, str] | None = None, case_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "command_id": cid(),
        "actor": REFERRER.model_dump(mode="json"),
        "occurred_at": NOW.isoformat(),
        "form": copy.deepcopy(form) if form is not None else form_data(),
        "consents": consents or dict(CONSENTS_ALL_YES),
    }
    if case_id:
        body["case_id"] = case_id
    return body


def submit(**kwargs: Any) -> SubmitReferral:
    return SubmitReferral.model_validate(submission(**kwargs))


def recorded(payload: Event, case_id: str = "SR-TEST", event_id: str | None = None) -> RecordedEvent:
    return recorded_event(payload, case_id=case_id, actor=REFERRER, at=NOW, event_id=event_id)


def case(decider: Decider[Any, ReferralState] = DECIDER) -> Scenario[Any, ReferralState]:
    """A case with no history yet, under ``decider``."""
    return Scenario(decider, recorded)


def submitted(decider: Decider[Any, ReferralState] = DECIDER, **kwargs: Any) -> list[Event]:
    """The events of a successful submission (the 'given' of most tests)."""
    return case(decider).when(submit(**kwargs)).decided


def referred(decider: Decider[Any, ReferralState] = DECIDER, **kwargs: Any) -> Scenario[Any, ReferralState]:
    """A case just submitted (``kwargs`` as for ``submit``)."""
    return case(decider).given(*submitted(decider, **kwargs))


def case_command(cls: type[Command], actor: Actor = COORDINATOR, **fields: Any) -> Any:
    return cls.model_validate(
        {"command_id": cid(), "case_id": "SR-TEST", "actor": actor, "occurred_at": NOW, **fields}
    )


def on(day: str) -> date:
    return date.fromisoformat(day)
