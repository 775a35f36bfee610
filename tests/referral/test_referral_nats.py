"""The referral service on a real nats-server: submit, evaluate, accept, withdraw a consent, with
the events read back from the CASES stream; a bad submission stores nothing; a retried submission
maps to the same case; the coordinator decides on an assessment another service just appended."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import date
from typing import Any

import pytest
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from services.referral.app import create_app
from shared.bus import send_command
from shared.commands import CommandReply
from shared.contracts.assessment import PropertyAssessed, RecommendedMeasure
from shared.contracts.referral import (
    AcceptReferral,
    ApproveRecommendations,
    ConsentPurpose,
    ConsentRecorded,
    ConsentWithdrawn,
    EligibilityEvaluated,
    EligibilityOutcome,
    RecommendationsApproved,
    ReferralAccepted,
    ReferralSubmitted,
    SubmitReferral,
    WithdrawConsent,
    case_id_for,
)
from tests.referral.scenarios import COORDINATOR, CPO, REFERRER, cid, form_data, submission
from tests.waiting import until

pytestmark = pytest.mark.nats


async def started(nc: Any, app: Any) -> None:
    """Start the app and wait until the server has its subscriptions: app.start() can return before
    they reach the server, and a command sent then meets no responders. Health is subscribed after
    the commands, on the same connection, so its answer means the commands are there too."""
    await app.start()

    async def answers() -> bool:
        # No responders yet; or, on a loaded machine, no answer yet: asked again until the deadline.
        with contextlib.suppress(NoRespondersError, NatsTimeoutError):
            await nc.request("health.referral", b"", timeout=5)
            return True
        return False

    await until(answers, "the referral service answers")


async def request(nc: Any, subject: str, body: dict[str, Any]) -> CommandReply:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=10)
    return CommandReply.model_validate_json(reply.data)


def owner_occupier_submission() -> dict[str, Any]:
    form = form_data()
    form["household"]["tenure"] = "Privately owned"
    body = submission(form=form)
    body["command_id"] = f"sr-{uuid.uuid4().hex}"  # unique case per run
    body.pop("occurred_at")  # stamped on arrival, as a real referrer's system would leave it
    return body


async def test_submit_evaluate_accept_and_withdraw_a_consent(settings, nc, store_for) -> None:
    app, _service = create_app(settings)
    await started(nc, app)
    try:
        body = owner_occupier_submission()
        submitted = await request(nc, SubmitReferral.subject(), body)
        assert submitted.ok, submitted.errors
        case_id = case_id_for(body["command_id"])
        assert submitted.case_id == case_id and len(submitted.event_ids) == 6

        # A retried submission (same command id) is a no-op mapping to the same case.
        again = await request(nc, SubmitReferral.subject(), body)
        assert (
            again.ok
            and again.duplicate
            and again.case_id == case_id
            and again.event_ids == submitted.event_ids
        )

        accepted = await send_command(
            nc, AcceptReferral(command_id=cid(), case_id=case_id, actor=COORDINATOR)
        )
        assert accepted.ok, accepted.errors
        withdrawn = await send_command(
            nc,
            WithdrawConsent(
                command_id=cid(), case_id=case_id, actor=REFERRER, purposes=[ConsentPurpose.FOLLOW_UP_CONTACT]
            ),
        )
        assert withdrawn.ok, withdrawn.errors

        events = await store_for("referral").load(case_id)
        assert [e.type for e in events] == [
            "ReferralSubmitted",
            "ConsentRecorded",
            "ConsentRecorded",
            "ConsentRecorded",
            "ConsentRecorded",
            "EligibilityEvaluated",
            "ReferralAccepted",
            "ConsentWithdrawn",
        ]
        first = events[0].payload
        assert isinstance(first, ReferralSubmitted)
        assert first.form.client.full_name == "Alice Example"  # decrypted with the case key
        assert all(e.subject.startswith(f"case.{case_id}.referral.") for e in events)
        assert sum(isinstance(e.payload, ConsentRecorded) and e.payload.given for e in events) == 4
        evaluated = events[5].payload
        assert (
            isinstance(evaluated, EligibilityEvaluated) and evaluated.outcome is EligibilityOutcome.ELIGIBLE
        )
        assert isinstance(events[6].payload, ReferralAccepted)
        withdrawal = events[7].payload
        assert (
            isinstance(withdrawal, ConsentWithdrawn)
            and withdrawal.purpose is ConsentPurpose.FOLLOW_UP_CONTACT
        )

        # Personal data is encrypted in the stream: the stored message never holds the name.
        raw = await nc.jetstream().get_last_msg("CASES", f"case.{case_id}.referral.ReferralSubmitted")
        assert b"Alice Example" not in raw.data and b"Peter Perp" not in raw.data
    finally:
        await app.stop()


async def test_a_bad_submission_gets_every_problem_and_stores_nothing(settings, nc, store_for) -> None:
    app, _service = create_app(settings)
    await started(nc, app)
    try:
        body = owner_occupier_submission()
        del body["form"]["client"]["full_name"]
        body["form"]["client"]["date_of_birth"] = "2999-01-01"
        body["form"]["about_client"]["gender"] = "Prefer to self-describe"
        reply = await request(nc, SubmitReferral.subject(), body)
        assert not reply.ok
        assert {e.field for e in reply.errors} == {
            "form.client.full_name",
            "form.client.date_of_birth",
            "form.about_client.gender_self_description",
        }
        assert "Alice" not in reply.model_dump_json()
        assert await store_for("referral").load(case_id_for(body["command_id"])) == []

        refused = owner_occupier_submission()
        refused["consents"]["installation"] = "No"
        reply = await request(nc, SubmitReferral.subject(), refused)
        assert not reply.ok and [e.field for e in reply.errors] == ["consents.installation"]
        assert await store_for("referral").load(case_id_for(refused["command_id"])) == []
    finally:
        await app.stop()


async def test_the_coordinator_approves_an_assessment_another_service_just_appended(
    settings, nc, store_for
) -> None:
    app, _service = create_app(settings)
    await started(nc, app)
    try:
        body = owner_occupier_submission()
        assert (await request(nc, SubmitReferral.subject(), body)).ok
        case_id = case_id_for(body["command_id"])
        assert (
            await send_command(nc, AcceptReferral(command_id=cid(), case_id=case_id, actor=COORDINATOR))
        ).ok

        assessment = store_for("assessment")
        [assessed] = await assessment.append(
            case_id,
            [
                PropertyAssessed(
                    assessed_on=date(2025, 6, 3),
                    recommended_measures=[RecommendedMeasure(item_code="DOOR-CHAIN", quantity=1)],
                    within_timescale=True,
                )
            ],
            expected=await assessment.last_position(case_id),
            actor=CPO,
            command_id=cid(),
        )
        approve = ApproveRecommendations(
            command_id=cid(),
            case_id=case_id,
            actor=COORDINATOR,
            assessment_event_id=assessed.event_id,
            approved_items=[{"item_code": "DOOR-CHAIN", "quantity": 1}],
        )
        reply = await send_command(nc, approve)
        assert reply.ok, reply.errors
        last = (await store_for("referral").load(case_id))[-1]
        assert isinstance(last.payload, RecommendationsApproved)
        assert str(last.payload.estimated_cost_gbp) == "15.00"
    finally:
        await app.stop()
