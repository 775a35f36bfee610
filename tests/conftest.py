"""Fixtures: a real nats-server per test session (free port, temporary store), the key custodian
on it, settings, stores."""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import nats
import pytest
import structlog
from nats.aio.client import Client as NATS

from sanctuary.devtools.nats_server import NatsServer
from sanctuary.launcher import start_service, wait_healthy
from sanctuary.provision import provision
from shared.crypto import KeyStore
from shared.eventstore import EventStore, ensure_stream
from shared.logging import configure_logging
from shared.service import Service
from shared.settings import REPO_ROOT, Settings, load_settings
from shared.signing import load_or_create_signer

TEST_KEK = base64.b64encode(b"k" * 32).decode()


def provisioned(server: NatsServer, **connect: object) -> NatsServer:
    """Run ``sanctuary provision`` against ``server`` (as the services expect, they create no stream).
    From a thread of its own, so that it works whether or not an event loop is running."""

    async def run() -> None:
        nc = await nats.connect(server.url, **connect)
        try:
            await provision(nc)
        finally:
            await nc.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()
    return server


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    """One real server for the session, provisioned. Tests isolate themselves by unique case ids."""
    with NatsServer(sync_interval="always") as server:
        yield provisioned(server)


@pytest.fixture
def bare_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A server of the test's own with nothing provisioned (no stream at all)."""
    server = NatsServer(store_dir=tmp_path / "bare-nats", sync_interval="always")
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def fresh_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A provisioned server of the test's own, for tests that kill, restart or reconfigure it."""
    server = NatsServer(store_dir=tmp_path / "nats", sync_interval="always")
    server.start()
    provisioned(server)
    yield server
    server.cleanup()


@pytest.fixture
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "signing-keys"


@pytest.fixture(scope="session")
def key_custodian(nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The key custodian (``python -m services.keys``) on the session's server, for every service a
    test starts there: the services hold no KEK and ask it for case keys."""
    env = {
        **os.environ,
        "NATS_URL": nats_server.url,
        "SANCTUARY_KEK": TEST_KEK,
        "SANCTUARY_SIGNING_KEYS": str(tmp_path_factory.getbasetemp() / "signing-keys"),
        "PYTHONUNBUFFERED": "1",
    }
    process = start_service("keys", env, tmp_path_factory.mktemp("custodian-logs"), REPO_ROOT)
    try:
        asyncio.run(wait_healthy(nats_server.url, [process], timeout=60))
        yield
    finally:
        process.stop()


@asynccontextmanager
async def running_custodian(
    url: str, signing_dir: Path, kek: str = TEST_KEK, previous: str = "", **settings: str
) -> AsyncIterator[Service]:
    """A key custodian in this test's own process, for a server of the test's own; ``settings``
    are further variables of its settings (NATS_TLS_CA, ...)."""
    from services.keys.app import create_app

    app, service = create_app(
        load_settings(
            NATS_URL=url,
            SANCTUARY_KEK=kek,
            SANCTUARY_KEK_PREVIOUS=previous,
            SANCTUARY_SIGNING_KEYS=str(signing_dir),
            **settings,
        )
    )
    await app.start()
    try:
        yield service
    finally:
        await app.stop()


@pytest.fixture
def settings(nats_server: NatsServer, tmp_path: Path, signing_dir: Path, key_custodian: None) -> Settings:
    env = {
        "NATS_URL": nats_server.url,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'read.db'}"),
        "SANCTUARY_SIGNING_KEYS": str(signing_dir),
        "SANCTUARY_LOG_JSON": "true",
    }
    return load_settings(**{k: v for k, v in env.items()})


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_server.url)
    await ensure_stream(client.jetstream())
    yield client
    await client.close()


@pytest.fixture
async def keystore(nc: NATS) -> AsyncIterator[KeyStore]:
    keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    await keys.start()
    yield keys
    await keys.stop()


@pytest.fixture
def store_for(nc: NATS, keystore: KeyStore, signing_dir: Path):
    """An EventStore writing as the given owner, signed with that owner's key."""

    def make(owner: str) -> EventStore:
        return EventStore(nc, keystore, owner, load_or_create_signer(signing_dir, owner))

    return make


@pytest.fixture
def captured_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Everything the services log during the test, through the production log configuration."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(json=True, level="DEBUG")
    yield buffer
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)
