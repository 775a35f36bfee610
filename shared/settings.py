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

from shared.crypto import KeyRing

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"


class SettingsError(ValueError):
    """Raised with one line per bad setting, naming the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # One server, or a cluster's servers comma-separated (the client fails over between them).
    nats_url: Annotated[str | None, Field(validation_alias=AliasChoices("NATS_URL"))] = None
    # TLS to NATS: the CA that signed the servers' certificates, and this client's own certificate
    # and key where the servers ask for one (mutual TLS). None: plain connections.
    nats_tls_ca: Annotated[Path | None, Field(validation_alias=AliasChoices("NATS_TLS_CA"))] = None
    nats_tls_cert: Annotated[Path | None, Field(validation_alias=AliasChoices("NATS_TLS_CERT"))] = None
    nats_tls_key: Annotated[Path | None, Field(validation_alias=AliasChoices("NATS_TLS_KEY"))] = None
    database_url: Annotated[str, Field(validation_alias=AliasChoices("DATABASE_URL"))] = (
        "sqlite:///var/sanctuary.db"
    )
    # Key-encryption key: 32 random bytes, base64. Wraps every case's data key. Only the key
    # custodian (services/keys) needs it, and refuses to start without it (``kek_ring``).
    kek: Annotated[str | None, Field(validation_alias=AliasChoices("SANCTUARY_KEK"))] = None
    # During a KEK rotation, the KEKs being rotated away (comma-separated), still able to unwrap.
    kek_previous: Annotated[str, Field(validation_alias=AliasChoices("SANCTUARY_KEK_PREVIOUS"))] = ""
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
    # The service's HTTP port for /health/live, /health/ready and /metrics. Unset: the service's
    # own default (shared/service.py, distinct per service); 0: any free port (tests).
    http_port: Annotated[
        int | None, Field(ge=0, le=65535, validation_alias=AliasChoices("SANCTUARY_HTTP_PORT"))
    ] = None
    # Where that port listens: loopback on one machine; 0.0.0.0 in a container, to be scraped.
    http_host: Annotated[str, Field(validation_alias=AliasChoices("SANCTUARY_HTTP_HOST"))] = "127.0.0.1"
    # Which process of a service this is, when several run (``sanctuary run --replicas``): names
    # the stream consumers its readers own, so replicas never remove each other's.
    replica: Annotated[int, Field(ge=1, le=8, validation_alias=AliasChoices("SANCTUARY_REPLICA"))] = 1
    log_json: Annotated[bool, Field(validation_alias=AliasChoices("SANCTUARY_LOG_JSON"))] = True
    log_level: Annotated[str, Field(validation_alias=AliasChoices("SANCTUARY_LOG_LEVEL"))] = "INFO"
    # A reader of CASES that makes no progress while behind for this long is stalled (not ready).
    reader_stall_s: Annotated[
        float, Field(gt=0, validation_alias=AliasChoices("SANCTUARY_READER_STALL_S"))
    ] = 60.0

    @field_validator("kek")
    @classmethod
    def _kek_is_32_bytes(cls, value: str | None) -> str | None:
        if value is not None:
            _kek_bytes(value)
        return value

    @field_validator("kek_previous")
    @classmethod
    def _previous_are_32_bytes(cls, value: str) -> str:
        for part in _parts(value):
            _kek_bytes(part)
        return value

    @field_validator("nats_url")
    @classmethod
    def _nats_scheme(cls, value: str | None) -> str | None:
        for url in value.split(",") if value else []:
            if not url.strip().startswith(("nats://", "tls://", "ws://", "wss://")):
                raise ValueError("each URL must start with nats://, tls://, ws:// or wss://")
        return value or None

    @field_validator("nats_tls_ca", "nats_tls_cert", "nats_tls_key")
    @classmethod
    def _tls_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("no such file")
        return value

    @property
    def nats_servers(self) -> list[str]:
        """NATS_URL as a list of server URLs (empty when unset)."""
        return [u.strip() for u in (self.nats_url or "").split(",") if u.strip()]

    @property
    def verify_keys_dir(self) -> Path:
        return self.public_keys_dir or self.signing_keys_dir

    @cached_property
    def kek_bytes(self) -> bytes:
        if self.kek is None:
            raise SettingsError("SANCTUARY_KEK: is required by the key custodian (32 random bytes, base64)")
        return base64.b64decode(self.kek)

    def kek_ring(self) -> KeyRing:
        """The custodian's keys: SANCTUARY_KEK wraps, it and SANCTUARY_KEK_PREVIOUS unwrap."""
        return KeyRing(self.kek_bytes, [base64.b64decode(p) for p in _parts(self.kek_previous)])


def _parts(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _kek_bytes(value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64") from exc
    if len(raw) != 32:
        raise ValueError(f"must decode to 32 bytes, got {len(raw)}")
    return raw


_ENV_NAMES = {
    "kek": "SANCTUARY_KEK",
    "nats_url": "NATS_URL",
    "nats_tls_ca": "NATS_TLS_CA",
    "nats_tls_cert": "NATS_TLS_CERT",
    "nats_tls_key": "NATS_TLS_KEY",
    "database_url": "DATABASE_URL",
    "SANCTUARY_KEK": "SANCTUARY_KEK",
    "kek_previous": "SANCTUARY_KEK_PREVIOUS",
    "http_port": "SANCTUARY_HTTP_PORT",
    "replica": "SANCTUARY_REPLICA",
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
