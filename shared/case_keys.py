"""Case data keys as the services get them: from the key custodian (services/keys), over request/reply.

Subjects are ``keys.<service>.<operation>.<case_id>``: the server's permissions let service S
publish only ``keys.S.…``, so the subject says who asks, and the custodian checks that the asker
may do the operation (only referral creates keys, only reporting destroys them). Data keys are
cached in memory; a destroyed key is dropped from every cache when the custodian's
``CaseKeyDestroyed`` event reaches CASES, and never fetched again by this process.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable

from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import BaseModel, ConfigDict, Field

from shared.crypto import CaseErased, KeyCache
from shared.events import Actor
from shared.logging import get_logger
from shared.positions import MemoryPositions
from shared.reader import CaseReader, consumer_name

CUSTODIAN = "keys"  # the custodian's service name, NATS user and event owner
DESTROYED_EVENT = "CaseKeyDestroyed"
DESTROYED_FILTER = f"case.*.{CUSTODIAN}.{DESTROYED_EVENT}"
_TIMEOUT_S = 5.0
log = get_logger(__name__)


class KeyOperation(enum.StrEnum):
    CREATE = "create"
    GET = "get"
    DESTROY = "destroy"


# Who may ask for what. The server's permissions are the first check; this is the second.
MAY: dict[KeyOperation, frozenset[str]] = {
    KeyOperation.CREATE: frozenset({"referral"}),
    # The operator's audit tool reads too (every audit read is itself recorded by the reporting service).
    KeyOperation.GET: frozenset({"referral", "assessment", "contractor", "reporting", "operator"}),
    KeyOperation.DESTROY: frozenset({"reporting"}),
}


def key_subject(service: str, operation: KeyOperation, case_id: str) -> str:
    return f"keys.{service}.{operation.value}.{case_id}"


class KeyFailure(enum.StrEnum):
    """Why the custodian answered without a key."""

    ERASED = "erased"  # the key was destroyed
    NOT_FOUND = "not_found"  # the case never had a key
    REFUSED = "refused"  # the asker may not do this
    INVALID = "invalid"  # a malformed request


class DestroyRequest(BaseModel):
    """Who asked for the destruction and why: recorded in the custodian's signed event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=300)
    actor: Actor


class KeyReply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    key: str | None = None  # base64 data key (create, get)
    destroyed: bool | None = None  # destroy: False when it was already gone
    error: KeyFailure | None = None
    detail: str | None = None  # names the field or the rule, never a value

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


class KeyCustodianError(RuntimeError):
    """The custodian refused, or did not answer."""


class KeyCustodianUnavailable(KeyCustodianError, ConnectionError):
    """The custodian did not answer (restarting, its node down, its connection moving to another
    node). It goes away by itself: a reader tries the event again (a ConnectionError is transient
    to it) instead of parking a good event as undecodable."""


class CaseKeyClient:
    """A service's view of the case keys: ask the custodian, cache in memory, forget on destruction."""

    def __init__(
        self, nc: NATS, service: str, timeout_s: float = _TIMEOUT_S, *, watch: bool = True, replica: int = 1
    ) -> None:
        self._nc = nc
        self.service = service
        self._timeout = timeout_s
        self._keys = KeyCache()
        # A long-running service follows destructions; a one-off tool (the operator's) need not.
        self._watch = destruction_watch(service, self.forget) if watch else None
        if self._watch is not None:
            self._watch.consumer = consumer_name(self._watch.name, replica)

    async def start(self) -> None:
        if self._watch is not None:
            await self._watch.start(self._nc)

    async def stop(self) -> None:
        if self._watch is not None:
            await self._watch.stop()

    def forget(self, case_id: str) -> None:
        self._keys.forget(case_id)

    def known_erased(self, case_id: str) -> bool:
        """Whether this process has learnt the case's key is destroyed (it then never asks again)."""
        return self._keys.erased(case_id)

    async def key_for_reading(self, case_id: str) -> bytes:
        """The case's key; CaseErased after erasure, KeyError if the case never had one."""
        cached = self._keys.get(case_id)
        if cached is not None:
            return cached
        return self._keep(case_id, await self._ask(KeyOperation.GET, case_id))

    async def key_for_writing(self, case_id: str) -> bytes:
        """The case's key, created on first use by a service that may create keys."""
        if self.service not in MAY[KeyOperation.CREATE]:
            try:
                return await self.key_for_reading(case_id)
            except KeyError:
                raise KeyCustodianError(
                    f"case {case_id} has no key, and {self.service} may not create one"
                ) from None
        cached = self._keys.get(case_id)
        if cached is not None:
            return cached
        # One request, not a get then a create: the custodian's create answers with the key the
        # case already has, if it has one (and refuses an erased case), so a new case costs one
        # round trip.
        return self._keep(case_id, await self._ask(KeyOperation.CREATE, case_id))

    async def destroy(self, case_id: str, request: DestroyRequest) -> bool:
        """Ask the custodian to destroy the key and record it. False when it was already gone."""
        reply = await self._request(KeyOperation.DESTROY, case_id, request.model_dump_json().encode())
        if not reply.ok:
            raise KeyCustodianError(f"key destruction refused: {reply.error}: {reply.detail}")
        self.forget(case_id)
        return bool(reply.destroyed)

    def _keep(self, case_id: str, key: bytes) -> bytes:
        if self._keys.erased(case_id):  # destroyed while we asked
            raise CaseErased(case_id)
        return self._keys.keep(case_id, key)

    async def _ask(self, operation: KeyOperation, case_id: str) -> bytes:
        reply = await self._request(operation, case_id, b"")
        if reply.ok and reply.key:
            return base64.b64decode(reply.key)
        if reply.error is KeyFailure.ERASED:
            self.forget(case_id)
            raise CaseErased(case_id)
        if reply.error is KeyFailure.NOT_FOUND:
            raise KeyError(case_id)
        raise KeyCustodianError(f"case key {operation.value} refused: {reply.error}: {reply.detail}")

    async def _request(self, operation: KeyOperation, case_id: str, body: bytes) -> KeyReply:
        subject = key_subject(self.service, operation, case_id)
        try:
            msg = await self._nc.request(subject, body, timeout=self._timeout)
        except (NoRespondersError, NatsTimeoutError):
            raise KeyCustodianUnavailable(f"the key custodian did not answer {operation.value}") from None
        return KeyReply.model_validate_json(msg.data)


class NoPersonalData:
    """The case keys of a writer whose events carry no personal fields (the custodian itself): it
    never creates or reads a data key."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def key_for_writing(self, case_id: str) -> bytes:
        raise CaseErased(case_id)

    async def key_for_reading(self, case_id: str) -> bytes:
        raise KeyError(case_id)


def destruction_watch(service: str, forget: Callable[[str], None]) -> CaseReader[str]:
    """A kernel reader (shared.reader) of the custodian's CaseKeyDestroyed events from the start of
    CASES, calling ``forget(case_id)`` for each; its position lives in memory, so every start reads
    them all again (the subject names the case: nothing else is decoded)."""

    async def case_of(seq: int, subject: str, data: bytes) -> str:
        return subject.split(".")[1]

    async def apply(case_id: str) -> None:
        forget(case_id)

    return CaseReader(f"{service}-key-destructions", [DESTROYED_FILTER], case_of, apply, MemoryPositions())
