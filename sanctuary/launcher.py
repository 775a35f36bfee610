"""Runs the whole system on one machine: a nats-server (unless NATS_URL names one), a development
key-encryption key (unless SANCTUARY_KEK is set), and the four services as child processes.

Used by ``sanctuary run`` and by anything else that needs the system up (the demo, tests).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
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

from shared.nats_connect import server_list
from shared.nats_server import NatsServer

SERVICES = ("referral", "assessment", "contractor", "reporting")
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


def start_service(name: str, env: dict[str, str], logs_dir: Path, cwd: Path) -> ServiceProcess:
    logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = logs_dir / f"{name}.log"
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", f"services.{name}"],
        cwd=cwd,
        env=env,
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
    nc = await nats.connect(server_list(url), name="sanctuary-launcher", connect_timeout=5)
    try:
        while len(answered) < len(processes):
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
            if len(answered) < len(processes):
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


def start_nats(store_dir: Path) -> NatsServer:
    """A JetStream server on a free port (never 4222), fsyncing before every acknowledgement."""
    return NatsServer(store_dir=store_dir, sync_interval="always").start()


def service_environment(nats_url: str, kek: str, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["NATS_URL"] = nats_url
    env[KEK_VARIABLE] = kek
    env.setdefault("SANCTUARY_LOG_JSON", "true")
    env["PYTHONUNBUFFERED"] = "1"
    return env
