"""The date rules many decisions share, each as problems naming the field (never the date given):
a date a command records is not before what it follows (the referral reaching the CPO unit, the
works order, the first contact with the client), and not after the day the command speaks for."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from shared.errors import Problem

Moment = TypeVar("Moment", bound=date)  # a date, or a datetime compared with a datetime


def not_before(field: str, moment: Moment, earliest: Moment, what: str) -> list[Problem]:
    """``moment`` is not before ``earliest``, when ``what`` happened (e.g. "the works order was
    received"): the problem reads "is before the works order was received"."""
    return [Problem(field=field, problem=f"is before {what}")] if moment < earliest else []


def not_future(field: str, day: date, today: date) -> list[Problem]:
    """``day`` has come by ``today`` (the day the command speaks for)."""
    return [Problem(field=field, problem="is in the future")] if day > today else []
