"""The reporting side's option lists: the recipients of shared case data and the grounds a
disclosure is made on (a consent purpose, or a lawful basis)."""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["BasisKind", "FieldPath", "LawfulBasis"]


class LawfulBasis(enum.StrEnum):
    """Grounds for sharing without (or despite the absence of) consent."""

    VITAL_INTERESTS = "vital_interests"
    SAFEGUARDING = "safeguarding"
    LEGAL_OBLIGATION = "legal_obligation"
    PUBLIC_TASK = "public_task"


BasisKind = Literal["consent", "lawful_basis", "override"]

FieldPath = str  # "<EventType>.<dotted path into its payload>", e.g. "ReferralSubmitted.client.address"
