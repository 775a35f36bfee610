"""Backup and restore of the event store and the case keys, through JetStream's own snapshot API.

A backup is a directory: for each stream, ``<stream>.tar.s2`` (the server's snapshot, byte for
byte) and ``<stream>.json`` (its configuration and state then), and ``backup.json`` listing them
with their SHA-256. It is what ``nats stream backup`` writes, made without the nats CLI.

The protocol (nats-server's jetstream_api.go):
- snapshot: request ``$JS.API.STREAM.SNAPSHOT.<stream>`` with a deliver subject; the stream leader
  answers with the config and state, then sends chunks there, each with a reply subject to ack
  (flow control), and an empty message with no reply subject at the end;
- restore: request ``$JS.API.STREAM.RESTORE.<stream>`` with the config and state; the answer
  names a subject to send the chunks to, each as a request (an empty reply is the ack, ``-ERR``
  a failure); an empty request ends it and is answered with the restored stream's info.

CASES is snapshotted before the case keys: a key made in between is merely extra, whereas the
other order could leave a restored event without its key. A case erased in between comes back
without its key, i.e. still erased.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

# The order matters (see above). CASES and the case keys always; the rest when the system has them.
REQUIRED = ("CASES", "KV_CASE_KEYS")
OPTIONAL = ("CHECKPOINTS", "KV_CONTRACTOR_STAFF", "DEADLETTER")
MANIFEST = "backup.json"
CHUNK = 128 * 1024
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says which stream and why."""


@dataclass(frozen=True)
class StreamBackup:
    stream: str
    messages: int
    first_seq: int
    last_seq: int
    bytes: int
    sha256: str


Progress = Callable[[str], None]


def _api_error(reply: dict[str, Any]) -> str | None:
    error = reply.get("error")
    if not error:
        return None
    return f"{error.get('description', 'error')} (code {error.get('err_code', error.get('code'))})"


async def _api(nc: NATS, subject: str, body: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    msg = await nc.request(subject, json.dumps(body).encode(), timeout=timeout)
    reply: dict[str, Any] = json.loads(msg.data)
    return reply


async def stream_names(nc: NATS) -> set[str]:
    reply = await _api(nc, "$JS.API.STREAM.NAMES", {})
    if error := _api_error(reply):
        raise BackupError(f"cannot list streams: {error}")
    return set(reply.get("streams") or [])


async def snapshot_stream(nc: NATS, stream: str, out: Path, timeout: float = 30.0) -> StreamBackup:
    """Write ``<stream>.tar.s2`` and ``<stream>.json`` into ``out``."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)  # before the request: the leader starts sending at once
    try:
        reply = await _api(
            nc,
            f"$JS.API.STREAM.SNAPSHOT.{stream}",
            {"deliver_subject": inbox, "no_consumers": True, "chunk_size": CHUNK, "jsck": True},
            timeout=timeout,
        )
        if error := _api_error(reply):
            raise BackupError(f"{stream}: snapshot refused: {error}")
        digest = hashlib.sha256()
        size = 0
        with (out / f"{stream}.tar.s2").open("wb") as data:
            while True:
                try:
                    chunk = await sub.next_msg(timeout=timeout)
                except NatsTimeoutError:
                    raise BackupError(f"{stream}: snapshot stalled after {size} bytes") from None
                if chunk.data:
                    data.write(chunk.data)
                    digest.update(chunk.data)
                    size += len(chunk.data)
                if chunk.reply:
                    await nc.publish(chunk.reply, b"")
                elif not chunk.data:
                    break  # the end: empty, and nothing to acknowledge
    finally:
        await sub.unsubscribe()
    state = reply.get("state") or {}
    (out / f"{stream}.json").write_text(
        json.dumps({"config": reply["config"], "state": state}, indent=2, sort_keys=True)
    )
    return StreamBackup(
        stream,
        int(state.get("messages", 0)),
        int(state.get("first_seq", 0)),
        int(state.get("last_seq", 0)),
        size,
        digest.hexdigest(),
    )


async def create_backup(nc: NATS, out: Path, progress: Progress | None = None) -> list[StreamBackup]:
    """Back up CASES, the case keys and the other stores this system has, into a new directory."""
    out.mkdir(parents=True, exist_ok=True)
    if (out / MANIFEST).exists():
        raise BackupError(f"{out} already holds a backup: choose an empty directory")
    present = await stream_names(nc)
    missing = [s for s in REQUIRED if s not in present]
    if missing:
        raise BackupError(f"no stream {', '.join(missing)} on this server: nothing to back up")
    done = []
    for stream in (*REQUIRED, *(s for s in OPTIONAL if s in present)):
        if progress:
            progress(f"snapshot {stream}")
        done.append(await snapshot_stream(nc, stream, out))
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "streams": [s.__dict__ for s in done],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return done


def read_manifest(backup: Path) -> list[StreamBackup]:
    """The backup's streams, each file checked against its recorded SHA-256."""
    path = backup / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup} holds no {MANIFEST}: not a Sanctuary backup")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST}: format {manifest.get('format')!r} is not {FORMAT}")
    streams = [StreamBackup(**s) for s in manifest["streams"]]
    for s in streams:
        data = backup / f"{s.stream}.tar.s2"
        if not data.is_file() or hashlib.sha256(data.read_bytes()).hexdigest() != s.sha256:
            raise BackupError(f"{data.name}: missing or damaged (SHA-256 differs from {MANIFEST})")
    return streams


