"""A generation filled by a rebuild holds what the live writer, batch by batch, makes of the same
events (day counts included): on PostgreSQL its rows go in by COPY and its tables are unlogged
until it is swapped in, then logged like the live ones. A COPY that meets a key already taken is
refused as SQLAlchemy refuses a statement, naming no stored value, and keeps nothing. Every
statement is planned for its own values (no generic plan outlives a small table).
Runs on DATABASE_URL when it is set (PostgreSQL in CI), else SQLite (the PostgreSQL parts skip)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.reporting.monitoring.readmodel.bulk import BulkStatements
from services.reporting.monitoring.readmodel.store import ReadModelStore
from shared.events import RecordedEvent
from tests.reporting.crash import table_rows
from tests.reporting.test_report_readmodel import PROJECT
from tests.reporting.year import year

pytestmark = pytest.mark.readmodel

CHUNK = 17  # events per transaction: many, and a case's events across several of them


def chunks(events: Sequence[RecordedEvent]) -> list[Sequence[RecordedEvent]]:
    return [events[i : i + CHUNK] for i in range(0, len(events), CHUNK)]


def on_postgresql(store: ReadModelStore) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (CI runs the read-model tests again against it)")


def persistence(store: ReadModelStore, generation: int) -> dict[str, str]:
    """Each table of the generation: 'p' logged, 'u' unlogged (PostgreSQL's pg_class)."""
    names = [t.name for t in store.tables(generation).metadata.sorted_tables]
    with store.engine.connect() as conn:
        query = "SELECT relname, relpersistence FROM pg_class WHERE relname = ANY(:names) AND relkind = 'r'"
        found = conn.execute(text(query), {"names": names}).all()
    return {str(name): str(kind) for name, kind in found}


def test_a_filled_generation_holds_what_the_live_writer_makes_of_the_same_events(
    store: ReadModelStore, other_store: ReadModelStore
) -> None:
    events = year().events
    for part in chunks(events):
        store.apply_batch_at(part, PROJECT, expected=store.position())
    generation = other_store.new_generation()
    for part in chunks(events):
        other_store.apply_many(part, PROJECT, generation)
    other_store.swap(generation)
    live, rebuilt = table_rows(store), table_rows(other_store)
    assert live.keys() == rebuilt.keys()
    for name in live:
        assert rebuilt[name] == live[name], f"{name} differs"
    assert sum(len(rows) for rows in live.values()) > len(events), "the year wrote few rows"


def test_on_postgresql_a_generation_is_filled_unlogged_and_swapped_in_logged(store: ReadModelStore) -> None:
    on_postgresql(store)
    events = year().events
    first = store.active_generation()
    assert set(persistence(store, first).values()) == {"p"}
    generation = store.new_generation()
    filling = persistence(store, generation)
    assert len(filling) == len(store.tables(generation).metadata.sorted_tables)
    assert set(filling.values()) == {"u"}, "a generation being filled writes WAL"
    store.apply_many(events, PROJECT, generation)
    assert set(persistence(store, generation).values()) == {"u"}
    store.swap(generation)
    assert store.active_generation() == generation
    assert set(persistence(store, generation).values()) == {"p"}, "the live tables would be lost in a crash"
    assert persistence(store, first) == {}, "the generation replaced was not dropped"
    # The live writer goes on writing the swapped-in (logged) tables.
    assert store.position() == events[-1].seq


def test_on_postgresql_a_copy_meeting_a_taken_key_is_refused_naming_no_value_and_keeps_nothing(
    store: ReadModelStore,
) -> None:
    on_postgresql(store)
    marker = "Synthetic-Marker-8K"
    generation = store.new_generation()
    cases = store.tables(generation).cases
    row = {"case_id": "case-1", "referral_source": marker}
    with pytest.raises(IntegrityError) as caught, store.engine.begin() as conn:
        BulkStatements().copy(conn, cases, ["case_id", "referral_source"], [row, {**row}])
    assert marker not in str(caught.value)
    assert marker not in repr(caught.value)
    with store.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {cases.name}")).scalar_one() == 0


def test_on_postgresql_each_statement_is_planned_for_its_own_values(store: ReadModelStore) -> None:
    """A generic plan made while a generation was small (a scan of every row) is never kept for it
    as it grows: at 100,000 cases such plans halved a rebuild's speed."""
    on_postgresql(store)
    with store.engine.connect() as conn:
        assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_custom_plan"
