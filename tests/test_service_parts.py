"""Every service is built by the one recipe, with its parts declared and typed: building an app
connects nothing, and each service's parts are there by name (a missing one fails here, not at
run time)."""

from __future__ import annotations

from pathlib import Path

from services.assessment.app import create_app as assessment_app
from services.contractor.app import create_app as contractor_app
from services.contractor.parts import ContactWatch, Staff
from services.keys.app import Custodian
from services.keys.app import create_app as keys_app
from services.referral.app import create_app as referral_app
from services.reporting.app import create_app as reporting_app
from services.reporting.audit.wiring import AuditCommands, Checkpoints, Retention
from services.reporting.monitoring.wiring import Monitoring
from services.reporting.views.wiring import Views
from shared.service import NoParts, parts_of
from shared.settings import load_settings
from tests.conftest import TEST_KEK


def test_each_service_declares_its_parts_and_builds_without_connecting(tmp_path: Path) -> None:
    # Nothing listens here: building must not try.
    settings = load_settings(
        NATS_URL="nats://127.0.0.1:1", SANCTUARY_KEK=TEST_KEK, DATABASE_URL=f"sqlite:///{tmp_path}/rm.db"
    )
    _, referral = referral_app(settings)
    assert referral.parts == NoParts() and parts_of(referral.parts) == []

    _, assessment = assessment_app(settings)
    assert [type(p).__name__ for p in parts_of(assessment.parts)] == ["FireLookup"]

    _, contractor = contractor_app(settings)
    assert [type(p) for p in parts_of(contractor.parts)] == [Staff, ContactWatch]

    _, keys = keys_app(settings)
    assert [type(p) for p in parts_of(keys.parts)] == [Custodian]

    _, reporting = reporting_app(settings)
    assert [type(p) for p in parts_of(reporting.parts)] == [
        Monitoring,
        Views,
        AuditCommands,
        Retention,
        Checkpoints,
    ]
