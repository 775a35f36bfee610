"""``sanctuary report``: bad input is refused with the option named and nothing written; a good run
writes the report from the read models at DATABASE_URL under the scheme of SANCTUARY_SCHEME."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sanctuary.cli_report  # noqa: F401  (registers the commands)
from sanctuary.cli_app import app
from sanctuary.cli_errors import CliError
from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from shared.catalogue import load_catalogue
from shared.settings import CONFIG_DIR
from tests.reporting.year import YEAR_REPORT, year

pytestmark = pytest.mark.readmodel
SCHEME = CONFIG_DIR / "schemes" / "tower-hamlets.yaml"
TEST_KEK = base64.b64encode(b"k" * 32).decode()


def run(tmp_path: Path, *args: str, scheme: Path = SCHEME) -> tuple[int, str, str]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'read.db'}",
        "SANCTUARY_KEK": TEST_KEK,
        "SANCTUARY_SCHEME": str(scheme),
        "SANCTUARY_LOG_JSON": "true",
    }
    result = CliRunner().invoke(app, ["report", *args], env={**os.environ, **env})
    if isinstance(result.exception, CliError):  # sanctuary.cli.main prints it as one line
        return result.exception.code, result.stdout, str(result.exception)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "problems"),
    [
        (["--from", "01/04/2024", "--to", "2025-03-31"], ["--from: must be a date written YYYY-MM-DD"]),
        (
            ["--from", "2024-04-31", "--to", "next year"],
            ["--from: must be a date written YYYY-MM-DD", "--to: must be a date written YYYY-MM-DD"],
        ),
        (["--from", "2025-03-31", "--to", "2024-04-01"], ["--to: must not be before the 'from' date"]),
        (
            ["--from", "2024-04-01", "--to", "2025-04-01"],
            ["--to: a monitoring report covers at most twelve months (four quarters)"],
        ),
    ],
)
def test_a_bad_period_is_refused_naming_the_option(
    tmp_path: Path, args: list[str], problems: list[str]
) -> None:
    out = tmp_path / "report.json"
    code, _, err = run(tmp_path, *args, "--format", "json", "--out", str(out))
    assert code == 2
    assert err.strip().split("; ") == problems
    assert not out.exists()


def test_a_missing_scheme_file_is_named(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "--from", "2024-04-01", "--to", "2025-03-31", scheme=tmp_path / "none.yaml")
    assert code == 2 and err.startswith("SANCTUARY_SCHEME:")


def test_xlsx_needs_an_output_file(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "--from", "2024-04-01", "--to", "2025-03-31", "--format", "xlsx")
    assert code == 2 and "--out" in err


def test_the_report_from_the_read_models(tmp_path: Path) -> None:
    store = ReadModelStore(make_engine(f"sqlite:///{tmp_path / 'read.db'}"))
    store.ensure()
    project = MonitoringProjection(load_catalogue())
    for event in year().events:
        store.apply(event, project)
    store.engine.dispose()
    code, out, _ = run(tmp_path, *YEAR_REPORT)
    assert code == 0
    report = json.loads(out)
    assert report["scheme"] == "Tower Hamlets Sanctuary Scheme" and report["audience"] == "coordinator"
    assert report["sections"][0]["rows"][0]["Total"] == 8
    html = tmp_path / "report.html"
    code, _, _ = run(
        tmp_path, "--from", "2024-04-01", "--to", "2025-03-31", "--format", "html", "--out", str(html)
    )
    assert code == 0 and "<svg" in html.read_text(encoding="utf-8")
