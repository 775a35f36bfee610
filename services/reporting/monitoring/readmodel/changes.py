"""Row changes a projection asks for; the store applies them. Each is safe to apply twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SetCase:
    """Set these columns of the case's row (creating the row if it is the case's first event).
    ``only_if_empty`` columns keep their first value (e.g. the first contact)."""

    case_id: str
    values: dict[str, Any]
    only_if_empty: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AddRow:
    """Insert a row keyed by the event id, unless it is there already."""

    table: str
    values: dict[str, Any]


def added_by(table: str, event_id: str, case_id: str, **values: Any) -> AddRow:
    """The row an event adds to one of its case's tables (the tables.py rows keyed by event)."""
    return AddRow(table, {"event_id": event_id, "case_id": case_id, **values})


@dataclass(frozen=True)
class ReplaceCaseRows:
    """Replace all of a case's rows in a table (a resubmitted referral form replaces the old answers)."""

    table: str
    case_id: str
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class UpdateRows:
    """Set columns on the rows of a table matching ``where`` (e.g. a complaint resolved)."""

    table: str
    where: dict[str, Any]
    values: dict[str, Any]


Change = SetCase | AddRow | ReplaceCaseRows | UpdateRows
