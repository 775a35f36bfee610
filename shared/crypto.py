"""Per-case data keys (AES-256-GCM) wrapped by the key-encryption key (KEK), kept in a JetStream KV bucket.

Only the key custodian (services/keys) holds the KEK and runs a ``KeyStore``; the other services
ask it for data keys (shared/case_keys.py). Each wrapped key names the KEK that wrapped it
(``<kek id>:<sealed key>``), so during a rotation the custodian's ``KeyRing`` opens keys under the
previous KEK and the new one alike, and ``rewrap`` moves one key at a time with a compare-and-set.

Erasure ("crypto-shredding") destroys a case's wrapped key: the server's secure delete
overwrites the stored message, so the events stay but their personal fields can no longer be
decrypted by anyone. A watcher evicts erased keys from every custodian's cache at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import enum
import hashlib
import os
from collections.abc import Sequence
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import (
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


class CaseKeys(Protocol):
    """What the event store needs: a case's data key to write with (created on first use where the
    caller may create one) and to read with. Both raise CaseErased once the key is destroyed."""

    async def key_for_writing(self, case_id: str) -> bytes: ...

    async def key_for_reading(self, case_id: str) -> bytes: ...


class KeyCache:
    """The case keys a process holds in memory, and the cases it has learnt are erased (it never
    asks for those again): the custodian's store and each service's client keep one."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._erased: set[str] = set()

    def get(self, case_id: str) -> bytes | None:
        """The case's key if held, None if not; CaseErased once the case is known to be erased."""
        key = self._keys.get(case_id)
        if key is not None:
            return key
        if case_id in self._erased:
            raise CaseErased(case_id)
        return None

    def keep(self, case_id: str, key: bytes) -> bytes:
        self._keys[case_id] = key
        return key

    def forget(self, case_id: str) -> None:
        """The case's key is destroyed: drop it, and never ask again."""
        self._keys.pop(case_id, None)
        self._erased.add(case_id)

    def erased(self, case_id: str) -> bool:
        return case_id in self._erased


def seal(key: bytes, plaintext: bytes, aad: bytes) -> str:
    nonce = os.urandom(_NONCE)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, aad)).decode()


def open_sealed(key: bytes, sealed: str, aad: bytes) -> bytes:
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], aad)


def kek_id(kek: bytes) -> str:
    """A public name for a KEK (a hash of it): says which KEK wrapped a key without revealing it."""
    return hashlib.sha256(b"sanctuary kek id v1:" + kek).hexdigest()[:16]


class KeyRing:
    """The current KEK, which wraps every new key, and the previous ones still being rotated away."""

    def __init__(self, current: bytes, previous: Sequence[bytes] = ()) -> None:
        self.current_id = kek_id(current)
        self._keks = {kek_id(k): k for k in (*previous, current)}
        self._current = current

    @property
    def ids(self) -> list[str]:
        return sorted(self._keks)

    def wrap(self, case_id: str, dek: bytes) -> bytes:
        return f"{self.current_id}:{seal(self._current, dek, case_id.encode())}".encode()

    def unwrap(self, case_id: str, wrapped: bytes) -> bytes:
        name, sealed = wrapped_parts(wrapped)
        # A key stored before KEK ids existed names none: try each KEK held.
        candidates = [self._keks[name]] if name in self._keks else [] if name else list(self._keks.values())
        for kek in candidates:
            try:
                return open_sealed(kek, sealed, case_id.encode())
            except InvalidTag:
                continue
        raise RuntimeError(f"case key wrapped under KEK {name or '(unnamed)'}, which this key ring lacks")

    def is_current(self, wrapped: bytes) -> bool:
        return wrapped_parts(wrapped)[0] == self.current_id


def wrapped_parts(wrapped: bytes) -> tuple[str | None, str]:
    """(KEK id or None for a key stored before ids, sealed data key). Base64 never holds ':'."""
    text = wrapped.decode()
    name, sep, sealed = text.partition(":")
    return (name, sealed) if sep else (None, text)


class Rewrap(enum.StrEnum):
    """What ``KeyStore.rewrap`` did to one case's key."""

    REWRAPPED = "rewrapped"
    CURRENT = "already under the current KEK"
    ERASED = "erased"
    ABSENT = "no key"


class KeyBucketMissing(RuntimeError):
    """The CASE_KEYS bucket has not been provisioned on the server."""


