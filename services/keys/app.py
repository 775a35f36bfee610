"""The key custodian's app: the shared service factory (health, runtime, signer, event store) with
no case commands, plus the key requests on ``keys.*.*.*`` (one queue group, so replicas share them)
and the replay of recorded destructions.

It alone holds the KEK ring (``SANCTUARY_KEK``, and ``SANCTUARY_KEK_PREVIOUS`` during a rotation)
and refuses to start without it; its health answer names the KEKs it holds by id, which
``sanctuary kek rotate`` checks before moving any key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream import FastStream

from services.keys.custodian import KeyCustodian
from shared.case_keys import CUSTODIAN, destruction_watch
from shared.crypto import KEY_BUCKET, KeyStore
from shared.decider import NO_COMMANDS
from shared.provisioned import bucket_stream, require_streams
from shared.service import Service, create_service_app
from shared.settings import Settings

CUSTODIAN_KEY = "custodian"
REQUESTS = "keys.*.*.*"


def create_app(settings: Settings) -> tuple[FastStream, Service]:
    ring = settings.kek_ring()  # no KEK, no custodian: stops here, naming SANCTUARY_KEK
    stops: list[Callable[[], Awaitable[None]]] = []  # what start() opened, closed in this order

    async def start(service: Service) -> None:
        runtime = service.runtime
        assert runtime.nc is not None
        # Its bucket is made by `sanctuary provision`, like every stream: stop now if it is missing.
        await require_streams(runtime.nc.jetstream(), CUSTODIAN, [bucket_stream(KEY_BUCKET)])
        keys = KeyStore(runtime.nc.jetstream(), ring)
        await keys.start()
        custodian = KeyCustodian(runtime.nc, keys, runtime.event_store)
        service.extras[CUSTODIAN_KEY] = custodian
        runtime.health.details["kek"] = {"current": ring.current_id, "held": ring.ids}
        watch = destruction_watch(CUSTODIAN, custodian.recorded)
        await watch.start(runtime.nc)
        requests = await runtime.nc.subscribe(REQUESTS, queue=CUSTODIAN, cb=custodian.on_message)
        await runtime.nc.flush(timeout=5)
        stops.extend([requests.unsubscribe, watch.stop, custodian.drain, keys.stop])

    async def stop() -> None:
        for close in stops:
            await close()
        stops.clear()

    app, service = create_service_app(
        settings, owner=CUSTODIAN, decider=NO_COMMANDS, commands=[], on_startup=[start]
    )
    app.on_shutdown(stop)
    return app, service
