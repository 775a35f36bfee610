"""A stream held in a list, read as the server's direct get reads it: the messages from a sequence
on, up to a number of them. Picklable, so worker processes read it too."""

from __future__ import annotations

from dataclasses import dataclass

from shared.directget import Stored


@dataclass
class Listed:
    messages: list[Stored]
    fail_from: int | None = None  # a read from this sequence on fails, as if the server went away

    async def read(self, start: int, size: int) -> list[Stored]:
        if self.fail_from is not None and start >= self.fail_from:
            raise ConnectionError("the server went away")
        return [m for m in self.messages if m[0] >= start][:size]

    async def close(self) -> None:
        return

    def for_worker(self, number: int) -> Listed:
        return self
