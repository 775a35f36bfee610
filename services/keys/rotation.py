"""KEK rotation: every live case key re-wrapped under the current KEK, one compare-and-set at a time.

Safe to interrupt and to run again: a key is either still under a previous KEK (the custodian's
ring opens it) or already under the current one (skipped), never half-written; a key destroyed
meanwhile fails its compare-and-set, is read again as erased, and stays erased.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.crypto import KeyStore, Rewrap

_CONCURRENCY = 16


@dataclass
class RotationReport:
    outcomes: Counter[Rewrap] = field(default_factory=Counter)

    @property
    def done(self) -> int:
        return sum(self.outcomes.values())

    def line(self) -> str:
        return ", ".join(f"{self.outcomes[o]} {o.value}" for o in Rewrap)


async def rotate(keys: KeyStore, progress: Callable[[RotationReport], None] | None = None) -> RotationReport:
    report = RotationReport()
    slots = asyncio.Semaphore(_CONCURRENCY)

    async def one(case_id: str) -> None:
        async with slots:
            outcome = await keys.rewrap(case_id)
        report.outcomes[outcome] += 1
        if progress is not None:
            progress(report)

    await asyncio.gather(*(one(case_id) for case_id in await keys.case_ids()))
    return report


async def left_behind(keys: KeyStore) -> int:
    """How many live keys are not under the current KEK (0 once a rotation is complete)."""
    behind = 0
    for case_id in await keys.case_ids():
        wrapped = await keys.wrapped(case_id)
        if wrapped is not None and not keys.ring.is_current(wrapped):
            behind += 1
    return behind
