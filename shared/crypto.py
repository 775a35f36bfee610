"""Per-case data keys (AES-256-GCM) wrapped by the key-encryption key, kept in a JetStream KV bucket.

Erasure ("crypto-shredding") destroys a case's wrapped key: the server's secure delete
overwrites the stored message, so the events stay but their personal fields can no longer be
decrypted by anyone. A watcher evicts erased keys from every process's cache at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import (
    BadRequestError,
    BucketNotFoundError,
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
)
from nats.js.kv import KeyValue

from shared.tasks import cancel_and_wait

KEY_BUCKET = "CASE_KEYS"
_NONCE = 12


class CaseErased(LookupError):
    """The case's data key has been destroyed; its personal fields can no longer be read."""


def seal(key: bytes, plaintext: bytes, aad: bytes) -> str:
    nonce = os.urandom(_NONCE)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, aad)).decode()


def open_sealed(key: bytes, sealed: str, aad: bytes) -> bytes:
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], aad)


def seal_json(key: bytes, value: Any, aad: bytes) -> str:
    return seal(key, json.dumps(value, separators=(",", ":"), sort_keys=True).encode(), aad)


def open_json(key: bytes, sealed: str, aad: bytes) -> Any:
    return json.loads(open_sealed(key, sealed, aad))


class KeyStore:
    """Creates, fetches (cached) and destroys case data keys."""

    def __init__(self, js: JetStreamContext, kek: bytes, replicas: int = 1) -> None:
        self._js = js
        self._kek = kek
        self._replicas = replicas
        self._kv: KeyValue | None = None
        self._cache: dict[str, bytes] = {}
        self._erased: set[str] = set()
        self._watch_task: asyncio.Task[None] | None = None
        self._watcher: Any = None

    async def start(self) -> None:
        try:
            self._kv = await self._js.key_value(KEY_BUCKET)
        except BucketNotFoundError:
            # The stream behind a KV bucket, made by hand: nats-py's helper sets deny_delete, and
            # erasure needs the server's secure single-message delete.
            with contextlib.suppress(BadRequestError):  # another service created it first
                await self._js.add_stream(
                    StreamConfig(
                        name=f"KV_{KEY_BUCKET}",
                        subjects=[f"$KV.{KEY_BUCKET}.>"],
                        max_msgs_per_subject=1,
                        discard=DiscardPolicy.NEW,
                        allow_rollup_hdrs=True,
                        deny_delete=False,
                        allow_direct=True,
                        storage=StorageType.FILE,
                        num_replicas=self._replicas,
                    )
                )
            self._kv = await self._js.key_value(KEY_BUCKET)
        self._watch_task = asyncio.create_task(self._watch_erasures())

    async def stop(self) -> None:
        if self._watch_task:
            # Bounded: a watcher cancelled while nats-py is still setting it up can ignore the
            # cancellation, and stop() must not hang on it.
            await cancel_and_wait([self._watch_task], grace_s=2.0)
        if self._watcher is not None:
            # Unsubscribe, so the watcher's heartbeat and flow-control tasks stop with us.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._watcher.stop(), timeout=2.0)
            self._watcher = None

    async def _watch_erasures(self) -> None:
        assert self._kv is not None
        with contextlib.suppress(asyncio.CancelledError):
            watcher = await self._kv.watchall(include_history=False, ignore_deletes=False, meta_only=True)
            self._watcher = watcher
            async for entry in watcher:
                if entry is not None and entry.operation in ("DEL", "PURGE"):
                    self._forget(entry.key)

    def _forget(self, case_id: str) -> None:
        self._cache.pop(case_id, None)
        self._erased.add(case_id)

    @property
    def kv(self) -> KeyValue:
        if self._kv is None:
            raise RuntimeError("KeyStore.start() was not awaited")
        return self._kv

    def _wrap(self, case_id: str, dek: bytes) -> bytes:
        return seal(self._kek, dek, case_id.encode()).encode()

    def _unwrap(self, case_id: str, wrapped: bytes) -> bytes:
        try:
            return open_sealed(self._kek, wrapped.decode(), case_id.encode())
        except InvalidTag:
            raise RuntimeError("case key does not open with this key-encryption key") from None

    async def key_for_writing(self, case_id: str) -> bytes:
        """The case's data key, created on first use. Refuses an erased case."""
        cached = self._cache.get(case_id)
        if cached is not None:
            return cached
        try:
            return await self.key_for_reading(case_id)
        except KeyError:
            pass
        dek = AESGCM.generate_key(bit_length=256)
        try:
            # update(last=0), not create(): create() re-creates a key over an erasure tombstone.
            await self.kv.update(case_id, self._wrap(case_id, dek), last=0)
        except KeyWrongLastSequenceError:
            # Another writer created it first, or it was erased (a tombstone exists).
            return await self.key_for_reading(case_id)
        self._cache[case_id] = dek
        return dek

    async def key_for_reading(self, case_id: str) -> bytes:
        """The case's key; raises CaseErased after erasure and KeyError if the case never had one."""
        cached = self._cache.get(case_id)
        if cached is not None:
            return cached
        if case_id in self._erased:
            raise CaseErased(case_id)
        try:
            entry = await self.kv.get(case_id)
        except KeyDeletedError:
            self._erased.add(case_id)
            raise CaseErased(case_id) from None
        except KeyNotFoundError as exc:
            # nats-py reports a deleted key as not found, with the tombstone's operation.
            if _tombstone(exc):
                self._erased.add(case_id)
                raise CaseErased(case_id) from None
            raise KeyError(case_id) from None
        if entry.value is None or entry.value == b"":
            raise CaseErased(case_id)
        dek = self._unwrap(case_id, entry.value)
        self._cache[case_id] = dek
        return dek

    async def erase(self, case_id: str) -> bool:
        """Destroy the case key. Returns False if it was already gone. Idempotent."""
        try:
            entry = await self.kv.get(case_id)
        except KeyDeletedError:
            self._forget(case_id)
            return False
        except KeyNotFoundError as exc:
            if _tombstone(exc):
                self._forget(case_id)
                return False
            # Never had a key: leave a tombstone so none can be created later.
            await self.kv.delete(case_id)
            self._forget(case_id)
            return False
        assert entry.revision is not None
        # Secure delete overwrites the wrapped key on disk; the tombstone stops re-creation.
        await self._js.delete_msg(f"KV_{KEY_BUCKET}", entry.revision)
        await self.kv.delete(case_id)
        self._forget(case_id)
        return True


def _tombstone(exc: KeyNotFoundError) -> bool:
    return str(getattr(exc, "op", None) or "") in ("DEL", "PURGE")
