"""Every user of the generated deploy configuration, asked about every probe subject on a real
server: what the server allows must be exactly what ``access_intent`` says (nothing more, nothing
less). The JetStream API (stream create, update, delete, purge, message delete, snapshot and
restore on every stream; consumer create and delete on every stream and durable), key-value
writes, every owner's event subjects, commands, views, and subscriptions to ``_INBOX.>``,
``cmd.>``, ``view.>``, ``case.>``, ``$JS.EVENT.>`` and ``$SYS.>``.

The server runs on a throwaway store: an allowed probe really happens (the administrator's
deletes included) and changes nothing the answer depends on, since permissions are checked before
anything is delivered."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import nats
import pytest

from sanctuary.deployconfig import nats_users_conf, users
from sanctuary.devtools.nats_server import NatsServer
from shared.runtime import inbox_prefix
from shared.settings import REPO_ROOT
from tests.platform.access_intent import USERS, intended, publish_probes, subscribe_probes
from tests.platform.conftest import password

pytestmark = pytest.mark.nats
SENTINEL = "sentinel.refused"  # no one may publish or subscribe it: its refusal closes a batch
REFUSED = re.compile(r'permissions violation for (publish|subscription) to "([^"]+)"')


async def refused_by_server(server: NatsServer, user: str) -> tuple[set[str], set[str]]:
    """The probes the server refuses ``user``: (publish, subscribe), lower-cased as nats-py reports."""
    refused: dict[str, set[str]] = {"publish": set(), "subscription": set()}
    sentinel_seen = asyncio.Event()

    async def on_error(exc: Exception) -> None:
        match = REFUSED.search(str(exc).lower())
        if match:
            refused[match.group(1)].add(match.group(2))
            if match.group(2) == SENTINEL:
                sentinel_seen.set()

    nc = await nats.connect(
        server.url, user=user, password=password(user), error_cb=on_error, inbox_prefix=inbox_prefix(user)
    )
    try:
        for subject in publish_probes():
            await nc.publish(subject, b"{}")
        for subject in subscribe_probes():
            await nc.subscribe(subject)
        # The server answers in order: once the sentinel's refusal is in, every earlier one is.
        await nc.publish(SENTINEL, b"")
        await nc.flush()
        await asyncio.wait_for(sentinel_seen.wait(), timeout=30)
    finally:
        await nc.close()
    refused["publish"].discard(SENTINEL)
    return refused["publish"], refused["subscription"]


@pytest.fixture
def enumeration_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NatsServer:
    return start_with(nats_users_conf(), tmp_path, monkeypatch)


def start_with(conf: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NatsServer:
    for user in users():
        monkeypatch.setenv(f"NATS_{user.upper()}_PASSWORD", password(user))
    store = tmp_path / "nats"
    store.mkdir()
    (store / "nats-users.conf").write_text(conf)
    return NatsServer(store_dir=store, config_extra="include ./nats-users.conf").start()


async def allowed_as(server: NatsServer, user: str) -> tuple[set[str], set[str]]:
    refused_pub, refused_sub = await refused_by_server(server, user)
    allowed_pub = {p for p in publish_probes() if p.lower() not in refused_pub}
    allowed_sub = {s for s in subscribe_probes() if s.lower() not in refused_sub}
    return allowed_pub, allowed_sub


async def test_every_user_is_allowed_exactly_what_it_is_meant_to(enumeration_server: NatsServer) -> None:
    assert set(USERS) == set(users()), "a user without intent, or an intent without a user"
    try:
        for user in USERS:
            publish, subscribe = await allowed_as(enumeration_server, user)
            meant_publish, meant_subscribe = intended(user)
            assert publish - meant_publish == set(), f"{user} may publish more than meant"
            assert meant_publish - publish == set(), f"{user} may not publish what it needs"
            assert subscribe == meant_subscribe, f"{user}'s subscriptions"
    finally:
        enumeration_server.cleanup()


async def test_no_one_but_the_administrator_holds_any_stream_changing_api(
    enumeration_server: NatsServer,
) -> None:
    # The list, said plainly (the table above says it too, exhaustively).
    changing = re.compile(r"\$JS\.API\.STREAM\.(CREATE|UPDATE|DELETE|SNAPSHOT|RESTORE)\.")
    try:
        for user in USERS:
            if user == "admin":
                continue
            publish, subscribe = await allowed_as(enumeration_server, user)
            assert not [p for p in publish if changing.match(p)], user
            assert not {"_INBOX.>", "cmd.>", "view.>", "case.>", "$JS.EVENT.>", "$SYS.>", ">"} & subscribe, (
                user
            )
            assert not [
                p for p in publish if p.startswith("$JS.API.CONSUMER.CREATE.CASES") and p.count(".") == 4
            ]
    finally:
        enumeration_server.cleanup()


async def test_a_widened_permission_fails_the_enumeration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same comparison on a configuration with one grant widened: the contractor's own-events
    grant turned into every owner's. It must not match."""
    conf = nats_users_conf()
    assert conf.count('"case.*.contractor.>"') == 1
    server = start_with(conf.replace('"case.*.contractor.>"', '"case.>"'), tmp_path, monkeypatch)
    try:
        publish, _ = await allowed_as(server, "contractor")
    finally:
        server.cleanup()
    meant, _ = intended("contractor")
    assert publish - meant == {
        f"case.C-1.{o}.SomethingHappened" for o in ("referral", "assessment", "reporting", "keys", "intruder")
    }


def test_the_deploy_file_is_the_generated_one() -> None:
    committed = (REPO_ROOT / "deploy" / "nats-users.conf").read_text()
    assert committed == nats_users_conf(), (
        "deploy/nats-users.conf is behind the code: run `sanctuary nats-users > deploy/nats-users.conf`"
    )
