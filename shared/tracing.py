"""OpenTelemetry tracing through FastStream's NatsTelemetryMiddleware, with the case's correlation
id as the trace: every message carrying the same correlation id (the command, the events it
caused, the reactions they trigger in other services) lands in one trace, whose id is derived from
the correlation id. Our own publishers (nats-py, the event store) send no ``traceparent``, so
without this each hop would start a trace of its own.

Spans go to whatever TracerProvider is given; the default one exports nowhere, so it records none
(they would be built and dropped), while the trace id still travels on (``traceparent``) and
reaches the logs (``trace_id``), where a log search can follow one correlation.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import structlog
from faststream import BaseMiddleware
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

TRACEPARENT = "traceparent"


def trace_id_for(correlation_id: str) -> str:
    """32 hex digits, the same for every message of one correlation (never all zeros)."""
    digest = hashlib.sha256(correlation_id.encode()).hexdigest()[:32]
    return digest if digest.strip("0") else "1" * 32


def correlation_of(msg: Any) -> str | None:
    """The correlation id a command or a stored event carries in its JSON (else FastStream's)."""
    body = getattr(msg, "body", b"")
    if isinstance(body, bytes) and body[:1] == b"{":
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("correlation_id"), str):
            return str(parsed["correlation_id"])
    return None


class _CorrelationTrace(BaseMiddleware):
    """Runs before the telemetry middleware: gives a message without ``traceparent`` one whose
    trace id is its correlation's, and binds both to the handler's log lines."""

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        correlation = correlation_of(msg)
        headers = getattr(msg, "headers", None)
        if correlation is None or not isinstance(headers, dict):
            return await call_next(msg)
        trace_id = trace_id_for(correlation)
        headers.setdefault(TRACEPARENT, f"00-{trace_id}-{secrets.token_hex(8)}-01")
        with structlog.contextvars.bound_contextvars(correlation_id=correlation, trace_id=trace_id):
            return await call_next(msg)


def tracing_middlewares(service: str, provider: TracerProvider | None = None) -> tuple[Any, ...]:
    """For NatsBroker(middlewares=...), outermost first."""
    # The default provider has no exporter: every span it recorded would be built and dropped (about
    # a sixth of a one-event command's CPU). Not sampled, a span still carries the correlation's
    # trace id onwards (traceparent) and into the logs. A provider given with an exporter records.
    provider = provider or TracerProvider(
        resource=Resource.create({"service.name": f"sanctuary-{service}"}), sampler=ALWAYS_OFF
    )
    return (_CorrelationTrace, NatsTelemetryMiddleware(tracer_provider=provider))
