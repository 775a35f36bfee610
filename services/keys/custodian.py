"""The custodian's answers on ``keys.<service>.<operation>.<case_id>``.

The server's permissions decide who may publish which subject (service S only ``keys.S.…``), so
the subject's second token says who asks; the custodian checks again that this asker may do this
operation (defence in depth) and refuses otherwise, naming the rule. A destruction is recorded
first (a signed event), then the key destroyed: a crash in between leaves a recorded destruction
that the start-up replay completes, never a destroyed key nobody can account for.
"""

from __future__ import annotations

import asyncio
import base64
from collections import defaultdict

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from pydantic import ValidationError

from services.keys.destruction import record_destruction
from shared.case_keys import MAY, DestroyRequest, KeyFailure, KeyOperation, KeyReply
from shared.crypto import CaseErased, KeyStore
from shared.eventstore import CASE_ID, EventStore
from shared.logging import get_logger

log = get_logger(__name__)


class KeyCustodian:
    def __init__(self, nc: NATS, keys: KeyStore, store: EventStore) -> None:
        self._nc = nc
        self.keys = keys
        self._store = store
        self._erased: set[str] = set()
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._pending: set[asyncio.Task[None]] = set()

    async def on_message(self, msg: Msg) -> None:
        """Answer each request in its own task: a slow destruction holds up no one's key."""
        task = asyncio.create_task(self._answer(msg))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _answer(self, msg: Msg) -> None:
        try:
            reply = await self.handle(msg.subject, msg.data)
        except Exception as exc:  # answered, so the asker hears at once instead of timing out
            log.error("key request failed", subject=msg.subject, error=type(exc).__name__)
            reply = KeyReply(ok=False, error=KeyFailure.INVALID, detail="the key custodian failed")
        if msg.reply:
            await msg.respond(reply.encode())

    async def handle(self, subject: str, body: bytes) -> KeyReply:
        parts = subject.split(".")
        if len(parts) != 4 or parts[0] != "keys":
            return _invalid("subject: must be keys.<service>.<operation>.<case_id>")
        asker, operation_name, case_id = parts[1:]
        try:
            operation = KeyOperation(operation_name)
        except ValueError:
            return _invalid("operation: must be create, get or destroy")
        if not CASE_ID.match(case_id):
            return _invalid("case_id: must be 1-64 letters, digits, '-' or '_'")
        if asker not in MAY[operation]:
            log.warning("key request refused", asker=asker, operation=operation.value, case_id=case_id)
            allowed = " or ".join(sorted(MAY[operation]))
            return KeyReply(
                ok=False,
                error=KeyFailure.REFUSED,
                detail=f"{asker} may not {operation.value} case keys (only {allowed} may)",
            )
        if operation is KeyOperation.DESTROY:
            return await self._destroy(case_id, asker, body)
        if case_id in self._erased:
            return KeyReply(ok=False, error=KeyFailure.ERASED)
        try:
            if operation is KeyOperation.CREATE:
                async with self._locks[case_id]:
                    key = await self.keys.key_for_writing(case_id)
            else:
                key = await self.keys.key_for_reading(case_id)
        except CaseErased:
            return KeyReply(ok=False, error=KeyFailure.ERASED)
        except KeyError:
            return KeyReply(ok=False, error=KeyFailure.NOT_FOUND, detail="case_id: no key for this case")
        return KeyReply(ok=True, key=base64.b64encode(key).decode())

    async def _destroy(self, case_id: str, asker: str, body: bytes) -> KeyReply:
        try:
            request = DestroyRequest.model_validate_json(body)
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
            return _invalid(f"{', '.join(fields)}: missing or malformed")
        async with self._locks[case_id]:
            self._erased.add(case_id)  # stop serving it at once
            await record_destruction(self._nc, self._store, case_id, request, asker)
            destroyed = await self.keys.erase(case_id)
        log.info("case key destroyed", case_id=case_id, asker=asker, destroyed=destroyed)
        return KeyReply(ok=True, destroyed=destroyed)

    def recorded(self, case_id: str) -> None:
        """A CaseKeyDestroyed event was seen (start-up replay, or another custodian's): stop
        serving the key, and finish destroying it if a crash interrupted that."""
        self._erased.add(case_id)
        task = asyncio.create_task(self._finish(case_id))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _finish(self, case_id: str) -> None:
        async with self._locks[case_id]:
            try:
                if await self.keys.erase(case_id):
                    log.info("interrupted key destruction completed", case_id=case_id)
            except Exception as exc:
                log.error("key destruction not completed", case_id=case_id, error=type(exc).__name__)

    async def drain(self) -> None:
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=5.0)


def _invalid(detail: str) -> KeyReply:
    return KeyReply(ok=False, error=KeyFailure.INVALID, detail=detail)
