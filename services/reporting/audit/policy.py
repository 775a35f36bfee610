"""Who may read a case for audit, and whether personal fields are shown to them: the ``auditor``
section of the information-sharing policy (config/sharing-policy.yaml). Every other role is
refused, and the refusal is recorded. A subject access export is nothing but the client's
personal data, so only a role the policy shows personal data to may make one.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.audit import AuditReadOutcome, AuditView
from shared.events import Role
from shared.sharing import AuditTerms


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


def decide_audit_read(role: Role, view: AuditView, terms: AuditTerms) -> AuditDecision:
    if not terms.may_audit(role):
        return AuditDecision(
            AuditReadOutcome.REFUSED, f"the sharing policy does not let a {role.value} audit a case"
        )
    personal = terms.sees_personal_data(role)
    if view is AuditView.SUBJECT_ACCESS_EXPORT and not personal:
        return AuditDecision(
            AuditReadOutcome.REFUSED,
            f"a subject access export is the client's personal data, which the sharing policy "
            f"does not show to a {role.value}",
        )
    if personal:
        return AuditDecision(AuditReadOutcome.PERSONAL_DATA_SHOWN)
    return AuditDecision(AuditReadOutcome.PERSONAL_DATA_WITHHELD)
