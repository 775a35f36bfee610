"""Audit and erasure inside the reporting service: who did what and when, who saw it, whether the
history is intact, and crypto-shredding of a case's personal data (by request or by retention).

The reporting app (services/reporting/app.py) picks up REGISTRATIONS and ON_STARTUP from here.
"""

from services.reporting.audit.wiring import audit_extra, retention_from_scheme, start_checkpoints

REGISTRATIONS = [audit_extra]
ON_STARTUP = [retention_from_scheme, start_checkpoints]
