"""A service's HTTP side: ``/health/live``, ``/health/ready`` and ``/metrics``, served by uvicorn
next to the broker through FastStream's ASGI support (uvicorn's lifespan starts and stops the app).

Liveness answers while the process serves requests at all; readiness is 200 only while NATS is
connected and no reader of the stream is stalled, 503 otherwise, with the reason in the JSON.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import uvicorn
from faststream import FastStream
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from prometheus_client import CollectorRegistry, make_asgi_app

from shared.health import ServiceHealth
from shared.logging import get_logger

log = get_logger(__name__)
JSON = {"content-type": "application/json"}


def routes(health: ServiceHealth, registry: CollectorRegistry) -> list[tuple[str, Any]]:
    @get(include_in_schema=False)
    async def live(scope: Any) -> AsgiResponse:
        return AsgiResponse(json.dumps({"service": health.service, "live": True}).encode(), 200, JSON)

    @get(include_in_schema=False)
    async def ready(scope: Any) -> AsgiResponse:
        body = health.as_dict()
        return AsgiResponse(json.dumps(body).encode(), 200 if body["ready"] else 503, JSON)

    return [("/health/live", live), ("/health/ready", ready), ("/metrics", make_asgi_app(registry))]


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that port 0 (any free port) is known before serving."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening at once claims the port: two replicas starting together would otherwise both
        # bind it (SO_REUSEADDR) and the second fail later, in uvicorn, instead of moving on.
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


async def run_with_http(
    app: FastStream,
    health: ServiceHealth,
    registry: CollectorRegistry,
    host: str,
    port: int,
    any_port_if_taken: bool = False,
) -> None:
    """Run the service with its HTTP endpoints until SIGTERM or SIGINT. With
    ``any_port_if_taken`` (the port is only the service's default), a second replica on the same
    machine takes a free port instead; ``sanctuary status`` shows which."""
    try:
        try:
            sock = bind(host, port)
        except OSError:
            if not any_port_if_taken:
                raise
            sock = bind(host, 0)
    except OSError as exc:
        # On a developer's machine another copy may hold the port; the service still runs (health
        # stays available over NATS, health.<service>). In a container this cannot happen.
        log.error(
            "http port unavailable: health and metrics over HTTP are off", port=port, error=exc.strerror
        )
        await app.run()
        return
    health.http_port = sock.getsockname()[1]
    asgi = AsgiFastStream.from_app(app, asgi_routes=routes(health, registry))
    # log_config None: uvicorn's own lines go through the root logger, as JSON like every other.
    server = uvicorn.Server(uvicorn.Config(asgi, log_config=None, access_log=False, lifespan="on"))
    log.info("http endpoints", port=health.http_port, paths=["/health/live", "/health/ready", "/metrics"])
    await server.serve(sockets=[sock])
    if not server.started:
        raise SystemExit(1)  # the app did not start; uvicorn has logged why
