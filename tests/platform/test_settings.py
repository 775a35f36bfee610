"""Settings come from the environment through pydantic-settings; a missing or malformed one stops
start-up with one clear line naming the variable, never echoing the value."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from shared.settings import SettingsError, load_settings

GOOD_KEK = base64.b64encode(bytes(range(32))).decode()
SETTING_NAMES = (
    "NATS_URL",
    "DATABASE_URL",
    "SANCTUARY_KEK",
    "SANCTUARY_SCHEME",
    "SANCTUARY_REPLICAS",
    "SANCTUARY_DUPLICATE_WINDOW_S",
    "SANCTUARY_LOG_JSON",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANCTUARY_KEK", GOOD_KEK)
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:14222")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/sanctuary")
    monkeypatch.setenv("SANCTUARY_REPLICAS", "3")
    settings = load_settings()
    assert settings.kek_bytes == bytes(range(32))
    assert settings.nats_url == "nats://127.0.0.1:14222"
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.stream_replicas == 3


def test_a_dot_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"SANCTUARY_KEK={GOOD_KEK}\nNATS_URL=nats://127.0.0.1:14223\n")
    assert load_settings().nats_url == "nats://127.0.0.1:14223"


def test_a_missing_key_encryption_key_is_named() -> None:
    # Only the key custodian holds the KEK: the others start without it, the custodian does not.
    settings = load_settings()
    with pytest.raises(SettingsError) as info:
        settings.kek_ring()
    assert str(info.value).startswith("SANCTUARY_KEK: ")
    assert "required" in str(info.value).lower()


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SANCTUARY_KEK", "not-base64!!", "must be base64"),
        ("SANCTUARY_KEK", base64.b64encode(b"short-key-material").decode(), "32 bytes"),
        ("NATS_URL", "http://127.0.0.1:4222", "must start with nats://"),
        ("SANCTUARY_REPLICAS", "7", "less than or equal to 5"),
        ("SANCTUARY_DUPLICATE_WINDOW_S", "soon", "valid number"),
    ],
)
def test_a_malformed_setting_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv("SANCTUARY_KEK", GOOD_KEK)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{variable}: ")
    assert problem in message
    assert value not in message


def test_every_bad_setting_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "localhost")
    monkeypatch.setenv("SANCTUARY_REPLICAS", "0")
    with pytest.raises(SettingsError) as info:
        load_settings()
    named = {line.split(":")[0] for line in str(info.value).split("; ")}
    assert named == {"NATS_URL", "SANCTUARY_REPLICAS"}
