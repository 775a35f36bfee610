"""Where a rebuild reads the CASES stream: on the rebuilding process's own connection, with the
direct batch get (``OnConnection``), or in a worker process, on a connection the worker makes for
itself with the same settings, so as the same NATS user with the same permissions (``OnBus``).
A worker reads each span through a consumer of its own (``shared.spans``: a third of the server's
work of a direct get), its name one of those the user's permission spells out; a span that does not
come back whole and in order through it is read with the direct get."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NATS

from shared import directget, nats_headers
from shared.directget import Stored
from shared.eventstore import STREAM
from shared.nats_connect import connect_options
from shared.runtime import inbox_prefix
from shared.settings import Settings
from shared.spans import read_span

# Every message of CASES (bound to ``case.>``: the same messages). The server counts what a batch
# leaves pending at each request: for ">" from the stream's own state, for any other filter by
# matching every subject stored or scanning every block after the batch, so a batch would cost in
# proportion to the whole history and a whole pass in proportion to its square.
EVERY_EVENT = ">"
READ_TIMEOUT_S = 60.0  # a read fails after this long without a reply
CONNECT_ATTEMPTS = 3  # a worker's attempts to reach each server, at first and after losing it
CONNECT_WAIT_S = 0.5


async def stream_bounds(nc: NATS) -> tuple[int, int]:
    """The first and last sequences of CASES."""
    info = await nc.jetstream().stream_info(STREAM)
    return int(info.state.first_seq), int(info.state.last_seq)


class OnConnection:
    """Reading on a connection someone else owns (and closes)."""

    def __init__(self, nc: NATS) -> None:
        self.nc = nc

    async def read(self, start: int, size: int) -> list[Stored]:
        batch = await directget.read_batch(self.nc, STREAM, EVERY_EVENT, start, size, READ_TIMEOUT_S)
        return batch.messages

    async def close(self) -> None:
        return

    def for_worker(self, number: int) -> OnConnection:
        return self


@dataclass
class OnBus:
    """Reading on a connection of its own, made at the first read (in the worker process: what is
    pickled to it is the settings, never a connection) as ``owner``'s NATS user, with its inbox.
    ``consumers``: the names of the consumers the user may read through, one for each worker
    (``for_worker``); a worker beyond them, or a source given none, reads by direct get alone."""

    settings: Settings
    owner: str
    consumers: tuple[str, ...] = ()
    consumer: str = ""  # this worker's own ("": none)
    _nc: NATS | None = field(default=None, init=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__ | {"_nc": None}

    def for_worker(self, number: int) -> OnBus:
        """The source as worker ``number`` (1, 2, ...) reads it: through the consumer of that
        number, if there is one."""
        mine = self.consumers[number - 1] if 0 < number <= len(self.consumers) else ""
        return OnBus(self.settings, self.owner, self.consumers, mine)

    async def read(self, start: int, size: int) -> list[Stored]:
        nc = await self._connection()
        if self.consumer:
            span = await read_span(nc, STREAM, self.consumer, start, size, READ_TIMEOUT_S)
            if span is not None:
                return span
        return await OnConnection(nc).read(start, size)

    async def _connection(self) -> NATS:
        if self._nc is None:
            self._nc = await nats.connect(
                **connect_options(self.settings),
                name=f"sanctuary-{self.owner}-rebuild-worker",
                inbox_prefix=inbox_prefix(self.owner),
                error_cb=_unreported,
                # A rebuild is run again rather than waited on: a server that cannot be reached
                # stops it in seconds (nats-py's default tries for two minutes).
                max_reconnect_attempts=CONNECT_ATTEMPTS,
                reconnect_time_wait=CONNECT_WAIT_S,
            )
            nats_headers.install(self._nc)  # each message comes with a dozen headers
        return self._nc

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()


async def _unreported(exc: Exception) -> None:
    """A worker writes nothing, not even to stderr (nats-py's default): a read that fails raises,
    and its error reaches the rebuilding process."""
    return
