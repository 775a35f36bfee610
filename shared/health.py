"""What a service says about itself: liveness, readiness and each stream reader's progress.

Every in-order reader of CASES (read models, views, reactions, deadline watches) reports a
``ReaderStatus``; the service's readiness is false while NATS is disconnected or any reader is
stalled. Readers register with ``ServiceHealth.add_reader`` when they start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ReaderStatus:
    """One reader's progress through its stream."""

    name: str
    stream: str
    position: int  # the last stream sequence whose effect is stored
    last_seq: int  # the stream's last sequence when last looked at
    parked: int  # messages parked in the dead-letter stream by this reader since it started
    stalled: bool  # no progress while lag > 0 for longer than the reader's stall time

    @property
    def lag(self) -> int:
        return max(self.last_seq - self.position, 0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"lag": self.lag}


class Reader(Protocol):
    def status(self) -> ReaderStatus: ...


@dataclass
class ServiceHealth:
    """Collected in one place per service; the HTTP endpoints and ``health.<service>`` read it."""

    service: str
    version: str
    connected: Callable[[], bool] = lambda: False
    readers: list[Reader] = field(default_factory=list)
    # What else a service tells about itself (the key custodian: which KEKs it holds, by id).
    details: dict[str, Any] = field(default_factory=dict)
    http_port: int | None = None  # where /health/* and /metrics are served, once they are
    # Set once the service's subscriptions are at the server: the HTTP side may answer earlier,
    # and "ready" before then would let a first command meet "no responders".
    serving: bool = False

    def add_reader(self, reader: Reader) -> None:
        self.readers.append(reader)

    def reader_statuses(self) -> list[ReaderStatus]:
        return [r.status() for r in self.readers]

    def live(self) -> bool:
        return True

    def ready(self) -> bool:
        return self._ready(self.reader_statuses())

    def _ready(self, statuses: list[ReaderStatus]) -> bool:
        return self.serving and self.connected() and not any(s.stalled for s in statuses)

    def as_dict(self) -> dict[str, Any]:
        statuses = self.reader_statuses()
        return {
            "service": self.service,
            "version": self.version,
            "status": "up",
            "connected": self.connected(),
            "ready": self._ready(statuses),
            "readers": [s.as_dict() for s in statuses],
            "http_port": self.http_port,
        } | self.details
