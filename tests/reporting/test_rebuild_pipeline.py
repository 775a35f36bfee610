"""The rebuild's pipeline without a server: spans read ahead, events left out still move the
position, a gap in the stream is stepped over, a read that fails stops the rebuild with its error
(nothing left running), and the collector's settings come back as they were."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from services.reporting.monitoring import rebuild as rebuild_module
from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.rebuild import _InProcess, _project_from, few_collections
from shared.directget import Stored
from tests.reporting.crash import table_rows
from tests.reporting.listed import Listed
from tests.reporting.test_rebuild_workers import the_stream
from tests.reporting.test_report_readmodel import PROJECT

pytestmark = pytest.mark.readmodel

IGNORED = "EligibilityEvaluated"  # a type the projection does not read: left out unread


def left_out(seq: int) -> Stored:
    """A message the rebuild leaves out: an ignored type, or bytes that are no record."""
    if seq % 2:
        return (
            seq,
            f"case.C-{seq % 7}.referral.{IGNORED}",
            b'{"case_id":"C-1","type":"' + IGNORED.encode() + b'"}',
        )
    return (seq, f"case.C-{seq % 7}.referral.ReferralSubmitted", b"not a record")


@pytest.fixture(autouse=True)
def small_spans(monkeypatch: Any) -> None:
    monkeypatch.setattr(rebuild_module, "BATCH", 3)  # many spans, several read ahead at once


async def test_events_left_out_still_move_the_position(store: ReadModelStore, monkeypatch: Any) -> None:
    messages = [left_out(seq) for seq in range(1, 12)]
    monkeypatch.setattr(rebuild_module, "WRITE_EVENTS", 2)
    generation = store.new_generation()
    seen: list[tuple[int, int]] = []
    done, after = await _project_from(
        store, _InProcess(PROJECT, Listed(messages)), 1, 11, generation, lambda d, t: seen.append((d, t))
    )
    assert (done, after) == (0, 12)
    assert store.position(generation) == 11
    assert seen[-1] == (11, 11)


async def test_a_gap_in_the_stream_is_stepped_over_and_each_event_projected_once(
    store: ReadModelStore, other_store: ReadModelStore
) -> None:
    """A span whose messages were deleted brings the next ones the stream holds: they are the next
    span's, and projected there once, as a rebuild of the stream without the gap projects them."""
    events = the_stream()[:40]
    whole = [(seq, subject, data) for seq, (_, subject, data) in enumerate(events, start=1)]
    gapped = [m for m in whole if not 5 <= m[0] <= 12]  # three spans of 3 missing or part-missing
    renumbered = [(seq, subject, data) for seq, (_, subject, data) in enumerate(gapped, start=1)]
    generation = store.new_generation()
    done, after = await _project_from(store, _InProcess(PROJECT, Listed(gapped)), 1, 40, generation, None)
    assert after == 41 and store.position(generation) == 40
    store.swap(generation)
    other = other_store.new_generation()
    alone, _ = await _project_from(
        other_store, _InProcess(PROJECT, Listed(renumbered)), 1, len(renumbered), other, None
    )
    other_store.swap(other)
    assert done == alone > 0
    rows, rows_without_gap = table_rows(store), table_rows(other_store)
    assert rows.pop("positions") != rows_without_gap.pop("positions")  # 40 read; 32 without the gap
    assert rows == rows_without_gap


async def test_a_read_that_fails_stops_the_rebuild_with_its_error(
    store: ReadModelStore, monkeypatch: Any
) -> None:
    messages = [left_out(seq) for seq in range(1, 30)]
    generation = store.new_generation()
    before = asyncio.all_tasks()
    with pytest.raises(ConnectionError):
        failing = _InProcess(PROJECT, Listed(messages, fail_from=7))
        await _project_from(store, failing, 1, 29, generation, None)
    assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()


def test_the_collectors_settings_come_back_as_they_were() -> None:
    thresholds = gc.get_threshold()
    with few_collections():
        assert gc.get_threshold() != thresholds
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0
