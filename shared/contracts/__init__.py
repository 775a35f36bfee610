"""The published language: every service's events and commands, so any service (and the
reporting and audit tools) can decode any event on the bus without importing another service.

Each side is a package (``referral``, ``assessment``, ``contractor``, ``reporting``, ``audit``)
re-exporting every public name; ``common`` holds what several sides share, ``keys`` the key
custodian's one event and ``envelope`` the stored event's envelope. No side imports another.

Importing this package registers every event type.
"""

from shared.contracts import assessment, audit, common, contractor, keys, referral, reporting

__all__ = ["assessment", "audit", "common", "contractor", "keys", "referral", "reporting"]
