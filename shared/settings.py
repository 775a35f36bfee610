"""Every setting, read from the environment (or a .env file) by pydantic-settings.

A missing or malformed setting stops start-up with one message naming the variable.
"""

from __future__ import annotations

import base64
import binascii
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"


class SettingsError(ValueError):
    """Raised with one line per bad setting, naming the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    nats_url: Annotated[str | None, Field(validation_alias=AliasChoices("NATS_URL"))] = None
    database_url: Annotated[str, Field(validation_alias=AliasChoices("DATABASE_URL"))] = (
        "sqlite:///var/sanctuary.db"
    )
    # Key-encryption key: 32 random bytes, base64. Wraps every case's data key.
    kek: Annotated[str, Field(validation_alias=AliasChoices("SANCTUARY_KEK"))]
    scheme_config: Annotated[Path, Field(validation_alias=AliasChoices("SANCTUARY_SCHEME"))] = (
        CONFIG_DIR / "schemes" / "standing-together.yaml"
    )
    catalogue_path: Annotated[Path, Field(validation_alias=AliasChoices("SANCTUARY_CATALOGUE"))] = (
        CONFIG_DIR / "catalogue.yaml"
    )
    sharing_policy: Annotated[Path, Field(validation_alias=AliasChoices("SANCTUARY_SHARING_POLICY"))] = (
        CONFIG_DIR / "sharing-policy.yaml"
    )
    signing_keys_dir: Annotated[Path, Field(validation_alias=AliasChoices("SANCTUARY_SIGNING_KEYS"))] = Path(
        ".sanctuary/keys"
    )
    # Where every service's public key is published for verification. Apart from the private keys
    # in a deployment (each service then holds only its own); on one machine, the same folder.
    public_keys_dir: Annotated[Path | None, Field(validation_alias=AliasChoices("SANCTUARY_PUBLIC_KEYS"))] = (
        None
    )
    stream_replicas: Annotated[
        int, Field(ge=1, le=5, validation_alias=AliasChoices("SANCTUARY_REPLICAS"))
    ] = 1
    duplicate_window_s: Annotated[
        float, Field(gt=0, validation_alias=AliasChoices("SANCTUARY_DUPLICATE_WINDOW_S"))
    ] = 120.0
    log_json: Annotated[bool, Field(validation_alias=AliasChoices("SANCTUARY_LOG_JSON"))] = True
    log_level: Annotated[str, Field(validation_alias=AliasChoices("SANCTUARY_LOG_LEVEL"))] = "INFO"
    # A reader of CASES that makes no progress while behind for this long is stalled (not ready).
    reader_stall_s: Annotated[
        float, Field(gt=0, validation_alias=AliasChoices("SANCTUARY_READER_STALL_S"))
    ] = 60.0

    @field_validator("kek")
    @classmethod
    def _kek_is_32_bytes(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("must be base64") from exc
        if len(raw) != 32:
            raise ValueError(f"must decode to 32 bytes, got {len(raw)}")
        return value

    @field_validator("nats_url")
    @classmethod
    def _nats_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("nats://", "tls://", "ws://", "wss://")):
            raise ValueError("must start with nats://, tls://, ws:// or wss://")
        return value or None

    @property
    def verify_keys_dir(self) -> Path:
        return self.public_keys_dir or self.signing_keys_dir

    @cached_property
    def kek_bytes(self) -> bytes:
        return base64.b64decode(self.kek)


_ENV_NAMES = {
    "kek": "SANCTUARY_KEK",
    "nats_url": "NATS_URL",
    "database_url": "DATABASE_URL",
    "SANCTUARY_KEK": "SANCTUARY_KEK",
}


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one clear line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_input=False, include_url=False):
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            lines.append(f"{_ENV_NAMES.get(name, name)}: {err['msg']}")
        raise SettingsError("; ".join(lines)) from None
