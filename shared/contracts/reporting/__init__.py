"""Published contract of the reporting side (owner "reporting"): disclosures to other agencies and
the shape of the per-agency case views it publishes on ``view.<recipient>.<case_id>``.

The modules: ``options``, ``events`` and ``views``. Each module lists its public names in ``__all__``,
and every one is re-exported here: import from ``shared.contracts.reporting``. The audit side (also
owner "reporting") is ``shared.contracts.audit``.
"""

from __future__ import annotations

from shared.contracts.common import ConsentPurpose, Recipient
from shared.contracts.reporting import events, options, views
from shared.contracts.reporting.events import *  # noqa: F403
from shared.contracts.reporting.options import *  # noqa: F403
from shared.contracts.reporting.views import *  # noqa: F403

__all__ = [*events.__all__, *options.__all__, *views.__all__, "ConsentPurpose", "Recipient"]
