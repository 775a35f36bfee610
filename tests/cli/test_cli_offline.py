"""The rows of the operator's table that need no running system: each expected failure is one
line naming the problem and what to do, with a conventional exit code, no traceback, and never
the value the operator typed (a planted telephone number must not come back)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctuary.cli_app import sanctuary_version
from sanctuary.devtools.nats_server import free_port
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from tests.cli.run import sanctuary
from tests.conftest import TEST_KEK

PHONE = "07700 900123"
STAFF = ("--agency", "Internal Audit", "--person", "aud-4", "--role", "auditor")


def test_version(tmp_path: Path) -> None:
    result = sanctuary("--version", cwd=tmp_path)
    assert result.code == 0 and result.out.strip() == f"sanctuary {sanctuary_version()}"


def test_a_reason_holding_a_telephone_number_is_refused_by_the_option_name_never_echoed(
    tmp_path: Path,
) -> None:
    result = sanctuary(
        "audit", "case", "C-1", *STAFF, "--reason", f"she rang from {PHONE}", cwd=tmp_path,
        env={"SANCTUARY_KEK": TEST_KEK, "NATS_URL": f"nats://127.0.0.1:{free_port()}"},
    )  # fmt: skip
    assert result.code == 2
    line = result.one_line_error()
    assert "--reason" in line and "personal data" in line
    assert PHONE not in result.text and "900123" not in result.text


def test_erase_with_a_reason_too_short_names_the_option(tmp_path: Path) -> None:
    result = sanctuary(
        "erase", "C-1", "--reason", "ok", "--agency", "Council", "--person", "co-1", cwd=tmp_path,
        env={"SANCTUARY_KEK": TEST_KEK, "NATS_URL": f"nats://127.0.0.1:{free_port()}"},
    )  # fmt: skip
    assert result.code == 2 and "--reason" in result.one_line_error()


def test_audit_verify_with_nothing_to_verify_says_what_to_give(tmp_path: Path) -> None:
    result = sanctuary("audit", "verify", cwd=tmp_path)
    assert result.code == 2
    line = result.one_line_error()
    assert "CASE_ID" in line and "--all" in line and "not both" not in line


def test_retention_refuses_a_day_in_the_future_before_connecting(tmp_path: Path) -> None:
    result = sanctuary(
        "retention", "run", "--as-of", "2099-01-01", cwd=tmp_path,
        env={"SANCTUARY_KEK": TEST_KEK, "NATS_URL": f"nats://127.0.0.1:{free_port()}"},
    )  # fmt: skip
    assert result.code == 2 and "--as-of" in result.one_line_error() and "future" in result.err


@pytest.mark.parametrize("workers", ["-1", "two"])
def test_rebuild_with_workers_that_are_not_a_count_names_the_option(tmp_path: Path, workers: str) -> None:
    result = sanctuary(
        "rebuild", "--workers", workers, cwd=tmp_path,
        env={"SANCTUARY_KEK": TEST_KEK, "NATS_URL": f"nats://127.0.0.1:{free_port()}"},
    )  # fmt: skip
    assert result.code == 2 and "--workers" in result.one_line_error()


def test_an_unknown_command_is_one_line_with_where_to_look(tmp_path: Path) -> None:
    result = sanctuary("audit", "frobnicate", cwd=tmp_path)
    assert result.code == 2 and "--help" in result.one_line_error()


@pytest.mark.parametrize(
    "args",
    [
        ("status",),
        ("audit", "verify", "--all"),
        ("retention", "run"),
        ("erase", "C-1", "--reason", "client asked", "--agency", "Council", "--person", "co-1", "--yes"),
        ("invoice", "--from", "2025-04-01", "--to", "2025-06-30", "--out", "inv"),
        ("rebuild",),
        ("demo", "--cases", "5"),
        ("run", "--service", "referral"),
    ],
    ids=lambda a: a[0] if a[0] != "audit" else "audit-verify",
)
def test_with_nats_down_every_command_fails_at_once_naming_the_server_not_its_password(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    port = free_port()  # nothing listens there
    result = sanctuary(
        *args, cwd=tmp_path,
        env={"SANCTUARY_KEK": TEST_KEK, "NATS_URL": f"nats://alice:s3cret-pw@127.0.0.1:{port}"},
    )  # fmt: skip
    assert result.code == 1
    line = result.one_line_error()
    assert f"nats://***@127.0.0.1:{port}" in line and "sanctuary run" in line
    assert "s3cret-pw" not in result.text and "alice" not in result.text


def test_no_nats_url_says_how_to_get_one(tmp_path: Path) -> None:
    result = sanctuary("status", cwd=tmp_path)
    assert result.code == 2 and "NATS_URL" in result.one_line_error()


# -- the report: SQL read models only, no key, never a new database -----------------------------

REPORT = ("report", "--from", "2025-04-01", "--to", "2025-06-30")


def _read_models(path: Path) -> None:
    """A read-model database as the reporting service leaves it (empty, but made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ReadModelStore(make_engine(f"sqlite:///{path}")).ensure()


def test_report_after_make_run_in_the_same_directory_needs_no_exports_and_no_key(tmp_path: Path) -> None:
    _read_models(tmp_path / "var" / "sanctuary.db")
    (tmp_path / ".sanctuary").mkdir()
    (tmp_path / ".sanctuary" / "run.env").write_text(f"NATS_URL=nats://127.0.0.1:{free_port()}\n")
    result = sanctuary(*REPORT, "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.lstrip().startswith("{")


def test_report_from_another_directory_says_where_it_looked(tmp_path: Path) -> None:
    result = sanctuary(*REPORT, cwd=tmp_path)
    assert result.code == 1
    line = result.one_line_error()
    assert "no read-model database" in line and str(tmp_path / "var" / "sanctuary.db") in line
    assert not (tmp_path / "var").exists()


def test_report_never_creates_the_database_it_names(tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere.db"
    result = sanctuary(*REPORT, cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{missing}"})
    assert result.code == 1 and "DATABASE_URL" in result.one_line_error()
    assert not missing.exists()


def test_report_on_a_database_without_read_models_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    make_engine(f"sqlite:///{empty}").connect().close()  # a file, but no tables
    result = sanctuary(*REPORT, cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{empty}"})
    assert result.code == 1 and "holds no read models" in result.one_line_error()


def test_report_on_an_unreachable_database_names_it_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql://reporting:pg-s3cret@127.0.0.1:{free_port()}/sanctuary"
    result = sanctuary(*REPORT, cwd=tmp_path, env={"DATABASE_URL": url})
    assert result.code == 1
    line = result.one_line_error()
    assert "cannot open the database" in line and "127.0.0.1" in line
    assert "pg-s3cret" not in result.text


def test_report_to_a_directory_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    _read_models(tmp_path / "var" / "sanctuary.db")
    result = sanctuary(*REPORT, "--out", "/nonexistent/x", cwd=tmp_path)
    assert result.code == 2 and "--out" in result.one_line_error()


def test_debug_shows_the_traceback_as_well(tmp_path: Path) -> None:
    clean_run = sanctuary(*REPORT, cwd=tmp_path)
    assert clean_run.code == 1
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "from sanctuary.cli import main; main()", "--debug", *REPORT],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in __import__("os").environ.items() if k not in ("DATABASE_URL", "NATS_URL")},
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == clean_run.err.strip()
