"""Two writers of the same read models (the live reader and a rebuild's catch-up, or two replicas):
the stored position a writer reads stays its own until it commits, so an event is never applied
twice and a writer that lost the race changes nothing. And a database error never carries the
values it was given. Runs on DATABASE_URL when it is set (PostgreSQL in CI), else SQLite."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.reporting.monitoring.readmodel.changes import Change
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from shared.events import RecordedEvent
from shared.reader import PositionMoved
from tests.reporting.history import History
from tests.reporting.test_report_readmodel import PROJECT
from tests.reporting.year import year

pytestmark = pytest.mark.readmodel

DEADLINE_S = 60.0


def first_event() -> RecordedEvent:
    history: History = year()
    return history.events[0]


def _position_lock_is_free(store: ReadModelStore) -> bool:
    """Whether another connection could take the position's write lock at once, without waiting."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(str(url.database), timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()
    positions = store.tables(store.active_generation()).positions
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn.execute(select(positions.c.last_seq).with_for_update(nowait=True)).all()
            return True
    except DBAPIError:
        return False
    finally:
        engine.dispose()


def test_the_position_is_locked_from_the_moment_a_writer_reads_it(store: ReadModelStore) -> None:
    """While the live reader projects (after it read the position, before it writes), no other
    writer can take the lock: it would otherwise read the same position and apply the same event."""
    seen: list[bool] = []

    def projecting(event: RecordedEvent) -> Sequence[Change]:
        seen.append(_position_lock_is_free(store))
        return PROJECT(event)

    store.apply_batch_at([first_event()], projecting, expected=0)
    assert seen == [False]
    assert _position_lock_is_free(store)  # and released at commit
    assert store.position() == 1


def test_of_two_writers_expecting_the_same_position_one_applies_and_the_other_changes_nothing(
    store: ReadModelStore,
) -> None:
    event = first_event()
    inside, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def held(e: RecordedEvent) -> Sequence[Change]:
        inside.set()
        assert release.wait(DEADLINE_S)
        return PROJECT(e)

    def first() -> None:
        store.apply_batch_at([event], held, expected=0)
        outcome["first"] = "applied"

    def second() -> None:
        url = store.engine.url.render_as_string(hide_password=False)
        other = ReadModelStore(make_engine(url), store.base)
        try:
            other.apply_batch_at([event], PROJECT, expected=0)
            outcome["second"] = "applied"
        except PositionMoved as moved:
            outcome["second"] = moved
        finally:
            other.engine.dispose()

    a = threading.Thread(target=first)
    a.start()
    assert inside.wait(DEADLINE_S)
    b = threading.Thread(target=second)
    b.start()
    release.set()
    a.join(DEADLINE_S)
    b.join(DEADLINE_S)
    assert outcome["first"] == "applied"
    assert isinstance(outcome["second"], PositionMoved)
    assert store.position() == 1
    with store.engine.connect() as conn:
        cases = store.active(conn).cases
        assert conn.execute(select(cases.c.case_id)).scalars().all() == [event.case_id]


def test_a_database_error_names_no_stored_value(store: ReadModelStore) -> None:
    """A constraint broken by a write is reported with its statement, not with the values: those
    are case facts, and such errors reach logs and test output."""
    marker = "Synthetic-Marker-7Q"
    with store.engine.begin() as conn:
        cases = store.active(conn).cases
        conn.execute(insert(cases).values(case_id="case-1", referral_source=marker))
    with pytest.raises(IntegrityError) as caught, store.engine.begin() as conn:
        conn.execute(insert(cases).values(case_id="case-1", referral_source=marker))
    assert marker not in str(caught.value)
    assert marker not in repr(caught.value)
    with store.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {cases.name}")).scalar_one() == 1


def test_a_rebuild_of_the_same_events_into_a_new_generation_is_untouched_by_the_live_writer(
    store: ReadModelStore,
) -> None:
    """The live reader writes the active generation only; a generation being built is its own."""
    events = year().events
    generation = store.new_generation()
    store.apply_batch_at(events[:1], PROJECT, expected=0)
    assert store.apply_many(events, PROJECT, generation) == len(events)
    assert store.position(generation) == events[-1].seq
    assert store.position() == 1
