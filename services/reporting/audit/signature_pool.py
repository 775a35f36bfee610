"""The Ed25519 checks of ``audit verify --all`` on worker processes, one per core, while this
process reads, parses and hashes: each signature check costs more than all the rest of a record's
checks together. Each stored batch's signatures go to a worker as one task; a few tasks are in
flight at once, so what waits is bounded however long the history."""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType

from shared.audit_verify import CaseChecker
from shared.signing import SignatureVerifier
from shared.worker_processes import worker_pool

IN_FLIGHT = 4  # tasks sent and not yet answered, per worker

_verifier: SignatureVerifier | None = None  # in each worker


def _start_worker(raw_keys: dict[str, bytes]) -> None:
    global _verifier
    _verifier = SignatureVerifier.from_raw(raw_keys)


def _bad_signatures(items: list[tuple[str, str, str]]) -> list[int]:
    """The positions in ``items`` ((owner, hash, signature)) whose signature does not verify."""
    assert _verifier is not None
    return [
        i for i, (owner, head, signature) in enumerate(items) if not _verifier.verify(owner, head, signature)
    ]


class SignaturePool:
    """``DeferredSignatures`` on ``workers`` processes: ``check`` collects, ``sent`` hands a stored
    batch's worth to a worker, ``settle`` waits for every answer (call it before any ``finish``)."""

    def __init__(self, verifier: SignatureVerifier, workers: int) -> None:
        self._pool = worker_pool(workers, _start_worker, (verifier.raw_keys,))
        self._limit = IN_FLIGHT * workers
        self._items: list[tuple[str, str, str]] = []
        self._whose: list[tuple[CaseChecker, int, str, str]] = []
        self._in_flight: deque[tuple[asyncio.Future[list[int]], list[tuple[CaseChecker, int, str, str]]]] = (
            deque()
        )

    def __enter__(self) -> SignaturePool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def check(
        self, checker: CaseChecker, seq: int, type_name: str, owner: str, event_hash: str, signature: str
    ) -> None:
        self._items.append((owner, event_hash, signature))
        self._whose.append((checker, seq, type_name, owner))

    async def sent(self) -> None:
        """Hand what was collected to a worker; wait for the oldest answer when enough are out."""
        if self._items:
            future = asyncio.get_running_loop().run_in_executor(self._pool, _bad_signatures, self._items)
            self._in_flight.append((future, self._whose))
            self._items, self._whose = [], []
        while len(self._in_flight) > self._limit:
            await self._answer()

    async def settle(self) -> None:
        await self.sent()
        while self._in_flight:
            await self._answer()

    async def _answer(self) -> None:
        future, whose = self._in_flight.popleft()
        for i in await future:
            checker, seq, type_name, owner = whose[i]
            checker.not_signed(seq, type_name, owner)
