"""For development only: what ``sanctuary run`` leaves in ``.sanctuary/`` so the operator's
commands work in the same directory with nothing exported.

``dev.env`` holds the development key (made once by ``sanctuary run``); ``run.env`` holds the URL
of the NATS server the running system uses, written when it starts and removed when it stops.
A variable already set in the environment always wins; a deployment sets them all and has no
``.sanctuary/`` folder.
"""

from __future__ import annotations

import atexit
import contextlib
import os
from pathlib import Path

from dotenv import dotenv_values

STATE_DIR = Path(".sanctuary")
RUN_ENV = "run.env"
DEV_ENV = "dev.env"


def write_run_env(nats_url: str, state_dir: Path = STATE_DIR) -> Path:
    """Record the running system's NATS URL (readable by this user only); removed at exit."""
    path = state_dir / RUN_ENV
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(f"# Written by `sanctuary run` while it runs. Development only.\nNATS_URL={nats_url}\n")
    atexit.register(_remove, path)
    return path


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def load_dev_environment(state_dir: Path = STATE_DIR) -> dict[str, str]:
    """Set, from ``run.env`` then ``dev.env``, each variable not already set; returns what was set
    and from which file (to say where a value came from when it turns out wrong)."""
    origin: dict[str, str] = {}
    for name in (RUN_ENV, DEV_ENV):
        path = state_dir / name
        if not path.is_file():
            continue
        for key, value in dotenv_values(path).items():
            if value and key not in os.environ:
                os.environ[key] = value
                origin[key] = str(path)
    return origin


# What load_dev_environment set in this process, for messages (e.g. "NATS_URL from .sanctuary/run.env").
loaded: dict[str, str] = {}


def where(variable: str) -> str:
    """Where a variable's value came from, for an error message."""
    return f"{variable} from {loaded[variable]}" if variable in loaded else variable
