"""A service credential in hostile hands (the contractor's; then the operator's) tries every attack
the first deploy configuration let through, against a real server running the generated
configuration, with the referral service running as its own user. Each is refused, and afterwards
nothing has changed: the streams and their settings, the case keys, the durable consumers, and a
referrer still gets its real CommandReply (not a capture stream's ack)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import ConsumerConfig, StorageType, StreamConfig, StreamSource
from nats.js.errors import NotFoundError

from sanctuary.devtools.nats_server import NatsServer
from services.referral.app import create_app as referral_app
from services.reporting.views.stream import VIEWS_STREAM
from shared.commands import CommandReply
from shared.contracts.referral import SubmitReferral
from shared.crypto import KEY_BUCKET
from shared.events import Actor, Role
from shared.eventstore import STREAM
from shared.settings import load_settings
from tests.conftest import TEST_KEK
from tests.platform.conftest import user_url

pytestmark = pytest.mark.nats
VICTIM_DURABLE = "reporting-monitoring"
CASE = f"H-{uuid.uuid4().hex[:10]}"
REFERRER = Actor(agency="Synthetic Housing", person="ref-1", role=Role.REFERRER)


@pytest.fixture
async def referral_running(secured_server: NatsServer, tmp_path: Path) -> AsyncIterator[None]:
    settings = load_settings(
        nats_url=user_url(secured_server, "referral"),
        kek=TEST_KEK,
        signing_keys_dir=tmp_path / "keys",
        public_keys_dir=tmp_path / "public-keys",
    )
    app, _ = referral_app(settings)
    await app.start()
    yield
    await app.stop()


async def state(admin: NATS) -> dict[str, Any]:
    """Everything an attack could change, read as the administrator."""
    js = admin.jetstream(timeout=5)
    streams = {}
    for name in await js.streams_info():
        config = name.config.as_dict()
        streams[name.config.name] = (config, name.state.messages, name.state.last_seq)
    key = await js.get_last_msg(f"KV_{KEY_BUCKET}", f"$KV.{KEY_BUCKET}.{CASE}", direct=True)
    consumer = await js.consumer_info(STREAM, VICTIM_DURABLE)
    return {"streams": streams, "key": (key.data, key.seq), "consumer": consumer.config.as_dict()}


class Attacker:
    """Sends each request and waits for the server's refusal of that very subject (positive
    evidence, with a generous deadline, rather than waiting out a timeout)."""

    def __init__(self, nc: NATS, errors: list[str]) -> None:
        self.nc = nc
        self.errors = errors

    async def refused(self, subject: str, body: Any = b"", headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        await self.nc.publish(subject, data, reply=self.nc.new_inbox(), headers=headers)
        await self.nc.flush()
        await self.seen(f'publish to "{subject.lower()}"')

    async def seen(self, refusal: str) -> None:
        for _ in range(300):
            if any(refusal in e for e in self.errors):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"not refused: {refusal}")


def stream_config(**settings: Any) -> dict[str, Any]:
    return StreamConfig(
        **({"name": STREAM, "subjects": ["case.>"], "storage": StorageType.FILE} | settings)
    ).as_dict()


async def attacks(hostile: Attacker) -> None:
    api = "$JS.API"
    # Destroy or freeze the history.
    for change in ({"max_msgs": 1}, {"sealed": True}, {"subjects": ["case.none.>"]}):
        await hostile.refused(f"{api}.STREAM.UPDATE.{STREAM}", stream_config(**change))
    await hostile.refused(f"{api}.STREAM.DELETE.{STREAM}")
    await hostile.refused(f"{api}.STREAM.PURGE.{STREAM}")
    # Capture other agencies' traffic, or copy the views to disk.
    for name, subjects in (
        ("CAPTURE_CMD", ["cmd.>"]),
        ("CAPTURE_FIRE", ["query.fire.>"]),
        ("CAPTURE_REPLIES", ["_INBOX_referrer.>", "_INBOX.>"]),
    ):
        await hostile.refused(
            f"{api}.STREAM.CREATE.{name}", StreamConfig(name=name, subjects=subjects).as_dict()
        )
    mirror = StreamConfig(
        name="VIEWS_ON_DISK", mirror=StreamSource(name=VIEWS_STREAM), storage=StorageType.FILE
    )
    await hostile.refused(f"{api}.STREAM.CREATE.VIEWS_ON_DISK", mirror.as_dict())
    # Erase or overwrite a case's key without a command or an audit event.
    key = f"$KV.{KEY_BUCKET}.{CASE}"
    await hostile.refused(key, b"", {"KV-Operation": "DEL"})
    await hostile.refused(key, b"", {"KV-Operation": "PURGE", "Nats-Rollup": "sub"})
    await hostile.refused(key, b"forged")
    await hostile.refused(f"{api}.STREAM.MSG.DELETE.KV_{KEY_BUCKET}", {"seq": 1})
    # Remove another service's consumer, or rewrite it through a create that names it.
    await hostile.refused(f"{api}.CONSUMER.DELETE.{STREAM}.{VICTIM_DURABLE}")
    rewrite = {"stream_name": STREAM, "config": {"name": VICTIM_DURABLE, "filter_subject": "case.none.>"}}
    await hostile.refused(f"{api}.CONSUMER.CREATE.{STREAM}", rewrite)
    await hostile.refused(f"{api}.CONSUMER.CREATE.{STREAM}.{VICTIM_DURABLE}.case.none.>", rewrite)
    # Read another's replies, or any recipient's views.
    await hostile.nc.subscribe("_INBOX.>")
    await hostile.seen('subscription to "_inbox.>"')
    for recipient in ("police", "idva", "housing", "contractor", "fire"):
        await hostile.refused(f"{api}.DIRECT.GET.{VIEWS_STREAM}.view.{recipient}.{CASE}")
    await hostile.refused(f"{api}.DIRECT.GET.{VIEWS_STREAM}", {"last_by_subj": f"view.police.{CASE}"})


async def test_a_hostile_service_changes_nothing(
    secured_server: NatsServer, referral_running: None, connect_as: Any
) -> None:
    custodian, _ = await connect_as("keys")  # the only writer of case keys
    await custodian.jetstream(timeout=5).publish(f"$KV.{KEY_BUCKET}.{CASE}", b"wrapped-key")
    admin, _ = await connect_as("admin")
    ajs = admin.jetstream(timeout=5)
    await ajs.add_consumer(STREAM, ConsumerConfig(durable_name=VICTIM_DURABLE, filter_subject="case.>"))
    before = await state(admin)

    for user in ("contractor", "operator"):
        await attacks(Attacker(*await connect_as(user)))

    assert await state(admin) == before
    with pytest.raises(NotFoundError):
        await ajs.stream_info("CAPTURE_CMD")

    # The referrer's command still reaches the referral service, and its answer comes back to it.
    referrer, referrer_errors = await connect_as("referrer")
    command = {"command_id": f"hostile-{uuid.uuid4().hex}", "actor": REFERRER.model_dump(mode="json")}
    reply = await referrer.request(SubmitReferral.subject(), json.dumps(command).encode(), timeout=10)
    answer = CommandReply.model_validate_json(reply.data)
    assert not answer.ok and {p.field for p in answer.errors} >= {"form"}
    assert referrer_errors == []
