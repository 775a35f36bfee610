"""The backup drill on real clusters: a scheme year's cases written to a 3-node cluster, backed up
with `sanctuary backup create`, restored with `sanctuary backup restore` into a fresh cluster;
there `sanctuary audit verify --all` passes and the monitoring report is identical. A restore never
overwrites: into a cluster that has the streams, or from a damaged backup, it refuses and changes
nothing."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import nats
import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from shared.crypto import KeyStore
from shared.eventstore import EventStore, ensure_stream
from shared.signing import load_or_create_signer
from tests.audit.test_verify_nats import run_cli
from tests.conftest import TEST_KEK, running_custodian
from tests.reporting.on_nats import append_history
from tests.reporting.year import YEAR_REPORT, year

pytestmark = pytest.mark.nats
REPORT = ("report", *YEAR_REPORT)


async def sanctuary(url: str, tmp: Path, database: str, *args: str) -> tuple[int, str]:
    env = {
        "NATS_URL": url,
        "SANCTUARY_KEK": TEST_KEK,
        "SANCTUARY_REPLICAS": "3",
        "SANCTUARY_SIGNING_KEYS": str(tmp / "keys"),
        "DATABASE_URL": f"sqlite:///{tmp / database}",
        "SANCTUARY_LOG_JSON": "true",
    }
    return await run_cli(*args, env=env)


@pytest.fixture
async def year_on_cluster(cluster: NatsCluster, tmp_path: Path) -> int:
    """A scheme year of cases, each event appended by its owner, on three replicas."""
    nc = await nats.connect(servers=cluster.urls)
    js = nc.jetstream()
    await ensure_stream(js, 3)
    keys = KeyStore(js, base64.b64decode(TEST_KEK))
    await keys.start()

    def store_for(owner: str) -> EventStore:
        return EventStore(nc, keys, owner, load_or_create_signer(tmp_path / "keys", owner))

    try:
        recorded = await append_history(store_for, year(f"BK{uuid.uuid4().hex[:6]}-"))
    finally:
        await keys.stop()
        await nc.close()  # before the test: the drill stops this cluster
    return len(recorded)


async def test_restore_into_a_fresh_cluster_verifies_and_reports_the_same(
    cluster: NatsCluster, year_on_cluster: int, tmp_path: Path, signing_dir: Path
) -> None:
    # The rebuild opens the cases' personal fields with keys the custodian hands out.
    async with running_custodian(cluster.url, signing_dir):
        code, before = await sanctuary(cluster.url, tmp_path, "before.db", "rebuild")
        assert code == 0, before
        code, report_before = await sanctuary(cluster.url, tmp_path, "before.db", *REPORT)
        assert code == 0, report_before
    backup = tmp_path / "backup"
    code, out = await sanctuary(cluster.url, tmp_path, "before.db", "backup", "create", "--out", str(backup))
    assert code == 0, out
    assert f"CASES: {year_on_cluster} messages" in out
    cluster.stop()  # the old cluster is gone: its disks lost

    with NatsCluster(base_dir=tmp_path / "fresh") as fresh:
        code, out = await sanctuary(fresh.url, tmp_path, "after.db", "backup", "restore", str(backup))
        assert code == 0, out
        code, out = await sanctuary(fresh.url, tmp_path, "after.db", "audit", "verify", "--all")
        assert code == 0, out
        assert "0 not intact" in out
        async with running_custodian(fresh.url, signing_dir):  # the restored case keys
            code, out = await sanctuary(fresh.url, tmp_path, "after.db", "rebuild")
            assert code == 0, out
            code, report_after = await sanctuary(fresh.url, tmp_path, "after.db", *REPORT)
            assert code == 0, report_after
        assert report_after == report_before, "the restored system's monitoring report differs"

        nc = await nats.connect(servers=fresh.urls)
        try:
            info = await nc.jetstream().stream_info("CASES")
            assert info.state.messages == year_on_cluster
            assert info.config.num_replicas == 3 and info.cluster is not None
        finally:
            await nc.close()

        # Again, into the cluster that now holds the streams: refused, nothing changed.
        code, out = await sanctuary(fresh.url, tmp_path, "after.db", "backup", "restore", str(backup))
        assert code == 1 and "already exist" in out, out


async def test_a_damaged_or_foreign_backup_is_refused(
    cluster: NatsCluster, year_on_cluster: int, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    code, out = await sanctuary(cluster.url, tmp_path, "x.db", "backup", "create", "--out", str(backup))
    assert code == 0, out
    # Writing over an existing backup is refused.
    code, out = await sanctuary(cluster.url, tmp_path, "x.db", "backup", "create", "--out", str(backup))
    assert code == 1 and "already holds a backup" in out, out
    # A directory that is not a backup.
    code, out = await sanctuary(cluster.url, tmp_path, "x.db", "backup", "restore", str(tmp_path / "keys"))
    assert code == 1 and "not a Sanctuary backup" in out, out
    # One flipped byte: refused before anything is sent.
    data = backup / "CASES.tar.s2"
    damaged = bytearray(data.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    data.write_bytes(bytes(damaged))
    with NatsCluster(base_dir=tmp_path / "fresh") as fresh:
        code, out = await sanctuary(fresh.url, tmp_path, "x.db", "backup", "restore", str(backup))
        assert code == 1 and "CASES.tar.s2: missing or damaged" in out, out
        nc = await nats.connect(servers=fresh.urls)
        try:
            assert await nc.jetstream().streams_info() == []
        finally:
            await nc.close()
