"""The read-model writer adds a row keyed by an event once, even when the stream holds the event
again at a later sequence (the INSERT skips a taken key on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.reporting.monitoring.readmodel.store import ReadModelStore
from tests.reporting.crash import table_rows
from tests.reporting.test_report_readmodel import PROJECT, database_url, load, make_store
from tests.reporting.year import year

pytestmark = pytest.mark.readmodel


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReadModelStore]:
    s = make_store(database_url(tmp_path))
    yield s
    s.drop_everything()
    s.engine.dispose()


def test_an_event_met_again_later_in_the_stream_adds_no_row_twice(store: ReadModelStore) -> None:
    h = year()
    load(store, h)
    before = table_rows(store)
    after_them = max(e.seq for e in h.events)
    again = [e.model_copy(update={"seq": after_them + e.seq}) for e in h.events]
    assert store.apply_many(again, PROJECT) == len(again)
    after = table_rows(store)
    assert after.pop("positions") != before.pop("positions")
    assert after == before
