"""Published contract of the audit side (owner "reporting"): audit reads and erasures.

Both events must be recordable on a case whose key has already been destroyed, so they hold no
Personal fields. Their free-text reasons outlive erasure; they are refused if they contain
anything shaped like personal data (telephone, postcode, street address, e-mail).

The modules: ``options``, ``events`` and ``commands``. Every public name is re-exported here.
"""

from __future__ import annotations

from shared.contracts.audit.commands import EraseCase, RecordAuditRead
from shared.contracts.audit.events import AuditReadRecorded, CasePersonalDataErased
from shared.contracts.audit.options import AuditReadOutcome, AuditView, ErasureBasis, Reason

__all__ = [
    "AuditReadOutcome",
    "AuditReadRecorded",
    "AuditView",
    "CasePersonalDataErased",
    "EraseCase",
    "ErasureBasis",
    "Reason",
    "RecordAuditRead",
]
