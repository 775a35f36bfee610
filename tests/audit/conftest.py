"""Fixtures for the audit tests: the audit commands served as the reporting service serves them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from services.reporting.audit.wiring import AuditCommands
from shared.decider import Decider
from shared.service import Service, create_service_app
from shared.settings import Settings

# The audit commands need no case decider of their own; the reporting app supplies its real one.
_NO_CASE_COMMANDS: Decider = Decider(initial=dict, decide=lambda c, s: [], evolve=lambda s, e: s)


@pytest.fixture
async def audit_service(settings: Settings) -> AsyncIterator[Service[AuditCommands]]:
    app, service = create_service_app(
        settings, "reporting", _NO_CASE_COMMANDS, commands=[], parts=AuditCommands
    )
    await app.start()
    yield service
    await app.stop()


def new_case_id(prefix: str = "AU") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
