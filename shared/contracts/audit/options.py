"""The audit side's option lists, and the shape of a reason for reading or erasing a case.

A reason outlives erasure, so it is refused if it contains anything shaped like personal data
(telephone, postcode, street address, e-mail).
"""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.logging import scrub_text

__all__ = ["AuditReadOutcome", "AuditView", "ErasureBasis", "Reason"]


def _no_personal_shapes(value: str) -> str:
    if scrub_text(value) != value:
        raise ValueError(
            "must not contain personal data (a telephone number, postcode, street address or e-mail)"
        )
    return value


# Why someone read or erased a case: kept after erasure, so it must not describe the client.
Reason = Annotated[str, Field(min_length=3, max_length=300), AfterValidator(_no_personal_shapes)]


class AuditView(enum.StrEnum):
    """What the reader looked at."""

    TIMELINE = "timeline"
    SUBJECT_ACCESS_EXPORT = "subject access export"
    DISCLOSURES = "disclosures"


class AuditReadOutcome(enum.StrEnum):
    """What the sharing policy answered to an audit read."""

    PERSONAL_DATA_SHOWN = "granted, personal data shown"
    PERSONAL_DATA_WITHHELD = "granted, personal data withheld"
    REFUSED = "refused"


class ErasureBasis(enum.StrEnum):
    """Why a case's personal data is erased."""

    RETENTION = "retention"
    DATA_SUBJECT_REQUEST = "request from the data subject"
    RECORDED_IN_ERROR = "recorded in error"
    OTHER = "other"
