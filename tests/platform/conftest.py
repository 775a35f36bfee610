"""A nats-server secured with the generated deploy/nats-users.conf (accounts and users), provisioned
as its administrator, and connecting to it as one of its users."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS

from sanctuary.deployconfig import ADMIN, password_variable, users
from sanctuary.devtools.nats_server import NatsServer
from shared.runtime import inbox_prefix
from shared.settings import REPO_ROOT
from tests.conftest import provisioned

SERVICES = ("referral", "assessment", "contractor", "reporting")
USERS = tuple(users())


def password(user: str) -> str:
    return f"test-{user}-pw"


def user_url(server: NatsServer, user: str) -> str:
    return f"nats://{user}:{password(user)}@{server.url.removeprefix('nats://')}"


@pytest.fixture
def secured_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NatsServer]:
    for user in USERS:
        monkeypatch.setenv(password_variable(user), password(user))
    store = tmp_path / "nats"
    store.mkdir()
    # The server resolves includes next to its own config file, which NatsServer writes into the store.
    shutil.copy(REPO_ROOT / "deploy" / "nats-users.conf", store / "nats-users.conf")
    server = NatsServer(store_dir=store, sync_interval="always", config_extra="include ./nats-users.conf")
    server.start()
    provisioned(server, user=ADMIN, password=password(ADMIN), inbox_prefix=inbox_prefix(ADMIN))
    yield server
    server.cleanup()


@pytest.fixture
async def connect_as(secured_server: NatsServer) -> AsyncIterator[Callable[..., object]]:
    """Connect as a user, with its own inbox prefix unless told otherwise; the server's permission
    errors are collected in the returned list."""
    clients: list[NATS] = []

    async def connect(user: str, **options: object) -> tuple[NATS, list[str]]:
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc).lower())

        options.setdefault("inbox_prefix", inbox_prefix(user))
        nc = await nats.connect(
            secured_server.url,
            user=user,
            password=password(user),
            error_cb=on_error,
            **options,
        )
        clients.append(nc)
        return nc, errors

    yield connect
    for nc in clients:
        await nc.close()
