"""Given-When-Then helpers for the assessment decider: no server, the real catalogue and holidays."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from services.assessment.domain.decide import assessment_decider
from services.assessment.domain.rules import AssessmentRules
from services.assessment.domain.state import AssessmentCase
from shared.catalogue import load_catalogue
from shared.commands import Command
from shared.errors import CommandRejected
from shared.events import Actor, Event, RecordedEvent, Role
from shared.scheme import CONFIG_DIR, load_scheme
from shared.settings import CONFIG_DIR as SHARED_CONFIG
from shared.sharing import load_sharing_policy
from tests.assessment.referral_events import accepted, submitted
from tests.builders import recorded_event

CPO = Actor(agency="Test Police", person="cpo-1", role=Role.POLICE_CPO)
FIRE = Actor(agency="Test Fire and Rescue", person="fo-1", role=Role.FIRE_OFFICER)
COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)
IDVA = Actor(agency="Test IDVA Service", person="idva-1", role=Role.IDVA)

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


def given(*events: Event | RecordedEvent, state: AssessmentCase | None = None) -> AssessmentCase:
    return DECIDER.fold([e if isinstance(e, RecordedEvent) else recorded(e) for e in events], state)


def when(state: AssessmentCase, command: Command) -> list[Event]:
    return [e for e in DECIDER.decide(command, state) if isinstance(e, Event)]


def rejected(state: AssessmentCase, command: Command) -> dict[str, str]:
    """The problems of a refused command, by field (decide must raise, and so store nothing)."""
    try:
        events = DECIDER.decide(command, state)
    except CommandRejected as exc:
        return {p.field: p.problem for p in exc.problems}
    raise AssertionError(f"expected a refusal, got {len(list(events))} event(s)")


# A case exists for the assessment service once it has seen the referral submitted.
REFERRED = given(submitted())
ACCEPTED = given(submitted(), accepted())


def cid() -> str:
    return f"cmd-{uuid.uuid4().hex}"


def fields(problems: Sequence[object]) -> set[str]:
    return {getattr(p, "field", "") for p in problems}
