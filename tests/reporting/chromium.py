"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands
on file descriptor 3, replies and events on 4, each a JSON message ending in a NUL byte), so no
WebSocket client is needed. Started with the network shut off: background services disabled and
every host name resolving to nothing."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    return next((path for name in NAMES if (path := shutil.which(name))), None)


@dataclass
class Page:
    """What Chromium saw loading a page: every request it made, and the answers to our questions."""

    requests: list[str] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes = b""


class Chromium:
    def __init__(self, binary: str, deadline: float = 60.0) -> None:
        self.deadline = deadline
        self.profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_chromium_r, self._to_chromium = os.pipe()
        self._from_chromium, from_chromium_w = os.pipe()

        def wire() -> None:  # in the child: our pipes become its descriptors 3 and 4
            high_r, high_w = os.dup(to_chromium_r), os.dup(from_chromium_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile.name}", "about:blank"],
            # 3 and 4 as well: the descriptors kept open after ``wire`` ran.
            pass_fds=(3, 4, to_chromium_r, from_chromium_w),
            preexec_fn=wire,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chromium_r)
        os.close(from_chromium_w)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=self.deadline)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chromium)
        os.close(self._from_chromium)
        self.profile.cleanup()

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chromium, json.dumps(message).encode() + b"\0")
        reply = self._until(lambda m: m.get("id") == self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    def _until(self, wanted: Any) -> dict[str, Any]:
        """Read messages (keeping events) until one is ``wanted``; a generous deadline, not a sleep."""
        end = time.monotonic() + self.deadline
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return dict(message)
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer")
            ready, _, _ = select.select([self._from_chromium], [], [], left)
            if ready:
                chunk = os.read(self._from_chromium, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk

    def load(self, path: Path, questions: dict[str, str], width: int = 1200, height: int = 1600) -> Page:
        """Open a file, wait for it to load, ask the questions (JavaScript expressions, by value)."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Network.enable", session)
        self.send("Page.enable", session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.events.clear()
        self.send("Page.navigate", session, url=path.resolve().as_uri())
        self._until(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)
        page = Page()
        for name, expression in questions.items():
            result = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
            page.answers[name] = result["result"].get("value")
        shot = self.send("Page.captureScreenshot", session, format="png", captureBeyondViewport=False)
        page.screenshot = base64.b64decode(shot["data"])
        page.requests = [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]
        return page
