"""The driver on a real nats-server: a storyline whose service does not answer stops there, and the
refusal is reported by field and problem only, never with the client's details."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from nats.aio.client import Client as NATS

from sanctuary.demo.driver import drive, in_time_order
from sanctuary.demo.generator import generate
from services.contractor.app import create_app as contractor_app
from services.referral.app import create_app as referral_app
from shared.catalogue import load_catalogue
from shared.contracts.referral import SubmitReferral
from shared.scheme import load_scheme
from shared.settings import Settings

pytestmark = pytest.mark.nats
YEAR = date(2019, 4, 1)


async def test_a_storyline_stops_at_a_refusal_named_by_field(settings: Settings, nc: NATS) -> None:
    scheme, catalogue = load_scheme(settings.scheme_config), load_catalogue(settings.catalogue_path)
    stories = generate(3, 1, YEAR, scheme, catalogue, case_prefix=f"D{uuid.uuid4().hex[:8]}")
    story = stories[0]
    # The referral and contractor services run; the assessment service (the CPO) does not.
    apps = [referral_app(settings)[0], contractor_app(settings)[0]]
    for app in apps:
        await app.start()
    try:
        result = await drive(nc, stories, YEAR)
        again = await drive(nc, stories, YEAR)
    finally:
        for app in reversed(apps):
            await app.stop()

    names = [step.command.name() for _, step in in_time_order(stories)]
    stopped_at = names.index("RecordIntelligenceCheck")
    assert result.sent == stopped_at + 1  # nothing after the refusal was sent
    assert result.stopped_cases == {story.case_id}
    [refusal] = result.refusals
    assert refusal.command == "RecordIntelligenceCheck"
    assert [(p.field, p.problem) for p in refusal.problems] == [
        ("(command)", "no assessment service is answering")
    ]
    submitted = story.steps[0].command
    assert isinstance(submitted, SubmitReferral)
    client = submitted.form.client
    shown = str(refusal)
    assert all(value not in shown for value in (client.full_name, client.telephone, client.address))
    # The same seed again: every command already applied is a no-op.
    assert again.duplicates == stopped_at and len(again.refusals) == 1
