"""What a running service checks at start: that the streams and buckets it needs were provisioned.

Services never create or change a stream (no service user may); ``sanctuary provision``, under an
administrator credential, does. A service that finds something missing stops with one line naming
what is missing and the command that makes it, instead of failing later on its first publish.
"""

from __future__ import annotations

from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.deadletter import DEADLETTER_STREAM
from shared.eventstore import STREAM

# Every service reads and writes the event store and parks what it cannot handle.
KERNEL_STREAMS = (STREAM, DEADLETTER_STREAM)
PROVISION_HINT = "run `sanctuary provision` (as the NATS administrator) first"


class NotProvisioned(RuntimeError):
    """A stream or bucket a service needs is not on the server. The message names them."""

    def __init__(self, owner: str, missing: list[str]) -> None:
        self.missing = missing
        names = ", ".join(missing)
        super().__init__(f"{owner}: not provisioned on the NATS server: {names}; {PROVISION_HINT}")


def bucket_stream(bucket: str) -> str:
    """The stream behind a key-value bucket."""
    return f"KV_{bucket}"


async def require_streams(js: JetStreamContext, owner: str, streams: Iterable[str]) -> None:
    """Raise NotProvisioned naming every one of ``streams`` that does not exist (stream info only:
    the one read a service is allowed on a stream's definition)."""
    missing = []
    for name in streams:
        try:
            await js.stream_info(name)
        except NotFoundError:
            missing.append(name)
    if missing:
        raise NotProvisioned(owner, missing)
