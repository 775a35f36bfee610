"""The ``--from`` and ``--to`` options of the commands that cover a period (report, invoice)."""

from __future__ import annotations

from datetime import date, datetime

from shared.errors import Problem, reject_if


def from_and_to(date_from: str, date_to: str) -> tuple[date, date]:
    """Both days; CommandRejected naming every option that is not a date written YYYY-MM-DD."""
    days: dict[str, date] = {}
    problems: list[Problem] = []
    for option, value in (("from", date_from), ("to", date_to)):
        try:
            days[option] = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            problems.append(Problem(field=option, problem="must be a date written YYYY-MM-DD"))
    reject_if(problems)
    return days["from"], days["to"]
