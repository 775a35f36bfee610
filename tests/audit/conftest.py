"""Fixtures for the audit tests: the audit commands served as the reporting service serves them."""

from __future__ import annotations

import io
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import structlog

from services.reporting.audit.wiring import AuditCommands
from shared.decider import Decider
from shared.logging import configure_logging
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


@pytest.fixture
def captured_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Everything the services log during the test, through the production log configuration."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(json=True, level="DEBUG")
    yield buffer
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)
