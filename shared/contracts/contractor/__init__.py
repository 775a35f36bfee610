"""Published contract of the contractor side (the security installation company, owner "contractor"):
works orders, installer allocation, client contact, installation, cancellation and suspension.

Source: the Tower Hamlets contractor specification section 5 (seed 004) and the South Essex
service standards (seed 002). Money is in pounds sterling with two decimal places.

The modules: ``options`` (shapes and option lists), ``parts`` (work items, invoice lines, the staff
register's entry), ``events`` and ``commands``. Each module lists its public names in ``__all__``,
and every one is re-exported here: import from ``shared.contracts.contractor``.
"""

from __future__ import annotations

from shared.contracts.common import ContactChannel, UnsafeContactWindow, Weekday
from shared.contracts.contractor import commands, events, options, parts
from shared.contracts.contractor.commands import *  # noqa: F403
from shared.contracts.contractor.events import *  # noqa: F403
from shared.contracts.contractor.options import *  # noqa: F403
from shared.contracts.contractor.parts import *  # noqa: F403

__all__ = [
    *commands.__all__,
    *events.__all__,
    *options.__all__,
    *parts.__all__,
    "ContactChannel",
    "UnsafeContactWindow",
    "Weekday",
]
