"""Errors that name the field and the problem, never the value given (it may be personal data),
and the event store's own errors (kept here, apart from the store, so that code that catches them
need not import the store)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Problem(BaseModel):
    """One thing wrong with a message: the field, and the problem (never the value sent)."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="The field's dotted path (e.g. form.client.postcode), or case_id")
    problem: str = Field(description="What is wrong with it, in words; never the value sent")

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


class CommandRejected(Exception):
    """A command that cannot be carried out; every problem found, each naming its field.

    Raised by deciders (business rules) and by command parsing (malformed input). Nothing is stored.
    """

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        self.problems: list[Problem] = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, field: str, problem: str) -> CommandRejected:
        return cls([Problem(field=field, problem=problem)])


def reject_if(problems: Iterable[Problem]) -> None:
    """Raise CommandRejected if any problem was collected."""
    found = list(problems)
    if found:
        raise CommandRejected(found)


def problems_from_validation(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """pydantic's errors as Problems, without the input values pydantic would otherwise echo."""
    problems = []
    for err in exc.errors(include_input=False, include_url=False, include_context=False):
        loc = ".".join(str(p) for p in err["loc"] if not _is_union_tag(p))
        problems.append(
            Problem(field=f"{prefix}{loc}" or prefix.rstrip(".") or "(command)", problem=err["msg"])
        )
    # A union field reports once per member; keep the first message for each field.
    seen: dict[str, Problem] = {}
    for p in problems:
        seen.setdefault(p.field, p)
    return list(seen.values())


def _is_union_tag(part: object) -> bool:
    # pydantic adds member type names ("str", "date", "function-wrap[...]") to union locations.
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "date", "datetime", "bool"})


class InvalidEvent(CommandRejected):
    """An event payload that fails its schema; nothing is appended."""


# -- the event store's errors ----------------------------------------------------------------


class EventStoreError(RuntimeError):
    """The event store refused or could not complete a read or an append."""


class EventStoreUnavailable(EventStoreError, ConnectionError):
    """No replica answered a read (503: no responders, a node dying and the others not yet serving
    it). It goes away by itself: a reader tries the event again (a ConnectionError is transient to
    it) instead of parking a good event as not applied."""


class ConcurrencyConflict(EventStoreError):
    """Someone appended to the case since we read it. ``actual`` is the case's real last sequence."""

    def __init__(self, case_id: str, expected: int, actual: int | None) -> None:
        self.case_id, self.expected, self.actual = case_id, expected, actual
        super().__init__(f"case {case_id}: expected last sequence {expected}, actual {actual}")
