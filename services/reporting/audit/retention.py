"""The retention rule: a case closed more than N years ago (scheme configuration,
retention.years_after_closure) is erased with basis "retention". Run on a schedule inside the
reporting service and by ``sanctuary retention run``; both send EraseCase, so the reporting
service's key signs every erasure and a case already erased is a no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from dateutil.relativedelta import relativedelta
from nats.aio.client import Client as NATS

from services.reporting.audit.scan import scan_subject
from shared.commands import CommandReply
from shared.contracts.audit import CasePersonalDataErased, EraseCase, ErasureBasis
from shared.events import SYSTEM_ACTOR
from shared.logging import get_logger

log = get_logger(__name__)
CASE_CLOSED = "CaseClosed"  # the referral service's closure event (shared/contracts/referral/)
RETENTION_REASON = "retention"


@dataclass(frozen=True)
class DueCase:
    case_id: str
    closed_at: datetime


def closure_time(record: dict[str, Any]) -> datetime:
    """The closure date the coordinator recorded (``closed_on``), else when the event happened."""
    closed_on = record.get("payload", {}).get("closed_on")
    if closed_on:
        return datetime.combine(date.fromisoformat(closed_on), time(), tzinfo=UTC)
    return datetime.fromisoformat(record["occurred_at"])


def due_for_erasure(closed: dict[str, datetime], erased: set[str], years: int, as_of: date) -> list[DueCase]:
    """Cases whose last closure is at least ``years`` whole years before ``as_of`` and not yet erased
    (a closure on 29 February runs to 28 February in a year that has none)."""
    return [
        DueCase(case_id, closed_at)
        for case_id, closed_at in sorted(closed.items())
        if case_id not in erased and closed_at.date() + relativedelta(years=years) <= as_of
    ]


async def find_due_cases(nc: NATS, years: int, as_of: date) -> list[DueCase]:
    closed: dict[str, datetime] = {}
    for _, _, record in await scan_subject(nc, f"case.*.referral.{CASE_CLOSED}"):
        # The latest closure counts: a case closed, reopened and closed again runs from the last.
        closed[record["case_id"]] = closure_time(record)
    erased_filter = f"case.*.reporting.{CasePersonalDataErased.type_name()}"
    erased = {record["case_id"] for _, _, record in await scan_subject(nc, erased_filter)}
    return due_for_erasure(closed, erased, years, as_of)


Send = Callable[[EraseCase], Awaitable[CommandReply]]


async def run_retention(nc: NATS, send: Send, years: int, as_of: date) -> list[tuple[DueCase, CommandReply]]:
    """Erase every due case; returns each case with the service's reply."""
    done: list[tuple[DueCase, CommandReply]] = []
    for due in await find_due_cases(nc, years, as_of):
        command = EraseCase(
            # One command id per case and day: a rerun the same day is a no-op.
            command_id=f"retention:{due.case_id}:{as_of.isoformat()}",
            case_id=due.case_id,
            actor=SYSTEM_ACTOR,
            basis=ErasureBasis.RETENTION,
            reason=RETENTION_REASON,
            closed_at=due.closed_at,
            retention_years=years,
        )
        reply = await send(command)
        log.info("retention erasure", case_id=due.case_id, ok=reply.ok)
        done.append((due, reply))
    return done


async def retention_schedule(nc: NATS, send: Send, years: int, interval_s: float) -> None:
    """Run the retention rule now and then every ``interval_s`` seconds until cancelled."""
    while not nc.is_closed:
        try:
            await run_retention(nc, send, years, datetime.now(UTC).date())
        except Exception as exc:  # a failed run is retried at the next tick, never stops the service
            log.warning("retention run failed", error=type(exc).__name__)
        await asyncio.sleep(interval_s)
