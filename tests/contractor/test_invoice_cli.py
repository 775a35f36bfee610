"""``sanctuary invoice``: bad dates named by option; the files written from a real stream."""

from __future__ import annotations

import asyncio
import base64
import csv
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import nats
import pytest
import typer
from typer.testing import CliRunner

from sanctuary.cli_errors import CliError
from sanctuary.cli_invoice import invoice_command
from services.contractor.domain.rules import UK_TIME
from shared.codec import CasePosition
from shared.contracts.contractor import InstalledItem, ItemsInstalled
from shared.crypto import KeyStore
from shared.events import Actor, Role
from shared.eventstore import EventStore, ensure_stream
from shared.settings import Settings
from tests.conftest import TEST_KEK

RUNNER = CliRunner()
# The command on an app of its own (the shared ``app`` holds whichever command modules were imported).
app = typer.Typer()
app.callback()(lambda: None)
app.command("invoice")(invoice_command)
INSTALLER = Actor(agency="Test Locks Ltd", person="inst-1", role=Role.INSTALLER)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-13-01", "--to", "2025-06-30"], "--from: must be a date written YYYY-MM-DD"),
        (["--from", "2025-04-01", "--to", "30/06/2025"], "--to: must be a date written YYYY-MM-DD"),
        (["--from", "2025-06-30", "--to", "2025-04-01"], "--to: is before --from"),
    ],
)
def test_bad_dates_are_named_and_nothing_is_written(args: list[str], message: str, tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["invoice", *args, "--out", str(tmp_path / "out")])
    # Raised to sanctuary.cli.main, which prints it as one line with its exit code.
    assert isinstance(result.exception, CliError)
    assert result.exception.code == 2 and message in str(result.exception)
    assert not (tmp_path / "out").exists()


async def _installed(url: str, case_id: str, on: date) -> None:
    nc = await nats.connect(url)
    try:
        await ensure_stream(nc.jetstream())
        keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
        await keys.start()
        item = InstalledItem(
            item_code="DOOR-CHAIN", quantity=2, unit_cost_gbp=Decimal("15.00"), total_gbp=Decimal("30.00")
        )
        await EventStore(nc, keys, "contractor").append(
            case_id,
            [ItemsInstalled(items=[item], total_gbp=Decimal("30.00"))],
            expected=CasePosition(),
            actor=INSTALLER,
            command_id=f"cmd-{uuid.uuid4().hex}",
            occurred_at=datetime.combine(on, time(11), tzinfo=UK_TIME),
        )
        await keys.stop()
    finally:
        await nc.close()


@pytest.mark.nats
def test_invoice_command_writes_csv_and_xlsx_from_the_stream(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert settings.nats_url is not None
    case_id = f"INV-{uuid.uuid4().hex[:12]}"
    asyncio.run(_installed(settings.nats_url, case_id, date(2031, 5, 14)))
    monkeypatch.setenv("NATS_URL", settings.nats_url)
    monkeypatch.setenv("SANCTUARY_KEK", TEST_KEK)
    out = tmp_path / "invoices"
    result = RUNNER.invoke(app, ["invoice", "--from", "2031-04-01", "--to", "2031-06-30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    csv_path = out / "sanctuary-invoice-2031-04-01-2031-06-30.csv"
    assert (out / "sanctuary-invoice-2031-04-01-2031-06-30.xlsx").exists()
    rows = [row for row in csv.reader(csv_path.open(encoding="utf-8")) if row[0] == case_id]
    assert rows == [
        [case_id, "2031-05-14", "DOOR-CHAIN", "Door Chain", "2", "15.00", "30.00"],
        [case_id, "", "", f"Subtotal for case {case_id}", "", "", "30.00"],
    ]
