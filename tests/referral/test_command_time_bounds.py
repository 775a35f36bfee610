"""Every command keeps one set of time bounds (shared.commands): when it happened is not before 2000
and not ahead of the service's clock (beyond a few minutes' skew). A command out of bounds is refused
at parse, naming ``occurred_at`` and not echoing the value, so nothing is decided or stored.

Acceptance testing found RecordAuditRead and RecordSafeguardingOverride accepting year 1 and 2999."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sanctuary.agency_access import all_commands
from shared.bus import parse_command
from shared.commands import CLOCK_SKEW, Command, day_problem, moment_problem
from shared.contracts.audit import RecordAuditRead
from shared.contracts.referral import RecordSafeguardingOverride
from shared.errors import CommandRejected
from tests.referral.scenarios import COORDINATOR, cid

OUT_OF_RANGE = ["0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2999-01-01T00:00:00Z"]


def problems(command_cls: type[Command], body: dict[str, Any]) -> dict[str, str]:
    try:
        parse_command(command_cls, json.dumps(body).encode())
    except CommandRejected as exc:
        return {p.field: p.problem for p in exc.problems}
    return {}


@pytest.mark.parametrize("command_cls", list(all_commands().values()), ids=lambda c: c.name())
@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_every_command_refuses_a_time_out_of_bounds(command_cls: type[Command], when: str) -> None:
    found = problems(command_cls, {"occurred_at": when})
    assert found["occurred_at"] in {"is before 2000", "is in the future"}
    assert when[:4] not in json.dumps(found)


def body(when: str, **fields: str) -> dict[str, Any]:
    """A command's JSON as the coordinator sends it on case SR-TEST, made at ``when``."""
    envelope = {"command_id": cid(), "case_id": "SR-TEST", "actor": COORDINATOR.model_dump(mode="json")}
    return envelope | fields | {"occurred_at": when}


def audit_read(when: str) -> dict[str, Any]:
    return body(when, view="timeline", reason="Quarterly case file audit")


def override(when: str) -> dict[str, Any]:
    return body(when, recipient="police", lawful_basis="vital_interests", reason="Threat to life")


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"])
def test_audit_read_and_safeguarding_override_refuse_year_1_and_2999_naming_occurred_at(when: str) -> None:
    assert set(problems(RecordAuditRead, audit_read(when))) == {"occurred_at"}
    assert set(problems(RecordSafeguardingOverride, override(when))) == {"occurred_at"}


def test_within_bounds_they_are_accepted() -> None:
    assert problems(RecordAuditRead, audit_read("2025-06-02T10:00:00Z")) == {}
    assert problems(RecordSafeguardingOverride, override("2025-06-02T10:00:00+01:00")) == {}
    # A caller's clock a little ahead of ours is not "the future".
    soon = (datetime.now(UTC) + CLOCK_SKEW / 2).isoformat()
    assert problems(RecordSafeguardingOverride, override(soon)) == {}


def test_the_bounds() -> None:
    now = datetime(2026, 4, 2, 23, 30, tzinfo=UTC)  # 00:30 on 3 April in the UK (BST)
    assert moment_problem(datetime(2000, 1, 1, tzinfo=UTC), now) is None
    assert moment_problem(datetime(1999, 12, 31, 23, 59, tzinfo=UTC), now) == "is before 2000"
    assert moment_problem(now + CLOCK_SKEW, now) is None
    assert moment_problem(now + CLOCK_SKEW + timedelta(seconds=1), now) == "is in the future"
    assert moment_problem(datetime(2026, 4, 2, 23, 0), now) is None  # naive: taken as UTC
    # Days are UK days: already 3 April in London.
    assert day_problem(now.date() + timedelta(days=1), now) is None
    assert day_problem(now.date() + timedelta(days=2), now) == "is in the future"
