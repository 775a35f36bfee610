"""The key custodian's app: the shared service factory (health, runtime, signer, event store) with
no case commands, plus the key requests on ``keys.*.*.*`` (one queue group, so replicas share them)
and the replay of recorded destructions.

It alone holds the KEK ring (``SANCTUARY_KEK``, and ``SANCTUARY_KEK_PREVIOUS`` during a rotation)
and refuses to start without it; its health answer names the KEKs it holds by id, which
``sanctuary kek rotate`` checks before moving any key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from faststream import FastStream

from services.keys.custodian import KeyCustodian
from shared.case_keys import CUSTODIAN, destruction_watch
from shared.crypto import KEY_BUCKET, KeyRing, KeyStore
from shared.decider import NO_COMMANDS
from shared.provisioned import bucket_stream, require_streams
from shared.service import Kernel, Part, Service, create_service_app
from shared.settings import Settings
from shared.started import once_started

REQUESTS = "keys.*.*.*"


class Custodian(Part):
    """The key store under the KEK ring, the key requests and the replay of recorded destructions."""

    def __init__(self, kernel: Kernel, ring: KeyRing) -> None:
        self._kernel = kernel
        self._ring = ring
        self._custodian: KeyCustodian | None = None
        self._stops: list[Callable[[], Awaitable[None]]] = []  # what start() opened, closed in this order

    async def start(self) -> None:
        runtime, ring = self._kernel.runtime, self._ring
        nc = runtime.connection
        # Its bucket is made by `sanctuary provision`, like every stream: stop now if it is missing.
        await require_streams(nc.jetstream(), CUSTODIAN, [bucket_stream(KEY_BUCKET)])
        keys = KeyStore(nc.jetstream(), ring)
        await keys.start()
        custodian = KeyCustodian(nc, keys, runtime.event_store)
        self._custodian = custodian
        runtime.health.details["kek"] = {"current": ring.current_id, "held": ring.ids}
        watch = destruction_watch(CUSTODIAN, custodian.recorded)
        await watch.start(nc)
        requests = await nc.subscribe(REQUESTS, queue=CUSTODIAN, cb=custodian.on_message)
        await nc.flush(timeout=5)
        self._stops.extend([requests.unsubscribe, watch.stop, custodian.drain, keys.stop])

    async def stop(self) -> None:
        for close in self._stops:
            await close()
        self._stops.clear()

    @property
    def custodian(self) -> KeyCustodian:
        return once_started(self._custodian, "key custodian")


@dataclass(frozen=True)
class KeysParts:
    custodian: Custodian


def create_app(settings: Settings) -> tuple[FastStream, Service[KeysParts]]:
    ring = settings.kek_ring()  # no KEK, no custodian: stops here, naming SANCTUARY_KEK
    return create_service_app(
        settings,
        owner=CUSTODIAN,
        decider=NO_COMMANDS,
        commands=[],
        parts=lambda kernel: KeysParts(custodian=Custodian(kernel, ring)),
    )
