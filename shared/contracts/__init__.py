"""The published language: every service's events and commands, so any service (and the
reporting and audit tools) can decode any event on the bus without importing another service.

Importing this package registers every event type.
"""

from shared.contracts import assessment, audit, contractor, keys, referral, reporting

__all__ = ["assessment", "audit", "contractor", "keys", "referral", "reporting"]
