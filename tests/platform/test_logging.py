"""The log scrubber: a logged event with a client's name and address prints neither, whichever
way they reach the log (keyword, model, free text, exception, a library's stdlib logger)."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import structlog
from pydantic import BaseModel

from shared.events import registry
from shared.logging import configure_logging, get_logger, register_personal_keys
from shared.personal import Personal

NAME, ADDRESS, POSTCODE, PHONE = "Alice Example", "1 Test Road, Testtown", "TE1 1ST", "07700 900123"
SECRETS = (NAME, "Alice", ADDRESS, "Test Road", POSTCODE, PHONE, "alice@example.org", "01/02/1990")


class Client(BaseModel):
    client_full_name: Personal[str]
    home_address: Personal[str]
    age_band: str


class Visit(BaseModel):
    client: Client
    risk_level: str


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch):
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogRecordFactory())
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)  # both structlog and the stdlib handler write here
    configure_logging(json=True, level="DEBUG")
    register_personal_keys(registry.personal_keys())

    def read() -> list[str]:
        err = stderr.getvalue()
        leaked = sum(s in err for s in SECRETS)
        if leaked:  # pytest.fail, not assert: a failed assert would print the data it compared
            pytest.fail(f"{leaked} kind(s) of personal data reached the log", pytrace=False)
        return err.strip().splitlines()

    yield read
    root.handlers[:], level, factory = saved
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    structlog.reset_defaults()


def test_name_and_address_as_keywords_are_replaced(lines) -> None:
    get_logger("t").info("referral received", client_name=NAME, address=ADDRESS, case_id="C-1")
    (line,) = lines()
    logged = json.loads(line)
    assert logged["client_name"] == logged["address"] == "[redacted]"
    assert logged["case_id"] == "C-1"


def test_personal_fields_of_a_logged_model_are_dropped_by_their_markers(lines) -> None:
    visit = Visit(
        client=Client(client_full_name=NAME, home_address=ADDRESS, age_band="25-34"), risk_level="high"
    )
    get_logger("t").info("visit booked", visit=visit, details={"notes": {"whereabouts": ADDRESS}})
    logged = json.loads(lines()[0])
    assert logged["visit"]["client"]["age_band"] == "25-34"
    assert logged["visit"]["risk_level"] == "high"


def test_free_text_and_exceptions_are_scrubbed(lines) -> None:
    log = get_logger("t")
    log.warning(
        f"could not reach {PHONE} or alice@example.org at {ADDRESS} Road, {POSTCODE}, born 01/02/1990"
    )
    try:
        raise ValueError(f"bad postcode {POSTCODE} for {ADDRESS} Road")
    except ValueError:
        log.exception("handler failed")
    output = lines()
    assert len(output) == 2
    assert "[telephone]" in output[0] and "[postcode]" in output[0]


def test_library_logs_through_stdlib_are_scrubbed(lines) -> None:
    logging.getLogger("nats.aio.client").warning("message to %s at %s failed", PHONE, POSTCODE)
    assert "[telephone]" in lines()[0]
