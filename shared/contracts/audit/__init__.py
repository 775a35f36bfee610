"""Published contract of the audit side (owner "reporting"): audit reads and erasures.

Both events must be recordable on a case whose key has already been destroyed, so they hold no
Personal fields. Their free-text reasons outlive erasure; they are refused if they contain
anything shaped like personal data (telephone, postcode, street address, e-mail).

The modules: ``options``, ``events`` and ``commands``. Each module lists its public names in
``__all__``, and every one is re-exported here: import from ``shared.contracts.audit``.
"""

from __future__ import annotations

from shared.contracts.audit import commands, events, options
from shared.contracts.audit.commands import *  # noqa: F403
from shared.contracts.audit.events import *  # noqa: F403
from shared.contracts.audit.options import *  # noqa: F403

__all__ = [*commands.__all__, *events.__all__, *options.__all__]
