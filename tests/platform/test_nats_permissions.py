"""deploy/nats-users.conf's accounts and users, enforced by a real nats-server provisioned as its
administrator: each service publishes only its own events, serves only its own commands, the fire
control room may only ask for its register, and each recipient of views reads its own views (from
an account of its own) and nothing else."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ConsumerConfig
from nats.js.errors import NotFoundError

from sanctuary.agency_access import AGENCY_USERS, allowed_subjects, command_subjects
from sanctuary.deployconfig import VIEWS_API_PREFIX
from services.reporting.views.stream import VIEWS_STREAM, purge_case_views
from shared.eventstore import STREAM

pytestmark = pytest.mark.nats
# A refused request is never answered (the server reports the violation to the client instead): the
# attempt ends after REFUSED_S. What is allowed is answered, and is given as long as a loaded machine
# may take.
REFUSED_S = 1
ANSWERED_S = 60


async def test_contractor_publishes_its_own_events_and_not_the_referral_services(connect_as) -> None:
    nc, errors = await connect_as("contractor")
    js = nc.jetstream(timeout=ANSWERED_S)
    case_id = f"P-{uuid.uuid4().hex[:12]}"

    ack = await js.publish(f"case.{case_id}.contractor.InstallationCompleted", b"{}")
    assert ack.stream == STREAM

    with pytest.raises(NatsTimeoutError):
        await js.publish(f"case.{case_id}.referral.ReferralAccepted", b"{}", timeout=REFUSED_S)
    await reported(errors, "permissions violation for publish")
    with pytest.raises(NotFoundError):
        await js.get_last_msg(STREAM, f"case.{case_id}.referral.ReferralAccepted", direct=True)


async def test_only_the_owning_service_may_serve_its_commands(connect_as) -> None:
    contractor, errors = await connect_as("contractor")
    await contractor.subscribe("cmd.referral.SubmitReferral")
    await contractor.flush()
    await reported(errors, "permissions violation for subscription")

    referral, referral_errors = await connect_as("referral")
    await referral.subscribe("cmd.referral.SubmitReferral")
    await referral.flush()
    assert referral_errors == []


async def test_no_service_may_delete_the_event_stream(connect_as) -> None:
    nc, errors = await connect_as("reporting")
    with pytest.raises(NatsTimeoutError):
        await nc.jetstream(timeout=REFUSED_S).delete_stream(STREAM)
    await reported(errors, "permissions violation for publish")
    assert (await nc.jetstream(timeout=ANSWERED_S).stream_info(STREAM)).config.name == STREAM


async def test_reporting_purges_an_erased_cases_views_and_no_other_service_may(connect_as) -> None:
    reporting, errors = await connect_as("reporting")
    js = reporting.jetstream(timeout=ANSWERED_S)
    case_id = f"E-{uuid.uuid4().hex[:12]}"
    await js.publish(f"view.police.{case_id}", b"{}")
    await purge_case_views(js, case_id)
    with pytest.raises(NotFoundError):
        await js.get_last_msg(VIEWS_STREAM, f"view.police.{case_id}", direct=True)
    for stream in ("CASES", "KV_CASE_KEYS", "DEADLETTER"):
        with pytest.raises(NatsTimeoutError):
            await reporting.jetstream(timeout=REFUSED_S).purge_stream(stream)
    await reported(errors, "permissions violation for publish", 3)
    assert sum("permissions violation for publish" in e for e in errors) == 3

    referral, referral_errors = await connect_as("referral")
    with pytest.raises(NatsTimeoutError):
        await referral.jetstream(timeout=REFUSED_S).purge_stream(VIEWS_STREAM)
    with pytest.raises(NatsTimeoutError):  # destroying a case key is erasure: reporting's alone
        await referral.jetstream(timeout=REFUSED_S).delete_msg("KV_CASE_KEYS", 1)
    await reported(referral_errors, "permissions violation for publish", 2)
    assert sum("permissions violation for publish" in e for e in referral_errors) == 2


async def test_fire_control_may_only_ask_whether_an_address_is_a_sanctuary_address(connect_as) -> None:
    assessment, assessment_errors = await connect_as("assessment")

    async def answer(msg) -> None:  # the assessment service answering one address
        await msg.respond(b'{"found": false}')

    await assessment.subscribe("query.fire.SanctuaryAddress", cb=answer)
    await assessment.flush()
    assert assessment_errors == []

    fire, errors = await connect_as("fire_control", inbox_prefix="_INBOX_fire_control")
    reply = await fire.request("query.fire.SanctuaryAddress", b"{}", timeout=ANSWERED_S)
    assert reply.data == b'{"found": false}'

    for subject in (
        "query.fire.register",
        "query.police.anything",
        "case.X.referral.ReferralSubmitted",
        "cmd.referral.SubmitReferral",
    ):
        await fire.publish(subject, b"{}")
    await fire.flush()
    await reported(errors, "permissions violation for publish", 4)
    assert sum("permissions violation for publish" in e for e in errors) == 4


async def test_nobody_else_may_ask_or_overhear_the_fire_question(connect_as) -> None:
    # The question carries an address: the reporting service may not listen to it, and an
    # agency system may not ask it.
    reporting, reporting_errors = await connect_as("reporting")
    await reporting.subscribe("query.fire.>")
    await reporting.flush()
    await reported(reporting_errors, "permissions violation for subscription")

    agency, agency_errors = await connect_as("coordinator", inbox_prefix="_INBOX_coordinator")
    await agency.publish("query.fire.SanctuaryAddress", b"{}")
    await agency.flush()
    await reported(agency_errors, "permissions violation for publish")


async def test_contractor_may_keep_its_staff_register(connect_as) -> None:
    nc, errors = await connect_as("contractor")
    await nc.publish("$KV.CONTRACTOR_STAFF.inst-1", b"{}")
    await nc.flush()
    # Shown by what was stored, not by waiting for an error that does not come.
    staff = await nc.jetstream().key_value("CONTRACTOR_STAFF")
    assert (await staff.get("inst-1")).value == b"{}"
    assert errors == []


async def test_operator_reads_but_cannot_write_events(connect_as) -> None:
    service, _ = await connect_as("referral")
    case_id = f"P-{uuid.uuid4().hex[:12]}"
    await service.jetstream().publish(f"case.{case_id}.referral.ReferralAccepted", b"{}")

    operator, errors = await connect_as("operator")
    js = operator.jetstream(timeout=ANSWERED_S)
    last = await js.get_last_msg(STREAM, f"case.{case_id}.referral.ReferralAccepted", direct=True)
    assert last.data == b"{}"
    await operator.publish(f"case.{case_id}.referral.ReferralAccepted", b"{}")
    await operator.flush()
    await reported(errors, "permissions violation for publish")


async def test_each_recipient_reads_its_own_views_and_no_other(connect_as) -> None:
    reporting, reporting_errors = await connect_as("reporting")
    publisher = reporting.jetstream()
    case_id = f"V-{uuid.uuid4().hex[:12]}"
    for recipient in ("police", "housing"):
        await publisher.publish(f"view.{recipient}.{case_id}", f'{{"for": "{recipient}"}}'.encode())
    assert reporting_errors == []

    police, errors = await connect_as("view_police")
    # Its account has no JetStream: PLATFORM's API, the part it may use, is imported under a prefix.
    js = police.jetstream(timeout=ANSWERED_S, prefix=VIEWS_API_PREFIX)
    refused = police.jetstream(timeout=REFUSED_S, prefix=VIEWS_API_PREFIX)
    # One case's current view, by direct get.
    mine = await js.get_last_msg(VIEWS_STREAM, f"view.police.{case_id}", direct=True)
    assert mine.data == b'{"for": "police"}'
    # Every view it holds, through its own consumer.
    sub = await js.pull_subscribe("view.police.>", durable="police", stream=VIEWS_STREAM)
    [msg] = await sub.fetch(1, timeout=ANSWERED_S)
    assert msg.subject == f"view.police.{case_id}"
    await msg.ack()
    assert errors == []

    # Another recipient's view, a consumer over all views or over another's, and the events: refused.
    with pytest.raises(NatsTimeoutError):
        await refused.get_last_msg(VIEWS_STREAM, f"view.housing.{case_id}", direct=True)
    for subject, durable in (("view.>", "all-views"), ("view.housing.>", "housing")):
        with pytest.raises(NatsTimeoutError):
            await refused.pull_subscribe(subject, durable=durable, stream=VIEWS_STREAM)
    with pytest.raises(NatsTimeoutError):  # its own consumer turned onto another's views
        await refused.add_consumer(
            VIEWS_STREAM, ConsumerConfig(name="police", filter_subject="view.housing.>")
        )
    with pytest.raises(NatsTimeoutError):
        await refused.get_last_msg(STREAM, f"case.{case_id}.referral.ReferralSubmitted", direct=True)
    await police.publish(f"view.police.{case_id}", b"{}")
    await police.flush()
    await reported(errors, "permissions violation for publish", 6)

    # Housing reads its own, with its own inbox prefix (it may not listen on anyone else's).
    housing, housing_errors = await connect_as("view_housing")
    theirs = await housing.jetstream(timeout=ANSWERED_S, prefix=VIEWS_API_PREFIX).get_last_msg(
        VIEWS_STREAM, f"view.housing.{case_id}", direct=True
    )
    assert theirs.data == b'{"for": "housing"}' and housing_errors == []


async def test_each_agency_system_may_send_exactly_its_roles_commands(connect_as) -> None:
    subjects = sorted(command_subjects())
    for user, roles in AGENCY_USERS.items():
        nc, errors = await connect_as(user, inbox_prefix=f"_INBOX_{user}")
        for subject in subjects:
            await nc.publish(subject, b"{}")
        await nc.publish(f"health.{user}", b"")
        await nc.flush()
        expected = set(subjects) - set(allowed_subjects(roles)) | {f"health.{user}"}  # no health for agencies
        await reported(errors, "permissions violation for publish", count=len(expected))
        refused = {m.group(1) for e in errors if (m := re.search(r'publish to "([^"]+)"', e))}
        assert refused == {s.lower() for s in expected}, user  # connect_as lowercases errors
        assert allowed_subjects(roles), user


async def test_an_agency_system_reads_replies_on_its_own_inbox_only(connect_as) -> None:
    # With the default _INBOX prefix (everyone else's) a request cannot get its reply.
    default, errors = await connect_as("referrer", inbox_prefix="_INBOX")
    with pytest.raises(Exception):  # noqa: B017 (no responders or a timeout: either way, no reply)
        await default.request("health.referral", b"", timeout=REFUSED_S)
    await reported(errors, "permissions violation for subscription")
    nc, own_errors = await connect_as("referrer", inbox_prefix="_INBOX_referrer")
    await nc.subscribe("_INBOX_coordinator.>")
    await nc.flush()
    await reported(own_errors, "permissions violation for subscription")


async def reported(errors: list[str], kind: str, count: int = 1, deadline_s: float = 30.0) -> None:
    """Wait until the server has reported ``count`` errors of ``kind`` (asynchronously, after the
    flush), with a deadline generous enough for a loaded machine."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while sum(kind in e for e in errors) < count:
        if loop.time() > deadline:
            raise AssertionError(f"the server did not report {count} x '{kind}' within {deadline_s} s")
        await asyncio.sleep(0.05)
