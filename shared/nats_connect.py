"""How a client reaches NATS, from the settings: the list of servers (NATS_URL may name a cluster's
nodes, comma-separated) and the TLS context (NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY).

Every service's connections (nats-py and the FastStream broker) and the command-line tools take
their options from here, so a cluster with TLS needs nothing else."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NATS

from shared.settings import Settings


def server_list(url: str) -> list[str]:
    """``nats://a:4222,nats://b:4222`` as a list; one URL as a list of one."""
    return [u.strip() for u in url.split(",") if u.strip()]


def tls_context(ca: Path | None, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext | None:
    """A client TLS context trusting ``ca`` (else the system's CAs when a certificate is given),
    presenting ``cert``/``key`` if given. None when none of them is set: a plain connection."""
    if ca is None and cert is None and key is None:
        return None
    if (cert is None) != (key is None):
        raise ValueError("NATS_TLS_CERT and NATS_TLS_KEY go together: set both or neither")
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca) if ca else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert is not None and key is not None:
        context.load_cert_chain(str(cert), str(key))
    return context


def settings_tls(settings: Settings) -> ssl.SSLContext | None:
    return tls_context(settings.nats_tls_ca, settings.nats_tls_cert, settings.nats_tls_key)


def connect_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``nats.connect``: ``servers`` and, with TLS configured, ``tls``."""
    if not settings.nats_servers:
        raise RuntimeError("NATS_URL is not set")
    options: dict[str, Any] = {"servers": settings.nats_servers}
    context = settings_tls(settings)
    if context is not None:
        options["tls"] = context
    return options


async def connect(settings: Settings, name: str, **options: Any) -> NATS:
    """A nats-py connection to the configured servers, reconnecting to any of them."""
    return await nats.connect(**connect_options(settings), name=name, **options)


def environment_options(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``connect_options`` from the environment alone, for tools that need NATS but must not need
    the rest of the settings (a backup needs no key-encryption key)."""
    env = os.environ if env is None else env
    url = env.get("NATS_URL", "")
    if not server_list(url):
        raise RuntimeError("NATS_URL is not set")
    files = [Path(env[n]) if env.get(n) else None for n in ("NATS_TLS_CA", "NATS_TLS_CERT", "NATS_TLS_KEY")]
    options: dict[str, Any] = {"servers": server_list(url)}
    context = tls_context(*files)
    if context is not None:
        options["tls"] = context
    return options
