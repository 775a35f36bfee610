"""The nats-server launcher: a free port (4222 is taken on our machines), its own store directory,
sync_interval in the config, a clean stop, kill -9 for crash tests, and a restart on the same store."""

from __future__ import annotations

import socket
from pathlib import Path

import nats
import pytest

from sanctuary.devtools.nats_cluster import NatsCluster
from sanctuary.devtools.nats_server import NatsServer, free_port

pytestmark = pytest.mark.nats


def test_free_port_is_bindable_and_never_assumes_4222() -> None:
    port = free_port()
    assert port != 4222
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


async def test_two_servers_get_their_own_ports_and_stores(tmp_path: Path) -> None:
    with NatsServer(store_dir=tmp_path / "a", sync_interval="always") as a, NatsServer() as b:
        assert a.port != b.port and 4222 not in (a.port, b.port)
        assert a.store_dir != b.store_dir
        config = (tmp_path / "a" / "nats.conf").read_text()
        assert "sync_interval: always" in config and f'store_dir: "{tmp_path / "a"}"' in config
        assert "sync_interval" not in (b.store_dir / "nats.conf").read_text()  # type: ignore[operator]
        nc = await nats.connect(a.url)
        js = nc.jetstream()
        await js.add_stream(name="PROBE", subjects=["probe.>"])
        ack = await js.publish("probe.one", b"x")
        assert ack.seq == 1
        await nc.close()
        assert (tmp_path / "a" / "jetstream").is_dir()


def test_stop_is_clean_and_cleanup_removes_only_its_own_temporary_store(tmp_path: Path) -> None:
    owned = NatsServer().start()
    process = owned.process
    assert process is not None and owned.store_dir is not None
    owned_store = owned.store_dir
    owned.cleanup()
    assert process.returncode == 0  # SIGTERM: nats-server shuts down in order
    assert not owned_store.exists()

    given = NatsServer(store_dir=tmp_path / "kept")
    given.start()
    given.cleanup()
    assert (tmp_path / "kept" / "nats.conf").exists()


async def test_restart_after_kill_on_the_same_port_and_store(tmp_path: Path) -> None:
    server = NatsServer(store_dir=tmp_path / "nats", sync_interval="always").start()
    try:
        nc = await nats.connect(server.url, allow_reconnect=False)
        js = nc.jetstream()
        await js.add_stream(name="PROBE", subjects=["probe.>"])
        await js.publish("probe.one", b"x")
        port = server.port
        server.kill()
        await nc.close()
        assert server.process is not None and server.process.returncode == -9
        server.start()
        assert server.port == port
        nc = await nats.connect(server.url)
        info = await nc.jetstream().stream_info("PROBE")
        assert info.state.messages == 1
        await nc.close()
    finally:
        server.cleanup()


def test_a_server_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    bad = NatsServer(store_dir=tmp_path / "bad", config_extra="this is { not a config")
    with pytest.raises(RuntimeError, match="nats-server exited at start"):
        bad.start()


def test_a_cluster_that_cannot_start_leaves_nothing_behind(tmp_path: Path) -> None:
    include = tmp_path / "users.conf"
    include.write_text("this is { not a config")
    bad = NatsCluster(size=2, include=include)
    with pytest.raises(RuntimeError, match="nats-server exited at start"):
        bad.start()
    assert bad.base_dir is not None and not bad.base_dir.exists()  # its temporary directory is gone
    assert all(node.process is None for node in bad.nodes)


def test_a_port_taken_by_another_process_is_not_mistaken_for_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]

        refused = NatsServer(port=taken)
        with pytest.raises(RuntimeError, match="in use"):
            refused.start()
        # Nothing left behind: the temporary store it made for itself is gone.
        assert refused.store_dir is not None and not refused.store_dir.exists()

        # A free port chosen for us and grabbed by someone else first: a fresh one is tried.
        ports = iter([taken])
        real_free_port = free_port
        monkeypatch.setattr(
            "sanctuary.devtools.nats_server.free_port", lambda: next(ports, None) or real_free_port()
        )
        with NatsServer() as server:
            assert server.port != taken
            assert server.process is not None and server.process.poll() is None


async def test_a_config_file_given_is_run_as_it_is(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "shipped.conf"
    store = tmp_path / "js"
    config.write_text(f'listen: 127.0.0.1:{port}\nserver_name: shipped\njetstream {{ store_dir: "{store}" }}')
    with NatsServer(port=port, store_dir=tmp_path / "run", config_file=config) as server:
        nc = await nats.connect(server.url)
        try:
            assert nc.connected_server_version is not None
            assert (await nc.jetstream().account_info()).streams == 0
        finally:
            await nc.close()
    assert not (tmp_path / "run" / "nats.conf").exists(), "the given config was not used"
    assert (tmp_path / "run" / "nats-server.log").read_text(), "the node did not log to its store directory"


def test_a_cluster_node_that_exits_is_reported_at_once_with_what_it_said(tmp_path: Path) -> None:
    with NatsCluster(base_dir=tmp_path / "cluster") as nodes:
        nodes.kill(1)
        # Not a timeout: a node that has exited will never be healthy, so waiting for it stops at once.
        with pytest.raises(RuntimeError, match=r"exited while starting: n2: "):
            nodes.wait_ready([0, 1], timeout=600)
