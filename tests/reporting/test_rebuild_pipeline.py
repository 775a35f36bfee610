"""The rebuild's pipeline without a server: batches read ahead, events left out still move the
position, a read that fails stops the rebuild with its error (nothing left running), and the
collector's settings come back as they were."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from services.reporting.monitoring import rebuild as rebuild_module
from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.rebuild import _InProcess, _project_from, few_collections
from shared.directget import Stored
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


NO_SERVER: Any = None  # read_batch is replaced: no connection is used


def reading(messages: list[Stored], fail_from: int | None = None) -> Any:
    async def read_batch(nc: Any, start: int, batch: int = 3) -> list[Stored]:
        if fail_from is not None and start >= fail_from:
            raise ConnectionError("the server went away")
        return [m for m in messages if m[0] >= start][:3]

    return read_batch


async def test_events_left_out_still_move_the_position(store: ReadModelStore, monkeypatch: Any) -> None:
    messages = [left_out(seq) for seq in range(1, 12)]
    monkeypatch.setattr(rebuild_module, "read_batch", reading(messages))
    monkeypatch.setattr(rebuild_module, "WRITE_EVENTS", 2)
    generation = store.new_generation()
    seen: list[tuple[int, int]] = []
    done, after = await _project_from(
        NO_SERVER,
        store,
        _InProcess(PROJECT),
        1,
        11,
        generation,
        lambda d, t: seen.append((d, t)),
    )
    assert (done, after) == (0, 12)
    assert store.position(generation) == 11
    assert seen[-1] == (11, 11)


async def test_a_read_that_fails_stops_the_rebuild_with_its_error(
    store: ReadModelStore, monkeypatch: Any
) -> None:
    messages = [left_out(seq) for seq in range(1, 30)]
    monkeypatch.setattr(rebuild_module, "read_batch", reading(messages, fail_from=7))
    generation = store.new_generation()
    before = asyncio.all_tasks()
    with pytest.raises(ConnectionError):
        await _project_from(NO_SERVER, store, _InProcess(PROJECT), 1, 29, generation, None)
    assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()


def test_the_collectors_settings_come_back_as_they_were() -> None:
    thresholds = gc.get_threshold()
    with few_collections():
        assert gc.get_threshold() != thresholds
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0
