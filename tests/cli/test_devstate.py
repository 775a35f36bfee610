"""What ``sanctuary run`` leaves for the CLI in ``.sanctuary/`` (development only): the running
system's NATS URL, readable by this user alone; read only for variables not already set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sanctuary import devstate


def test_run_env_is_private_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NATS_URL", "SANCTUARY_KEK"):
        monkeypatch.setenv(name, "")  # recorded, so whatever the test sets is undone after it
        monkeypatch.delenv(name)
    path = devstate.write_run_env("nats://127.0.0.1:4999", tmp_path)
    assert path.stat().st_mode & 0o077 == 0
    (tmp_path / "dev.env").write_text("# development key\nSANCTUARY_KEK=a2V5\n")
    origin = devstate.load_dev_environment(tmp_path)
    assert origin == {"NATS_URL": str(path), "SANCTUARY_KEK": str(tmp_path / "dev.env")}
    assert os.environ["NATS_URL"] == "nats://127.0.0.1:4999"


def test_a_variable_already_set_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://example:4222")
    devstate.write_run_env("nats://127.0.0.1:4999", tmp_path)
    assert devstate.load_dev_environment(tmp_path) == {}
    assert os.environ["NATS_URL"] == "nats://example:4222"
