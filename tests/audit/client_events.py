"""A synthetic client record used by the audit tests (owner "referral", as a referral would be)."""

from __future__ import annotations

from shared.events import Event
from shared.personal import Personal


class AuditTestClientRecorded(Event):
    owner = "referral"
    client_name: Personal[str]
    client_address: Personal[str]
    client_telephone: Personal[str]
    # A coarse monitoring category: not personal, survives erasure.
    age_band: str


CLIENT_NAME = "Alice Example"
CLIENT_ADDRESS = "1 Test Road, Testtown, TE1 1ST"
CLIENT_TELEPHONE = "07700 900123"
SECRETS = (CLIENT_NAME, CLIENT_ADDRESS, CLIENT_TELEPHONE)


def client_recorded() -> AuditTestClientRecorded:
    return AuditTestClientRecorded(
        client_name=CLIENT_NAME,
        client_address=CLIENT_ADDRESS,
        client_telephone=CLIENT_TELEPHONE,
        age_band="25-34",
    )
