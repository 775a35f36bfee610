"""A nats-server secured with deploy/nats-users.conf, and connecting to it as one of its users."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS

from shared.agency_access import AGENCY_USERS, view_reader
from shared.contracts.reporting import Recipient
from shared.nats_server import NatsServer
from shared.settings import REPO_ROOT

SERVICES = ("referral", "assessment", "contractor", "reporting")
VIEW_READERS = tuple(view_reader(r) for r in Recipient)
USERS = (*SERVICES, "keys", *AGENCY_USERS, "operator", "fire_control", *VIEW_READERS)


def password(user: str) -> str:
    return f"test-{user}-pw"


@pytest.fixture
def secured_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NatsServer]:
    for user in USERS:
        monkeypatch.setenv(f"NATS_{user.upper()}_PASSWORD", password(user))
    store = tmp_path / "nats"
    store.mkdir()
    # The server resolves includes next to its own config file, which NatsServer writes into the store.
    shutil.copy(REPO_ROOT / "deploy" / "nats-users.conf", store / "nats-users.conf")
    server = NatsServer(store_dir=store, sync_interval="always", config_extra="include ./nats-users.conf")
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
async def connect_as(secured_server: NatsServer) -> AsyncIterator[Callable[..., object]]:
    """Connect as a user; the server's permission errors are collected in the returned list."""
    clients: list[NATS] = []

    async def connect(user: str, **options: object) -> tuple[NATS, list[str]]:
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc).lower())

        nc = await nats.connect(
            secured_server.url, user=user, password=password(user), error_cb=on_error, **options
        )
        clients.append(nc)
        return nc, errors

    yield connect
    for nc in clients:
        await nc.close()
