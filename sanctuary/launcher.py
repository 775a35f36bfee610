"""Runs the whole system on one machine: a nats-server (unless NATS_URL names one), a development
key-encryption key (unless SANCTUARY_KEK is set), and the four services as child processes.

The server it starts runs the deploy configuration itself (``deploy/nats-users.conf``'s accounts
and users, generated from the code), with development passwords made once into ``.sanctuary/``;
it is provisioned as the administrator, and each service connects as its own user.

Used by ``sanctuary run`` and by anything else that needs the system up (the demo, tests).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from sanctuary.deployconfig import (
    ADMIN,
    KEYS,
    OPERATOR,
    nats_users_conf,
    password_variable,
    users,
)
from sanctuary.devtools.nats_server import NatsServer
from sanctuary.provision import provision
from shared.nats_connect import server_list
from shared.runtime import inbox_prefix

SERVICES = ("referral", "assessment", "contractor", "reporting")
# The case-key custodian, started before the services (they ask it for every case key).
OPTIONAL_SERVICES = (KEYS,)
KEK_VARIABLE = "SANCTUARY_KEK"


class LaunchError(RuntimeError):
    """The system could not be brought up; the message says which part and why."""


def dev_kek(env_file: Path) -> tuple[str, bool]:
    """The development key from ``env_file``, created once. Returns (key, created_now).

    Only for a developer's machine: anyone holding this file can read every case's personal data.
    """
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            name, _, value = line.partition("=")
            if name.strip() == KEK_VARIABLE and value.strip():
                return value.strip(), False
    key = base64.b64encode(os.urandom(32)).decode()
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.touch(mode=0o600)
    env_file.write_text(
        "# Development key-encryption key, made by `sanctuary run`. Never use it for real cases.\n"
        f"{KEK_VARIABLE}={key}\n"
    )
    return key, True


def dev_passwords(env_file: Path) -> tuple[dict[str, str], bool]:
    """A development password for every NATS user of the deploy configuration, made once into
    ``env_file`` (private). Returns ({user: password}, any_created_now). Letters and digits only,
    so they sit in a nats:// URL as they are."""
    known: dict[str, str] = {}
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            name, _, value = line.partition("=")
            known[name.strip()] = value.strip()
    passwords: dict[str, str] = {}
    created = False
    for user in users():
        variable = password_variable(user)
        if not known.get(variable):
            known[variable] = secrets.token_hex(16)
            created = True
        passwords[user] = known[variable]
    if created:
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.touch(mode=0o600)
        env_file.chmod(0o600)
        lines = ["# Development NATS passwords, made by `sanctuary run`. Never use them for real cases."]
        env_file.write_text("\n".join([*lines, *(f"{k}={v}" for k, v in sorted(known.items()))]) + "\n")
    return passwords, created


