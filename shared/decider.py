"""The decider pattern: ``decide(command, state) -> events`` and ``evolve(state, event) -> state``.

Both are pure: no I/O here. ``shared.handler.CaseHandler`` runs a decider against the event store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.commands import Command
from shared.events import Event, NewEvent, RecordedEvent

S = TypeVar("S")
C = TypeVar("C", bound=Command)


@dataclass(frozen=True)
class Decider(Generic[C, S]):
    initial: Callable[[], S]
    decide: Callable[[C, S], Sequence[Event | NewEvent]]
    evolve: Callable[[S, RecordedEvent], S]

    def fold(self, events: Sequence[RecordedEvent], state: S | None = None) -> S:
        current = self.initial() if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current


@dataclass(frozen=True)
class NoCaseState:
    """The state of a service that takes no case commands of its own (the key custodian, and the
    reporting service's monitoring side): its deciding is trivial."""


def _no_events(command: object, state: NoCaseState) -> list[Event]:
    return []


def _ignore(state: NoCaseState, event: RecordedEvent) -> NoCaseState:
    return state


NO_COMMANDS: Decider[Any, NoCaseState] = Decider(initial=NoCaseState, decide=_no_events, evolve=_ignore)
