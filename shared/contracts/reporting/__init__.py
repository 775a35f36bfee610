"""Published contract of the reporting side (owner "reporting"): disclosures to other agencies and
the shape of the per-agency case views it publishes on ``view.<recipient>.<case_id>``.

The modules: ``options``, ``events`` and ``views``. Every public name is re-exported here: import
from ``shared.contracts.reporting``. The audit side (also owner "reporting") is
``shared.contracts.audit``.
"""

from __future__ import annotations

from shared.contracts.common import ConsentPurpose, Recipient
from shared.contracts.reporting.events import DisclosureRecorded
from shared.contracts.reporting.options import BasisKind, FieldPath, LawfulBasis
from shared.contracts.reporting.views import CaseView, ViewedEvent

__all__ = [
    "BasisKind",
    "CaseView",
    "ConsentPurpose",
    "DisclosureRecorded",
    "FieldPath",
    "LawfulBasis",
    "Recipient",
    "ViewedEvent",
]
