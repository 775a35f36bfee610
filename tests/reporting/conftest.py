"""The read-model store the report and rebuild tests write: on DATABASE_URL when it is set
(PostgreSQL in CI), else a SQLite file of the test's own; each test's tables under a prefix of
its own, dropped afterwards."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def scratch_store(tmp_path: Path) -> Iterator[ReadModelStore]:
    """A store of the test's own, its tables dropped afterwards."""
    s = make_store(database_url(tmp_path))
    try:
        yield s
    finally:
        s.drop_everything()
        s.engine.dispose()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReadModelStore]:
    with scratch_store(tmp_path) as s:
        yield s


@pytest.fixture
def other_store(tmp_path: Path) -> Iterator[ReadModelStore]:
    """A second store beside ``store``, for tests that compare two (on the same database)."""
    with scratch_store(tmp_path) as s:
        yield s
