"""Before the demo counts what each agency holds, it waits for the reporting service's views reader
to have read to the end of CASES, as the reader itself says, and for as long as it moves on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from nats.aio.client import Client as NATS

import sanctuary.demo.afterwards as afterwards
from sanctuary.demo.afterwards import wait_for_views
from services.reporting.app import create_app as reporting_app
from shared.eventstore import STREAM
from shared.settings import Settings
from tests.reporting.on_nats import append_history
from tests.reporting.year import year

pytestmark = pytest.mark.nats


async def test_the_wait_ends_once_the_views_reader_has_read_every_event(
    settings: Settings, store_for, nc: NATS
) -> None:
    run = uuid.uuid4().hex[:8]
    app, _ = reporting_app(settings, base=f"after{run}_", reader=f"after-report-{run}")
    await app.start()
    try:
        await append_history(store_for, year(f"AW{run}-"))
        assert await wait_for_views(nc) is True
    finally:
        await app.stop()
    # No reporting service answers: there is nothing to wait for.
    assert await wait_for_views(nc) is False


def positions(values: Iterator[int]) -> object:
    async def views_position(nc: NATS) -> int | None:
        return next(values)

    return views_position


async def test_a_reader_that_keeps_moving_on_is_waited_for(nc: NATS, monkeypatch: pytest.MonkeyPatch) -> None:
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
    # One event further at each look, from well behind: never still, however long each look takes.
    monkeypatch.setattr(afterwards, "_views_position", positions(iter(range(max(last - 20, 0), last + 1))))
    assert await wait_for_views(nc, stall_s=0.1) is True


async def test_a_reader_that_does_not_move_on_is_given_up(nc: NATS, monkeypatch: pytest.MonkeyPatch) -> None:
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
    stuck = iter(lambda: last - 1, None)
    monkeypatch.setattr(afterwards, "_views_position", positions(stuck))
    assert await wait_for_views(nc, stall_s=0.5) is False
