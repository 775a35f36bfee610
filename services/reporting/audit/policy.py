"""Who may read a case for audit, and whether personal fields are shown to them.

FALLBACK_AUDIT_ACCESS is used until the information-sharing policy (config/sharing-policy.yaml)
carries an audit section: auditors (internal audit, the ICO, a domestic homicide review) and the
scheme coordinator see the whole case; a subject access export is the coordinator's (the data
controller answers the request). Every other role is refused, and the refusal is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.audit import AuditReadOutcome, AuditView
from shared.events import Role


@dataclass(frozen=True)
class AuditAccess:
    views: frozenset[AuditView]
    personal_data: bool


FALLBACK_AUDIT_ACCESS: dict[Role, AuditAccess] = {
    Role.AUDITOR: AuditAccess(frozenset({AuditView.TIMELINE, AuditView.DISCLOSURES}), personal_data=True),
    Role.COORDINATOR: AuditAccess(frozenset(AuditView), personal_data=True),
}


@dataclass(frozen=True)
class AuditDecision:
    outcome: AuditReadOutcome
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is not AuditReadOutcome.REFUSED

    @property
    def show_personal(self) -> bool:
        return self.outcome is AuditReadOutcome.PERSONAL_DATA_SHOWN


def decide_audit_read(
    role: Role, view: AuditView, access: dict[Role, AuditAccess] = FALLBACK_AUDIT_ACCESS
) -> AuditDecision:
    rule = access.get(role)
    if rule is None or view not in rule.views:
        return AuditDecision(
            AuditReadOutcome.REFUSED, f"the sharing policy does not let a {role.value} see a case's {view}"
        )
    if rule.personal_data:
        return AuditDecision(AuditReadOutcome.PERSONAL_DATA_SHOWN)
    return AuditDecision(AuditReadOutcome.PERSONAL_DATA_WITHHELD)
