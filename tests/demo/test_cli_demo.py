"""``sanctuary demo`` refuses bad input with a message naming the option, before touching anything."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import sanctuary.cli_demo
import sanctuary.cli_schemas  # noqa: F401  (a second command, so typer keeps "demo" as a subcommand)
from sanctuary.cli_app import app
from sanctuary.cli_errors import CliError

# Wide enough that the error box does not cut the message.
runner = CliRunner(env={"COLUMNS": "200"})


def test_a_year_start_that_is_not_a_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:1")
    result = runner.invoke(app, ["demo", "--year-start", "2025-13-01"])
    assert result.exit_code == 2
    assert "--year-start" in result.output and "YYYY-MM-DD" in result.output


def test_no_nats_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NATS_URL", raising=False)
    result = runner.invoke(app, ["demo", "--cases", "5"])
    # Raised to sanctuary.cli.main, which prints it as one line with this exit code.
    assert isinstance(result.exception, CliError) and result.exception.code == 2
    assert "NATS_URL" in str(result.exception)


@pytest.mark.parametrize("cases", ["0", "-3", "many"])
def test_a_number_of_cases_that_is_not_a_year(cases: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:1")
    result = runner.invoke(app, ["demo", "--cases", cases])
    assert result.exit_code == 2
    assert "--cases" in result.output
