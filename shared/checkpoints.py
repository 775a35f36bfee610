"""Signed case-head checkpoints: the reporting service publishes, for each case, the stream sequence
and hash of its last event, signed with its Ed25519 key, on ``checkpoint.<case_id>`` in the stream
CHECKPOINTS. ``sanctuary audit verify`` compares each case's stored history with its newest
checkpoint, so a history cut short (its last events, or the whole case, removed) no longer
verifies: the hash chain alone cannot see an end that is missing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StreamConfig
from nats.js.errors import NotFoundError

from shared.codec import canonical
from shared.signing import SignatureVerifier, Signer
from shared.streams import record_stream_config

CHECKPOINT_STREAM = "CHECKPOINTS"
CHECKPOINT_SIGNER = "reporting"
# A few per case are kept for the record; verify reads the newest.
_KEPT_PER_CASE = 8


def checkpoint_subject(case_id: str) -> str:
    return f"checkpoint.{case_id}"


def checkpoint_stream_config(replicas: int = 1) -> StreamConfig:
    """The one definition of CHECKPOINTS (``sanctuary provision`` makes it). Immutable like CASES,
    except that only the newest few checkpoints of each case are kept: verification compares a
    case with its newest, so older ones would only grow the stream without bound."""
    return record_stream_config(
        CHECKPOINT_STREAM,
        ["checkpoint.>"],
        replicas,
        max_msgs_per_subject=_KEPT_PER_CASE,
        discard=DiscardPolicy.OLD,
    )


async def ensure_checkpoint_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the CHECKPOINTS stream if it is missing. Safe to call at every start."""
    try:
        await js.stream_info(CHECKPOINT_STREAM)
    except NotFoundError:
        await js.add_stream(checkpoint_stream_config(replicas))


@dataclass(frozen=True)
class Checkpoint:
    """Case ``case_id`` ended, when ``at``, with the event of stream sequence ``seq`` and ``hash``."""

    case_id: str
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    signer: str = CHECKPOINT_SIGNER
    signature: str = ""

    def body(self) -> str:
        """What is signed: every field but the signature, as canonical JSON."""
        return canonical({k: v for k, v in asdict(self).items() if k != "signature"}).decode()

    def signed(self, signer: Signer) -> Checkpoint:
        return Checkpoint(**(asdict(self) | {"signer": signer.owner, "signature": signer.sign(self.body())}))

    def encode(self) -> bytes:
        return canonical(asdict(self))

    def genuine(self, verifier: SignatureVerifier) -> bool:
        return self.signer == CHECKPOINT_SIGNER and verifier.verify(self.signer, self.body(), self.signature)

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.at)


class BadCheckpoint(ValueError):
    """A stored checkpoint that is not one (names no value)."""


def decode_checkpoint(data: bytes) -> Checkpoint:
    try:
        raw = json.loads(data)
        checkpoint = Checkpoint(
            case_id=str(raw["case_id"]),
            seq=int(raw["seq"]),
            hash=str(raw["hash"]),
            at=str(raw["at"]),
            signer=str(raw["signer"]),
            signature=str(raw["signature"]),
        )
        checkpoint.when  # noqa: B018  (a readable time, or not a checkpoint)
    except (ValueError, KeyError, TypeError):
        raise BadCheckpoint("not a checkpoint record") from None
    return checkpoint
