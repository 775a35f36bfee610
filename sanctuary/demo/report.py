"""After the drive: wait for the reporting read model to reach the stream's end, then compute the
year's monitoring report through the reporting module's front door and write both versions (funder,
anonymised; coordinator, exact) in every format."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path

from nats.aio.client import Client as NATS
from sqlalchemy.exc import OperationalError, ProgrammingError

from services.reporting.monitoring.readmodel.store import DEFAULT_BASE, ReadModelStore, make_engine
from services.reporting.monitoring.report.model import Audience, Report
from services.reporting.monitoring.report.produce import report_for_period, write_all_formats
from shared.eventstore import STREAM
from shared.scheme import SchemeConfig


class ReadModelBehind(RuntimeError):
    pass


async def wait_for_read_model(
    nc: NATS, database_url: str, base: str = DEFAULT_BASE, stall_s: float = 60.0
) -> int:
    """Block until the read model has projected up to the stream's last sequence; return it.
    ReadModelBehind once it has not moved on for ``stall_s`` (one working through a long stream is
    waited for)."""
    last = (await nc.jetstream().stream_info(STREAM)).state.last_seq
    store = ReadModelStore(make_engine(database_url), base)
    best, moved_at = -1, time.monotonic()
    try:
        while True:
            reached = await asyncio.to_thread(_position, store)
            if reached >= last:
                return last
            if reached > best:
                best, moved_at = reached, time.monotonic()
            elif time.monotonic() - moved_at > stall_s:
                raise ReadModelBehind(f"the reporting read model reached {reached} of {last} events")
            await asyncio.sleep(0.2)
    finally:
        store.engine.dispose()


def _position(store: ReadModelStore) -> int:
    try:
        return store.position()
    except (OperationalError, ProgrammingError):  # the reporting service has not created its tables yet
        return 0


def year_report(
    database_url: str,
    start: date,
    end: date,
    audience: Audience,
    scheme: SchemeConfig,
    base: str = DEFAULT_BASE,
) -> Report:
    return report_for_period(database_url, start, end, audience, scheme, base)


def write_reports(
    database_url: str, start: date, end: date, scheme: SchemeConfig, out: Path, base: str = DEFAULT_BASE
) -> list[Path]:
    """Both audiences in every format: ``<out>/monitoring-<audience>-<2025-26>.<ext>``."""
    files: list[Path] = []
    for audience in (Audience.FUNDER, Audience.COORDINATOR):
        report = year_report(database_url, start, end, audience, scheme, base)
        stem = f"monitoring-{audience.value}-{start.year}-{str(end.year)[-2:]}"
        files += write_all_formats(report, out, stem)
    return files
