"""Runs ``sanctuary`` as the operator does: a separate process, in a directory of the test's own,
with only the variables the test gives (none of the developer's NATS_URL or key)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SANCTUARY = [sys.executable, "-c", "from sanctuary.cli import main; main()"]
# Variables the operator's shell might hold; each test says which it sets.
_OURS = ("NATS_URL", "SANCTUARY_KEK", "DATABASE_URL", "SANCTUARY_SIGNING_KEYS", "SANCTUARY_PUBLIC_KEYS")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def one_line_error(self) -> str:
        """The failure's one line on stderr, with nothing else there."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, self.err
        assert lines[0].startswith("sanctuary"), lines[0]
        return lines[0]


def sanctuary(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 120
) -> Result:
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    proc = subprocess.run(
        [*SANCTUARY, *args],
        cwd=cwd,
        env=clean | {"COLUMNS": "200"} | (env or {}),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in result.text, result.text
    return result
