"""Whether a moment falls inside one of the client's times when it is not safe to contact them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from services.contractor.domain.rules import UK_TIME
from shared.contracts.contractor import UnsafeContactWindow, Weekday

_WEEKDAYS = list(Weekday)


def is_unsafe(moment: datetime, windows: Iterable[UnsafeContactWindow]) -> bool:
    """Windows are in UK local time. A window past midnight (22:00-07:00) belongs to the day it starts."""
    local = moment.astimezone(UK_TIME)
    today = _WEEKDAYS[local.weekday()]
    yesterday = _WEEKDAYS[(local - timedelta(days=1)).weekday()]
    now = local.time()
    for window in windows:
        if window.start < window.end:
            if today in window.days and window.start <= now < window.end:
                return True
        else:
            if today in window.days and now >= window.start:
                return True
            if yesterday in window.days and now < window.end:
                return True
    return False
