"""The assessment decider under the South Essex scheme, the real catalogue, holidays and sharing
agreement, for Given-When-Then (tests/gwt.py), and the actors its tests send commands as."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.assessment.domain.decide import assessment_decider
from services.assessment.domain.rules import AssessmentRules
from services.assessment.domain.state import AssessmentCase
from shared.catalogue import load_catalogue
from shared.commands import Command
from shared.events import Actor, Event, RecordedEvent, Role
from shared.scheme import CONFIG_DIR, load_scheme
from shared.settings import CONFIG_DIR as SHARED_CONFIG
from shared.sharing import load_sharing_policy
from tests.assessment.referral_events import accepted, submitted
from tests.builders import recorded_event
from tests.gwt import Scenario

CPO = Actor(agency="Test Police", person="cpo-1", role=Role.POLICE_CPO)
FIRE = Actor(agency="Test Fire and Rescue", person="fo-1", role=Role.FIRE_OFFICER)
COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)
IDVA = Actor(agency="Test IDVA Service", person="idva-1", role=Role.IDVA)
CONTROL = Actor(agency="Test Fire Control", person="ctl-1", role=Role.FIRE_CONTROL)

# Monday 2 June 2025; no bank holiday until 25 August.
MONDAY = date(2025, 6, 2)
# The South Essex scheme (its timescales and DASH bands), the real catalogue and sharing agreement.
RULES = AssessmentRules.for_scheme(
    load_scheme(CONFIG_DIR / "south-essex.yaml"),
    catalogue=load_catalogue(),
    sharing=load_sharing_policy(SHARED_CONFIG / "sharing-policy.yaml"),
)
DECIDER = assessment_decider(RULES)


def recorded(payload: Event, at: datetime | None = None, case_id: str = "C-ASSESS-1") -> RecordedEvent:
    return recorded_event(
        payload, case_id=case_id, actor=CPO, at=at or datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    )


def case() -> Scenario[Command, AssessmentCase]:
    """A case with no history yet: the assessment service has not heard of it."""
    return Scenario(DECIDER, recorded)


# A case exists for the assessment service once it has seen the referral submitted.
REFERRED = case().given(submitted())
ACCEPTED = REFERRED.given(accepted())


def cid() -> str:
    return f"cmd-{uuid.uuid4().hex}"
