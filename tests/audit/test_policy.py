"""Who may audit, and see personal fields: the auditor section of the real sharing policy."""

from __future__ import annotations

import pytest

from services.reporting.audit.policy import decide_audit_read
from shared.contracts.audit import AuditReadOutcome, AuditView
from shared.events import Role
from shared.settings import CONFIG_DIR
from shared.sharing import load_sharing_policy

TERMS = load_sharing_policy(CONFIG_DIR / "sharing-policy.yaml").auditor


def test_roles_in_the_policy_may_audit_with_or_without_personal_data():
    for role in (Role.AUDITOR, Role.COORDINATOR):
        decision = decide_audit_read(role, AuditView.TIMELINE, TERMS)
        assert decision.allowed
        assert decision.show_personal == TERMS.sees_personal_data(role)
    shown = decide_audit_read(Role.COORDINATOR, AuditView.TIMELINE, TERMS)
    assert shown.outcome is AuditReadOutcome.PERSONAL_DATA_SHOWN


@pytest.mark.parametrize("role", [Role.INSTALLER, Role.FUNDER, Role.CONTRACTOR_OFFICE, Role.REFERRER])
def test_a_role_outside_the_policy_is_refused_with_the_reason(role):
    decision = decide_audit_read(role, AuditView.TIMELINE, TERMS)
    assert decision.outcome is AuditReadOutcome.REFUSED and not decision.allowed
    assert role.value in str(decision.refusal)


def test_a_subject_access_export_needs_the_right_to_see_personal_data():
    for role in (Role.AUDITOR, Role.COORDINATOR):
        decision = decide_audit_read(role, AuditView.SUBJECT_ACCESS_EXPORT, TERMS)
        assert decision.allowed == TERMS.sees_personal_data(role)
