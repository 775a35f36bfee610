"""``sanctuary run --cluster 3`` as a developer runs it: three nodes on free loopback ports, the
services up on them, the exchange through the bus, a clean stop; every node holds its own replica of
CASES and of the case keys (three replicas), and the services were told to make them so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT

pytestmark = pytest.mark.nats
SANCTUARY = [sys.executable, "-c", "from sanctuary.cli import main; main()"]


def test_run_with_a_three_node_cluster(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("NATS_URL", "SANCTUARY_KEK", "SANCTUARY_REPLICAS")
    }
    # This checkout's code, in the command and in the services it starts (an installed copy of the
    # package elsewhere, say an editable install from another worktree, is not what is tested).
    path = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env |= {"COLUMNS": "250", "PYTHONPATH": path}
    result = subprocess.run(
        [*SANCTUARY, "run", "--cluster", "3", "--demo-cases", "0"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "3-node JetStream cluster" in out and "streams with 3 replicas" in out
    assert "Event store: stream CASES" in out
    assert "Stopped: services and NATS shut down." in out
    nodes = tmp_path / "var" / "nats-cluster"
    for node in ("n1", "n2", "n3"):
        streams = nodes / node / "jetstream" / "$G" / "streams"
        assert (streams / "CASES").is_dir(), f"{node} holds no replica of CASES"
        assert (streams / "KV_CASE_KEYS").is_dir(), f"{node} holds no replica of the case keys"
