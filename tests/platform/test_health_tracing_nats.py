"""Traces follow the correlation id: two messages of one correlation, published by plain nats-py
(as the event store and the CLI publish, with no trace header), are handled in one trace whose id
comes from the correlation id; another correlation gets another trace. Real nats-server."""

from __future__ import annotations

import asyncio
import json

import nats
import pytest
from faststream.nats import NatsBroker
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.tracing import trace_id_for, tracing_middlewares

pytestmark = pytest.mark.nats


async def test_one_correlation_is_one_trace(nats_server) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    broker = NatsBroker(nats_server.url, logger=None, middlewares=tracing_middlewares("t", provider))
    handled: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber("trace-test.>")
    async def handle(body: dict[str, str]) -> None:
        await handled.put(body["correlation_id"])

    await broker.start()
    nc = await nats.connect(nats_server.url)
    try:
        for cid in ("corr-a", "corr-a", "corr-b"):
            await nc.publish("trace-test.x", json.dumps({"correlation_id": cid}).encode())
        for _ in range(3):
            await asyncio.wait_for(handled.get(), timeout=60)
    finally:
        await nc.close()
        await broker.stop()

    process = [s for s in exporter.get_finished_spans() if s.name.endswith(" process")]
    traces = sorted(f"{s.context.trace_id:032x}" for s in process)
    assert traces == sorted([trace_id_for("corr-a")] * 2 + [trace_id_for("corr-b")])