class KeyStore:
    """Creates, fetches (cached), rewraps and destroys case data keys: the custodian's side."""

    def __init__(self, js: JetStreamContext, kek: bytes | KeyRing) -> None:
        self._js = js
        self.ring = kek if isinstance(kek, KeyRing) else KeyRing(kek)
        self._kv: KeyValue | None = None
        self._keys = KeyCache()
        self._watch_task: asyncio.Task[None] | None = None
        self._watcher: Any = None

    async def start(self) -> None:
        # The bucket is made by ``sanctuary provision`` (sanctuary/provision.py, case_keys_config),
        # never here: no service may create a stream.
        try:
            self._kv = await self._js.key_value(KEY_BUCKET)
        except BucketNotFoundError:
            raise KeyBucketMissing(
                f"the {KEY_BUCKET} bucket is not on the NATS server: "
                "run `sanctuary provision` (as the NATS administrator) first"
            ) from None
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
                    self._keys.forget(entry.key)

    @property
    def kv(self) -> KeyValue:
        if self._kv is None:
            raise RuntimeError("KeyStore.start() was not awaited")
        return self._kv

    def _wrap(self, case_id: str, dek: bytes) -> bytes:
        return self.ring.wrap(case_id, dek)

    def _unwrap(self, case_id: str, wrapped: bytes) -> bytes:
        return self.ring.unwrap(case_id, wrapped)

    async def case_ids(self, quiet_s: float = 10.0) -> list[str]:
        """Every case with an entry in the bucket (a live key or an erasure's tombstone).

        Read with an ordered consumer over the last message of each key, headers only, until the
        server says nothing is pending. nats-py's ``kv.keys()`` can report an empty bucket when its
        watcher starts before the server has counted what is pending, and a rotation that saw no
        keys would wrongly report them all moved; so a listing that stalls is an error here.
        """
        info = await self._js.stream_info(f"KV_{KEY_BUCKET}")
        if info.state.messages == 0:
            return []
        prefix = f"$KV.{KEY_BUCKET}."
        ids: set[str] = set()
        done = asyncio.Event()

        async def on_entry(msg: Any) -> None:
            ids.add(msg.subject.removeprefix(prefix))
            if msg.metadata.num_pending == 0:
                done.set()

        sub = await self._js.subscribe(
            f"{prefix}>",
            stream=f"KV_{KEY_BUCKET}",
            cb=on_entry,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
            headers_only=True,
        )
        try:
            seen = -1
            while not done.is_set():
                if len(ids) == seen:
                    raise RuntimeError(f"listing the case keys stalled after {seen} keys")
                seen = len(ids)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=quiet_s)
        finally:
            await sub.unsubscribe()
        return sorted(ids)

    async def wrapped(self, case_id: str) -> bytes | None:
        """The case's wrapped key as stored, or None when it has none (never had, or erased)."""
        try:
            entry = await self.kv.get(case_id)
        except (KeyDeletedError, KeyNotFoundError):
            return None
        return entry.value or None

    async def rewrap(self, case_id: str) -> Rewrap:
        """Wrap one case's key under the current KEK, compare-and-set on its revision: a key
        destroyed or changed meanwhile is read again, so an erased case stays erased."""
        while True:
            try:
                entry = await self.kv.get(case_id)
            except KeyDeletedError:
                return Rewrap.ERASED
            except KeyNotFoundError as exc:
                return Rewrap.ERASED if _tombstone(exc) else Rewrap.ABSENT
            if not entry.value:
                return Rewrap.ERASED
            if self.ring.is_current(entry.value):
                return Rewrap.CURRENT
            dek = self._unwrap(case_id, entry.value)
            assert entry.revision is not None
            try:
                await self.kv.update(case_id, self.ring.wrap(case_id, dek), last=entry.revision)
            except KeyWrongLastSequenceError:
                continue
            return Rewrap.REWRAPPED

    async def key_for_writing(self, case_id: str) -> bytes:
        """The case's data key, created on first use. Refuses an erased case."""
        cached = self._keys.get(case_id)
        if cached is not None:
            return cached
        dek = AESGCM.generate_key(bit_length=256)
        try:
            # update(last=0), not create(): create() re-creates a key over an erasure tombstone.
            # Tried before any read: a new case (why a key is asked to be made) costs one write.
            await self.kv.update(case_id, self._wrap(case_id, dek), last=0)
        except KeyWrongLastSequenceError:
            # Another writer created it first, or it was erased (a tombstone exists).
            return await self.key_for_reading(case_id)
        return self._keys.keep(case_id, dek)

    async def key_for_reading(self, case_id: str) -> bytes:
        """The case's key; raises CaseErased after erasure and KeyError if the case never had one."""
        cached = self._keys.get(case_id)
        if cached is not None:
            return cached
        try:
            entry = await self.kv.get(case_id)
        except KeyDeletedError:
            self._keys.forget(case_id)
            raise CaseErased(case_id) from None
        except KeyNotFoundError as exc:
            # nats-py reports a deleted key as not found, with the tombstone's operation.
            if _tombstone(exc):
                self._keys.forget(case_id)
                raise CaseErased(case_id) from None
            raise KeyError(case_id) from None
        if entry.value is None or entry.value == b"":
            raise CaseErased(case_id)
        return self._keys.keep(case_id, self._unwrap(case_id, entry.value))

    async def erase(self, case_id: str) -> bool:
        """Destroy the case key. Returns False if it was already gone. Idempotent."""
        try:
            entry = await self.kv.get(case_id)
        except KeyDeletedError:
            self._keys.forget(case_id)
            return False
        except KeyNotFoundError as exc:
            if _tombstone(exc):
                self._keys.forget(case_id)
                return False
            # Never had a key: leave a tombstone so none can be created later.
            await self.kv.delete(case_id)
            self._keys.forget(case_id)
            return False
        assert entry.revision is not None
        # Secure delete overwrites the wrapped key on disk; the tombstone stops re-creation.
        await self._js.delete_msg(f"KV_{KEY_BUCKET}", entry.revision)
        await self.kv.delete(case_id)
        self._keys.forget(case_id)
        return True


def _tombstone(exc: KeyNotFoundError) -> bool:
    return str(getattr(exc, "op", None) or "") in ("DEL", "PURGE")
