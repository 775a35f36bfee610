"""The batched writer keeps the order of the changes: a batch of additions, updates and replacements
of a table's rows leaves what the same changes leave applied one at a time. Updates wait for the
table's earlier additions and go together; an addition or a replacement after an update waits for
it. Runs on DATABASE_URL when it is set (PostgreSQL in CI), else SQLite; live tables, and a
generation being filled (on PostgreSQL its rows go in by COPY)."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.monitoring.projecting import Projected, changes_of
from services.reporting.monitoring.readmodel.changes import (
    AddRow,
    Change,
    ReplaceCaseRows,
    UpdateRows,
    added_by,
)
from services.reporting.monitoring.readmodel.store import ReadModelStore
from tests.reporting.crash import table_rows

pytestmark = pytest.mark.readmodel

RECEIVED, RESOLVED = date(2026, 5, 1), date(2026, 5, 20)
DONE = {"resolved_on": RESOLVED, "within_procedure": True}


def complaint(event: str, case: str, ref: str | None) -> AddRow:
    return added_by("complaints", event, case, complaint_ref=ref, received_on=RECEIVED)


def resolved(case: str, ref: str | None) -> UpdateRows:
    return UpdateRows("complaints", {"case_id": case, "complaint_ref": ref}, DONE)


CHANGES: list[Change] = [
    complaint("e1", "case-1", "R1"),
    resolved("case-1", "R1"),
    complaint("e3", "case-1", "R1"),  # the same reference again, after the update: not resolved
    resolved("case-1", "R2"),  # nothing to resolve yet
    complaint("e5", "case-1", "R2"),  # so this one stays open
    complaint("e6", "case-2", "R4"),
    ReplaceCaseRows("complaints", "case-4", [{"event_id": "e7", "complaint_ref": "R9"}]),
    resolved("case-2", "R4"),  # resolves e6, which the replacement below then removes
    ReplaceCaseRows("complaints", "case-2", [{"event_id": "e9", "complaint_ref": "R4"}]),  # stays open
    complaint("e10", "case-3", None),
    resolved("case-3", None),  # matches the row with no reference (IS NULL)
    UpdateRows("complaints", {"case_id": "case-1"}, {"within_procedure": False}),  # another shape
]


def complaints(store: ReadModelStore) -> dict[str, tuple[object, ...]]:
    with store.engine.connect() as conn:
        table = store.active(conn).complaints
        rows = conn.execute(table.select()).mappings()
        return {
            r["event_id"]: (r["case_id"], r["complaint_ref"], r["resolved_on"], r["within_procedure"])
            for r in rows
        }


@pytest.mark.parametrize("filling", [False, True], ids=["live", "generation being filled"])
def test_a_batch_leaves_what_its_changes_leave_one_at_a_time(
    store: ReadModelStore, other_store: ReadModelStore, filling: bool
) -> None:
    items = [Projected(seq, [change]) for seq, change in enumerate(CHANGES, start=1)]
    one_by_one = other_store.new_generation() if filling else None
    for item in items:
        other_store.apply_many([item], changes_of, one_by_one)
    together = store.new_generation() if filling else None
    assert store.apply_many(items, changes_of, together) == len(items)
    if filling:
        assert one_by_one is not None and together is not None
        other_store.swap(one_by_one)
        store.swap(together)
    assert table_rows(store) == table_rows(other_store)
    assert complaints(store) == {
        "e1": ("case-1", "R1", RESOLVED, False),
        "e3": ("case-1", "R1", None, False),
        "e5": ("case-1", "R2", None, False),
        "e7": ("case-4", "R9", None, None),
        "e9": ("case-2", "R4", None, None),
        "e10": ("case-3", None, RESOLVED, True),
    }


def test_an_update_of_rows_the_day_counts_read_is_refused_in_live_tables(store: ReadModelStore) -> None:
    """Live tables keep their day counts batch by batch, from what each change says it touched; an
    update of a counted table's rows would move counts unseen, so it is refused and nothing is
    kept. (A generation being filled counts every case afresh at the swap, so it does not look.)"""
    store.ensure()
    add = added_by("follow_ups", "e1", "case-1", kind="visit", contact_on=RECEIVED)
    store.apply_many([Projected(1, [add])], changes_of)
    before = table_rows(store)
    update = UpdateRows("follow_ups", {"case_id": "case-1"}, {"contact_on": RESOLVED})
    with pytest.raises(ValueError, match="follow_ups"):
        store.apply_many([Projected(2, [update])], changes_of)
    assert table_rows(store) == before
