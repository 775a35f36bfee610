"""The four services run under deploy/nats-users.conf's users on a real secured server: a referrer's
system submits, the coordinator's accepts, the assessment service opens the CPO work item, the
reporting service publishes the police view, and the police read it as view_police; a rebuild as
the reporting user, with a worker process reading the stream, gets what it gets alone."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from faststream import FastStream
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NotFoundError
from structlog.testing import capture_logs

from sanctuary.deployconfig import VIEWS_API_PREFIX
from sanctuary.devtools.nats_server import NatsServer
from services.assessment.app import create_app as assessment_app
from services.contractor.app import create_app as contractor_app
from services.keys.app import create_app as keys_app
from services.referral.app import create_app as referral_app
from services.reporting.app import create_app as reporting_app
from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.rebuild import rebuild
from services.reporting.views.stream import VIEWS_STREAM
from shared.bus import send_command
from shared.case_keys import CaseKeyClient
from shared.catalogue import load_catalogue
from shared.commands import CommandReply
from shared.contracts.referral import AcceptReferral, SubmitReferral, case_id_for
from shared.eventstore import STREAM, EventStore
from shared.settings import load_settings
from tests.conftest import TEST_KEK
from tests.platform.conftest import SERVICES, user_url
from tests.referral.scenarios import COORDINATOR, cid, form_data, submission
from tests.reporting.crash import table_rows
from tests.waiting import DEADLINE_S

pytestmark = pytest.mark.nats
APPS = {
    "referral": referral_app,
    "assessment": assessment_app,
    "contractor": contractor_app,
    "reporting": reporting_app,
}


@pytest.fixture
async def services_as_their_users(
    secured_server: NatsServer, tmp_path: Path
) -> AsyncIterator[list[MutableMapping[str, Any]]]:
    """The four services started as their own NATS users; yields what they log."""
    apps: list[FastStream] = []
    custodian, _ = keys_app(
        load_settings(
            nats_url=user_url(secured_server, "keys"),
            kek=TEST_KEK,
            signing_keys_dir=tmp_path / "keys-key",
            public_keys_dir=tmp_path / "public-keys",
        )
    )
    await custodian.start()
    apps.append(custodian)
    for name in SERVICES:
        settings = load_settings(
            nats_url=user_url(secured_server, name),
            database_url=f"sqlite:///{tmp_path / 'read.db'}",
            signing_keys_dir=tmp_path / f"{name}-key",
            public_keys_dir=tmp_path / "public-keys",
        )
        app, _ = APPS[name](settings)
        await app.start()
        apps.append(app)
    try:
        with capture_logs() as logs:
            yield logs
    finally:
        for app in reversed(apps):
            await app.stop()


async def eventually(probe: Any, what: str, seconds: float = DEADLINE_S) -> Any:
    """``probe``'s answer, asked again while it is not there yet (not found, no responders, or no
    answer yet on a loaded machine) until a deadline that is only there so a broken test ends."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        with contextlib.suppress(NotFoundError, NoRespondersError, NatsTimeoutError):
            return await probe()
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:.0f} s")
        await asyncio.sleep(0.1)


async def test_a_referral_goes_from_referrer_to_the_police_view_under_deploy_permissions(
    services_as_their_users: list[MutableMapping[str, Any]],
    connect_as: Any,
    secured_server: NatsServer,
    tmp_path: Path,
) -> None:
    operator, operator_errors = await connect_as("operator")
    for name in SERVICES:
        await eventually(lambda n=name: operator.request(f"health.{n}", b"", timeout=5), f"{name} up")

    coordinator, coordinator_errors = await connect_as("coordinator")
    referrer, referrer_errors = await connect_as("referrer")
    form = form_data()
    form["household"]["tenure"] = "Privately owned"  # no landlord permission to wait for
    body = submission(form=form)
    body["command_id"] = f"sr-{uuid.uuid4().hex}"
    reply = await referrer.request(SubmitReferral.subject(), json.dumps(body).encode(), timeout=10)
    submitted = CommandReply.model_validate_json(reply.data)
    assert submitted.ok, submitted.errors
    case_id = case_id_for(body["command_id"])

    accepted = await send_command(
        coordinator, AcceptReferral(command_id=cid(), case_id=case_id, actor=COORDINATOR)
    )
    assert accepted.ok, accepted.errors

    ops = operator.jetstream(timeout=5)
    opened = await eventually(
        lambda: ops.get_last_msg(STREAM, f"case.{case_id}.assessment.CpoWorkItemOpened", direct=True),
        "the CPO work item",
    )
    assert b"Alice Example" not in opened.data

    police, police_errors = await connect_as("view_police")
    views = police.jetstream(timeout=5, prefix=VIEWS_API_PREFIX)
    view = await eventually(
        lambda: views.get_last_msg(VIEWS_STREAM, f"view.police.{case_id}", direct=True), "the police view"
    )
    assert json.loads(view.data)["case_id"] == case_id

    # The operator's audit tool reads the whole history, personal fields opened with a key the
    # custodian hands it (the operator's host holds no key-encryption key), as `sanctuary audit` does.
    keys = CaseKeyClient(operator, "operator", watch=False)
    await keys.start()
    try:
        history = await EventStore(operator, keys, owner="reporting").load(case_id)
    finally:
        await keys.stop()
    types = [e.type for e in history]
    assert types[0] == "ReferralSubmitted" and "ReferralAccepted" in types and "CpoWorkItemOpened" in types
    opened = "Alice Example" in history[0].payload.model_dump_json()  # synthetic; opened, not erased
    assert opened, "the operator's host could not open the personal fields"

    # `sanctuary rebuild` runs as the reporting user; its workers read the stream on connections of
    # their own, made with the same settings: as that user, with its inbox, and nothing more.
    reporting, reporting_errors = await connect_as("reporting")
    as_reporting = load_settings(nats_url=user_url(secured_server, "reporting"))
    rebuilt = []
    for workers in (0, 1):
        store = ReadModelStore(make_engine(f"sqlite:///{tmp_path / f'rebuilt-{workers}.db'}"))
        project = MonitoringProjection(load_catalogue())
        assert await rebuild(reporting, store, project, None, workers, as_reporting) > 0
        rebuilt.append(table_rows(store))
        store.engine.dispose()
    assert rebuilt[0] == rebuilt[1]
    assert [coordinator_errors, referrer_errors, operator_errors, police_errors] == [[], [], [], []]
    assert reporting_errors == []
    # Nothing the services did on the way was refused by the server.
    refused = [e for e in services_as_their_users if e["event"] == "nats error"]
    assert refused == []
