"""Given-When-Then for every service's decider, with no server:

    Scenario(decider).given(*past_events).when(command).then(*new_events)
    Scenario(decider).given(*past_events).when(command).then_rejected(("field", "part of the problem"))

``then`` wants exactly the events given, in order. ``then_rejected`` wants exactly the problems given,
in any order, each as a ``Problem`` (equal) or a ``(field, substring)`` pair: every problem the
decider found is kept, several on one field included, and one more or one fewer fails. A decider
that returns anything but events fails at ``when``.

Failure messages name event types, fields and problems, never a value (test data may look personal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from shared.commands import Command
from shared.decider import Decider
from shared.errors import CommandRejected, Problem
from shared.events import SYSTEM_ACTOR, Event, RecordedEvent
from tests.builders import recorded_event

C = TypeVar("C", bound=Command)
S = TypeVar("S")

Expected = Problem | tuple[str, str]
Record = Callable[[Event], RecordedEvent]

GIVEN_AT = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def record_on(case_id: str = "CASE-GWT", at: datetime = GIVEN_AT) -> Record:
    """Past events as read back from the stream: one case, one moment, the system as actor."""

    def record(payload: Event) -> RecordedEvent:
        return recorded_event(payload, case_id=case_id, actor=SYSTEM_ACTOR, at=at)

    return record


class Scenario(Generic[C, S]):
    """A case's history (``given``) under one decider. Immutable: ``given`` returns a longer
    scenario, so a common history can be named once and extended by each test."""

    def __init__(
        self,
        decider: Decider[C, S],
        record: Record | None = None,
        history: Sequence[RecordedEvent] = (),
    ) -> None:
        self.decider = decider
        self.record = record or record_on()
        self.history = tuple(history)

    def given(self, *events: Event | RecordedEvent) -> Scenario[C, S]:
        """The case after these events too (an ``Event`` is recorded with ``record``)."""
        more = [e if isinstance(e, RecordedEvent) else self.record(_event(e)) for e in events]
        return Scenario(self.decider, self.record, (*self.history, *more))

    @property
    def state(self) -> S:
        return self.decider.fold(self.history)

    def when(self, command: C) -> Then:
        state = self.state
        try:
            decided = list(self.decider.decide(command, state))
        except CommandRejected as exc:
            return Then(events=None, problems=tuple(exc.problems))
        strangers = [type(e).__name__ for e in decided if not isinstance(e, Event)]
        if strangers:
            raise AssertionError(f"decide returned something other than events: {strangers}")
        return Then(events=tuple(e for e in decided if isinstance(e, Event)), problems=None)


@dataclass(frozen=True)
class Then:
    """What the decider did with one command: decided ``events`` or refused with ``problems``."""

    events: tuple[Event, ...] | None
    problems: tuple[Problem, ...] | None

    @property
    def decided(self) -> list[Event]:
        """The events decided, for a test that looks at parts of them; fails if refused."""
        if self.events is None:
            assert self.problems is not None
            raise AssertionError(f"expected events, the command was refused: {_listed(self.problems)}")
        return list(self.events)

    def then(self, *expected: Event) -> list[Event]:
        """Exactly these events, in this order. Returns them (to be ``given`` to a next step)."""
        got = self.decided
        if got != list(expected):
            raise AssertionError(_events_differ(list(expected), got))
        return got

    def then_rejected(self, *expected: Expected) -> list[Problem]:
        """Refused with exactly these problems, in any order. Returns the problems."""
        if not expected:
            raise TypeError("then_rejected needs the problems expected")
        if self.problems is None:
            assert self.events is not None
            raise AssertionError(f"expected a refusal, got events: {_types(self.events)}")
        missing, unexpected = _match(list(expected), list(self.problems))
        if missing or unexpected:
            raise AssertionError(
                "the problems differ;"
                f" expected but not found: {[_show(e) for e in missing]};"
                f" found but not expected: {_listed(unexpected)}"
            )
        return list(self.problems)


def _event(value: object) -> Event:
    if not isinstance(value, Event):
        raise AssertionError(f"given something other than an event: {type(value).__name__}")
    return value


def _fits(expected: Expected, problem: Problem) -> bool:
    if isinstance(expected, Problem):
        return expected == problem
    field, part = expected
    return problem.field == field and part in problem.problem


def _match(expected: list[Expected], found: list[Problem]) -> tuple[list[Expected], list[Problem]]:
    """The expected problems no found one fits, and the found ones left over, after the largest
    pairing (so a loose substring never takes the problem a stricter expectation needed)."""
    paired: dict[int, int] = {}  # found index -> expected index

    def place(i: int, tried: set[int]) -> bool:
        for j, problem in enumerate(found):
            if j in tried or not _fits(expected[i], problem):
                continue
            tried.add(j)
            if j not in paired or place(paired[j], tried):
                paired[j] = i
                return True
        return False

    placed = {i for i in range(len(expected)) if place(i, set())}
    return (
        [e for i, e in enumerate(expected) if i not in placed],
        [p for j, p in enumerate(found) if j not in paired],
    )


def _show(expected: Expected) -> str:
    if isinstance(expected, Problem):
        return f"{expected.field}: {expected.problem}"
    return f"{expected[0]}: ...{expected[1]}..."


def _listed(problems: Sequence[Problem]) -> list[str]:
    return [f"{p.field}: {p.problem}" for p in problems]


def _types(events: Sequence[object]) -> list[str]:
    return [type(e).__name__ for e in events]


def _events_differ(expected: list[Event], got: list[Event]) -> str:
    """Which events differ, by type and field name only."""
    if _types(expected) != _types(got):
        return f"expected events {_types(expected)}, got {_types(got)}"
    lines = []
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        if want != have:
            fields = sorted(k for k in _fields(want) | _fields(have) if getattr(want, k) != getattr(have, k))
            lines.append(f"event {i} ({type(have).__name__}) differs in {fields}")
    return "; ".join(lines)


def _fields(event: Event) -> set[str]:
    return set(type(event).model_fields)
