"""A service's Prometheus metrics, in a registry of its own (several services can share a test
process). FastStream's NatsPrometheusMiddleware counts and times every message; on top of it:

- ``sanctuary_commands_total{command, outcome}``: commands answered, ``handled`` or ``refused``;
- ``sanctuary_command_reply_seconds{command}``: from receipt to reply;
- ``sanctuary_concurrency_conflicts_total``: appends that lost the optimistic-concurrency race
  (the handler catches up and decides again);
- read at each scrape from ServiceHealth: each reader's position, lag, parked messages and
  whether it is stalled; whether NATS is connected and the service ready.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import orjson
from faststream import BaseMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.errors import ConcurrencyConflict
from shared.eventstore import EventStore
from shared.health import ServiceHealth

COMMAND_PREFIX = "cmd."


class HealthCollector(Collector):
    """The readers' progress and the service's readiness, as they are when scraped."""

    def __init__(self, health: ServiceHealth) -> None:
        self._health = health

    def collect(self) -> Iterator[GaugeMetricFamily]:
        statuses = self._health.reader_statuses()
        families = {
            "position": GaugeMetricFamily(
                "sanctuary_reader_position", "Last stream sequence whose effect is stored", labels=["reader"]
            ),
            "lag": GaugeMetricFamily(
                "sanctuary_reader_lag", "Stream messages not yet read by the reader", labels=["reader"]
            ),
            "parked": GaugeMetricFamily(
                "sanctuary_reader_parked", "Messages the reader parked as poison", labels=["reader"]
            ),
            "stalled": GaugeMetricFamily(
                "sanctuary_reader_stalled", "1 while the reader makes no progress", labels=["reader"]
            ),
        }
        for s in statuses:
            families["position"].add_metric([s.name], s.position)
            families["lag"].add_metric([s.name], s.lag)
            families["parked"].add_metric([s.name], s.parked)
            families["stalled"].add_metric([s.name], int(s.stalled))
        yield from families.values()
        yield GaugeMetricFamily(
            "sanctuary_nats_connected", "1 while connected to NATS", value=int(self._health.connected())
        )
        yield GaugeMetricFamily("sanctuary_ready", "1 while ready to serve", value=int(self._health.ready()))


class ServiceMetrics:
    def __init__(self, service: str, health: ServiceHealth) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "sanctuary_commands",
            "Commands answered, by type and outcome (handled or refused)",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.reply_seconds = Histogram(
            "sanctuary_command_reply_seconds",
            "Seconds from a command's receipt to its reply",
            ["command"],
            registry=self.registry,
        )
        self.conflicts = Counter(
            "sanctuary_concurrency_conflicts",
            "Appends refused because the case moved on (optimistic concurrency)",
            registry=self.registry,
        )
        self.registry.register(HealthCollector(health))
        self.prometheus = NatsPrometheusMiddleware(registry=self.registry, app_name=service)

    def middlewares(self) -> tuple[Any, ...]:
        """For NatsBroker(middlewares=...): FastStream's own metrics, then the commands'."""
        return (self.prometheus, self._command_middleware)

    def _command_middleware(self, msg: Any, /, **kwargs: Any) -> BaseMiddleware:
        return _CommandMetrics(msg, metrics=self, **kwargs)

    def count_conflicts(self, store: EventStore) -> None:
        """Count every ConcurrencyConflict the store raises (the handler retries it)."""
        append = store.append

        async def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                return await append(*args, **kwargs)
            except ConcurrencyConflict:
                self.conflicts.inc()
                raise

        store.append = counted  # type: ignore[method-assign]


class _CommandMetrics(BaseMiddleware):
    """Times each command and counts its outcome from the reply (``{"ok": ...}``)."""

    def __init__(self, msg: Any, /, *, metrics: ServiceMetrics, **kwargs: Any) -> None:
        super().__init__(msg, **kwargs)
        self._metrics = metrics

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        subject = getattr(getattr(msg, "raw_message", None), "subject", "") or ""
        if not subject.startswith(COMMAND_PREFIX):
            return await call_next(msg)
        command = subject.rsplit(".", 1)[-1]
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await call_next(msg)
            outcome = _outcome(result)
            return result
        finally:
            self._metrics.reply_seconds.labels(command).observe(time.perf_counter() - started)
            self._metrics.commands.labels(command, outcome).inc()


def _outcome(reply: Any) -> str:
    body = getattr(reply, "body", reply)
    if isinstance(body, bytes | str):
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return "answered"
        if isinstance(parsed, dict) and "ok" in parsed:
            return "handled" if parsed["ok"] else "refused"
    return "answered"