def secured_config(passwords: dict[str, str], path: Path) -> Path:
    """The deploy configuration with the development passwords written in (private file), for the
    server ``sanctuary run`` starts (its environment is the launcher's, which services inherit)."""
    conf = nats_users_conf()
    for user, password in passwords.items():
        conf = conf.replace(f"${password_variable(user)}\n", f'"{password}"\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(conf)
    return path


def user_url(url: str, user: str, password: str) -> str:
    """``url`` with a user's credentials in it (how each service is told who it is)."""
    scheme, _, host = url.partition("://")
    return f"{scheme}://{user}:{password}@{host.rpartition('@')[2]}"


@dataclass(frozen=True)
class Credentials:
    """Who the launcher itself connects as: the administrator to provision, the operator to ask
    for health and show consumers, and a URL per service and agency user. With NATS_URL given,
    every one of them is that URL as it is."""

    urls: dict[str, str]
    default: str

    def url(self, user: str) -> str:
        return self.urls.get(user, self.default)

    @classmethod
    def for_server(cls, url: str, passwords: dict[str, str]) -> Credentials:
        return cls({u: user_url(url, u, p) for u, p in passwords.items()}, url)

    @classmethod
    def as_given(cls, url: str) -> Credentials:
        return cls({}, url)


async def provision_server(admin_url: str, replicas: int = 1, duplicate_window_s: float = 120.0) -> list[str]:
    """``sanctuary provision`` as the administrator; returns one line per stream. Raises LaunchError
    saying so when the credential is not allowed to provision (any service's, say)."""
    refused: list[str] = []

    async def on_error(exc: Exception) -> None:
        if "permissions violation" in str(exc).lower():
            refused.append(str(exc))

    nc = await nats.connect(
        server_list(admin_url),
        name="sanctuary-provision",
        inbox_prefix=inbox_prefix(ADMIN),
        connect_timeout=5,
        error_cb=on_error,
    )
    try:
        return [f"{p.name}: {p.action}" for p in await provision(nc, replicas, duplicate_window_s)]
    except Exception:
        if refused:
            raise LaunchError(
                f"provisioning failed: this NATS user may not provision ({refused[0]}); "
                "use the administrator's credentials"
            ) from None
        raise
    finally:
        await nc.close()


def missing_services(names: tuple[str, ...] | list[str], root: Path, entry: str = "__main__.py") -> list[str]:
    """Services whose entry point (``python -m services.<name>``, or ``app.py``) does not exist yet."""
    return [n for n in names if not (root / "services" / n / entry).exists()]


@dataclass
class ServiceProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (FastStream shuts down cleanly on it), then SIGKILL if it hangs."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


def start_service(
    name: str, env: dict[str, str], logs_dir: Path, cwd: Path, replica: int = 1
) -> ServiceProcess:
    """One process of a service. Replicas of a service share its command queue group; each has
    its own log (``<name>.log``, ``<name>-2.log``, ...)."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = logs_dir / (f"{name}.log" if replica == 1 else f"{name}-{replica}.log")
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", f"services.{name}"],
        cwd=cwd,
        env=env | {"SANCTUARY_REPLICA": str(replica)},
        stdout=log,
        stderr=subprocess.STDOUT,
        # Own session: a Ctrl-C in the terminal reaches only us, and we stop the children in order.
        start_new_session=True,
    )
    return ServiceProcess(name, process, log_path, log)


async def wait_healthy(url: str, processes: list[ServiceProcess], timeout: float = 30.0) -> dict[str, float]:
    """Ask ``health.<service>`` until each answers; returns seconds each took. Raises LaunchError."""
    started = time.monotonic()
    answered: dict[str, float] = {}
    nc = await nats.connect(
        server_list(url), name="sanctuary-launcher", connect_timeout=5, inbox_prefix=inbox_prefix(OPERATOR)
    )
    try:
        # Replicas share a name: any one of them answering shows the service is serving.
        names = {p.name for p in processes}
        while len(answered) < len(names):
            for proc in processes:
                if proc.name in answered:
                    continue
                if not proc.alive():
                    raise LaunchError(
                        f"{proc.name} service exited with code {proc.process.returncode}; see {proc.log_path}"
                    )
                with contextlib.suppress(NoRespondersError, NatsTimeoutError):
                    await nc.request(f"health.{proc.name}", b"", timeout=0.5)
                    answered[proc.name] = time.monotonic() - started
            if time.monotonic() - started > timeout:
                waiting = ", ".join(p.name for p in processes if p.name not in answered)
                raise LaunchError(f"no health reply within {timeout:.0f}s from: {waiting}")
            if len(answered) < len(names):
                await asyncio.sleep(0.2)
    finally:
        await nc.close()
    return answered


@dataclass
class System:
    """What ``sanctuary run`` brought up, so it can be stopped in reverse order."""

    nats_url: str
    nats: NatsServer | None
    services: list[ServiceProcess] = field(default_factory=list)

    def stop(self) -> None:
        for proc in reversed(self.services):
            proc.stop()
        if self.nats is not None:
            self.nats.stop()


def start_nats(store_dir: Path, passwords: dict[str, str] | None = None) -> NatsServer:
    """A JetStream server on a free port (never 4222), fsyncing before every acknowledgement; with
    ``passwords``, secured by the deploy configuration's accounts and users (the server resolves
    includes next to its own config file, which NatsServer writes into the store)."""
    extra = ""
    if passwords is not None:
        secured_config(passwords, store_dir / "nats-users.conf")
        extra = "include ./nats-users.conf"
    return NatsServer(store_dir=store_dir, sync_interval="always", config_extra=extra).start()


def service_environment(nats_url: str, kek: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment: its own NATS credentials and, for the key custodian alone, the KEK
    (no other service holds it: a stolen service credential then opens no case key by itself)."""
    env = dict(os.environ if base is None else base)
    env["NATS_URL"] = nats_url
    env.pop(KEK_VARIABLE, None)
    if kek is not None:
        env[KEK_VARIABLE] = kek
    env.setdefault("SANCTUARY_LOG_JSON", "true")
    env["PYTHONUNBUFFERED"] = "1"
    return env
