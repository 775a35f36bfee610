"""The contractor's staff register: installers with their enhanced DBS check date.

Installers are not cases, so the register lives outside the CASES stream, in the JetStream
key-value bucket CONTRACTOR_STAFF (key: installer id, value: the InstallerRecord as JSON).
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from shared.contracts.contractor import InstallerRecord
from shared.provisioned import NotProvisioned, bucket_stream
from shared.started import once_started

STAFF_BUCKET = "CONTRACTOR_STAFF"


def staff_bucket_config(replicas: int = 1) -> KeyValueConfig:
    """Made by ``sanctuary provision``; the contractor service only reads and writes entries."""
    return KeyValueConfig(
        bucket=STAFF_BUCKET,
        history=5,  # earlier DBS dates stay visible for a while
        storage=StorageType.FILE,
        replicas=replicas,
    )


class StaffRegister:
    def __init__(self, js: JetStreamContext, replicas: int = 1) -> None:
        self._js = js
        self._replicas = replicas
        self._kv: KeyValue | None = None

    async def start(self) -> None:
        try:
            self._kv = await self._js.key_value(STAFF_BUCKET)
        except BucketNotFoundError:
            raise NotProvisioned("contractor", [bucket_stream(STAFF_BUCKET)]) from None

    @property
    def _bucket(self) -> KeyValue:
        return once_started(self._kv, "staff register")

    async def put(self, record: InstallerRecord) -> None:
        await self._bucket.put(record.installer_id, record.model_dump_json().encode())

    async def get(self, installer_id: str) -> InstallerRecord | None:
        try:
            entry = await self._bucket.get(installer_id)
        except KeyNotFoundError:
            return None
        if entry is None or entry.value is None:
            return None
        return InstallerRecord.model_validate_json(entry.value)
