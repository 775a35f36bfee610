"""Checks many contractor commands share; each returns the problems found (empty when all is well)."""

from __future__ import annotations

from datetime import datetime

from services.contractor.domain.state import WorksState
from shared.commands import Command, moment_problem, when
from shared.errors import Problem


def open_works_order(state: WorksState) -> list[Problem]:
    if not state.has_works_order:
        return [Problem(field="case_id", problem="no works order has been received for this case")]
    if state.completed:
        return [Problem(field="case_id", problem="the installation on this case is already completed")]
    if state.cancelled:
        return [Problem(field="case_id", problem="the installation on this case has been cancelled")]
    return []


def not_suspended(state: WorksState) -> list[Problem]:
    if state.suspended:
        return [
            Problem(
                field="case_id",
                problem="works on this case are suspended; only the coordinator can resume them",
            )
        ]
    return []


def client_contacted(state: WorksState, action: str) -> list[Problem]:
    if state.first_contact_at is None:
        return [Problem(field="case_id", problem=f"{action} before any contact with the client is refused")]
    return []


def installer_allocated(state: WorksState) -> list[Problem]:
    if state.installer_id is None:
        return [Problem(field="case_id", problem="no installer is allocated to this case")]
    return []


def has_happened(moment: datetime, command: Command, field: str) -> list[Problem]:
    """A time the command records (an attempt, a completion) lies within the bounds every command's
    own time keeps (shared.commands): not before the earliest records, not after the command."""
    problem = moment_problem(moment, when(command))
    return [Problem(field=field, problem=problem)] if problem else []
