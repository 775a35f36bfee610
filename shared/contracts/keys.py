"""Published contract of the key custodian (owner "keys"): the destruction of a case's data key.

Recorded on the case's own history (``case.<case_id>.keys.CaseKeyDestroyed``), signed by the
custodian and chained like every other event, so an auditor sees who asked, why and when. It holds
no personal fields: it is written when the key is being destroyed.
"""

from __future__ import annotations

from pydantic import Field

from shared.events import Event


class CaseKeyDestroyed(Event):
    """The case's data key was destroyed by the key custodian; the case's personal fields can no
    longer be decrypted by anyone. The envelope's actor is the person whose command asked for it."""

    owner = "keys"
    requested_by: str = Field(
        min_length=1, max_length=40, description="The service that asked (only reporting may)."
    )
    command_id: str = Field(
        min_length=1, max_length=200, description="The command that asked for the erasure."
    )
    reason: str = Field(
        min_length=1, max_length=300, description="Why, as given in that command (never client details)."
    )