async def restore_stream(
    nc: NATS, backup: Path, stream: str, replicas: int | None = None, timeout: float = 30.0
) -> int:
    """Restore one stream as a new stream (with ``replicas`` replicas, else as many as it had);
    returns its message count."""
    meta = json.loads((backup / f"{stream}.json").read_text())
    config = dict(meta["config"])
    if replicas is not None:
        config["num_replicas"] = replicas
    reply = await _api(
        nc, f"$JS.API.STREAM.RESTORE.{stream}", {"config": config, "state": meta["state"]}, timeout
    )
    if error := _api_error(reply):
        raise BackupError(f"{stream}: restore refused: {error}")
    deliver = reply["deliver_subject"]
    with (backup / f"{stream}.tar.s2").open("rb") as data:
        while chunk := data.read(CHUNK):
            ack = await _send_chunk(nc, deliver, chunk, timeout)
            if ack.startswith(b"-ERR"):
                raise BackupError(f"{stream}: restore failed: {ack.decode(errors='replace')[:200]}")
    done = await _send_chunk(nc, deliver, b"", max(timeout, 60.0))
    final: dict[str, Any] = json.loads(done)
    if error := _api_error(final):
        raise BackupError(f"{stream}: restore failed: {error}")
    messages = int(final.get("state", {}).get("messages", 0))
    expected = int(meta["state"].get("messages", 0))
    if messages != expected:
        raise BackupError(f"{stream}: restored {messages} messages, the backup holds {expected}")
    return messages


async def _send_chunk(nc: NATS, subject: str, chunk: bytes, timeout: float) -> bytes:
    """One chunk, as a request. In a cluster the stream's new leader subscribes to the restore
    subject after the API has answered, and the subscription takes a moment to reach this node:
    "no responders" means the chunk was not delivered, so it is sent again. A timeout is not
    retried (the chunk may have been written; sending it twice would corrupt the stream)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            msg = await nc.request(subject, chunk, timeout=timeout)
            return bytes(msg.data)
        except NoRespondersError:
            if asyncio.get_running_loop().time() > deadline:
                raise BackupError("nobody receives the restore: the stream's leader is not up") from None
            await asyncio.sleep(0.1)
        except NatsTimeoutError:
            raise BackupError("a restore chunk was not acknowledged in time") from None


async def restore_backup(
    nc: NATS, backup: Path, replicas: int | None = None, progress: Progress | None = None
) -> list[tuple[str, int]]:
    """Restore every stream of the backup into a server that has none of them yet (before any
    service starts there: a service would create them empty)."""
    streams = read_manifest(backup)
    clash = sorted({s.stream for s in streams} & await stream_names(nc))
    if clash:
        raise BackupError(
            f"stream(s) {', '.join(clash)} already exist here: restore only into a fresh cluster"
        )
    restored = []
    for s in streams:
        if progress:
            progress(f"restore {s.stream} ({s.messages} messages)")
        restored.append((s.stream, await restore_stream(nc, backup, s.stream, replicas)))
    return restored
