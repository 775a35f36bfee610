"""The read-model store the report and rebuild tests write: on DATABASE_URL when it is set
(PostgreSQL in CI), else a SQLite file of the test's own; each test's tables under a prefix of
its own, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine


def database_url(tmp_path: Path) -> str:
    return os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'read.db'}")


def make_store(url: str) -> ReadModelStore:
    # A table prefix of the test's own, so runs on a shared PostgreSQL database never collide.
    store = ReadModelStore(make_engine(url), base=f"t{uuid.uuid4().hex[:10]}_")
    store.ensure()
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReadModelStore]:
    s = make_store(database_url(tmp_path))
    yield s
    s.drop_everything()
    s.engine.dispose()
