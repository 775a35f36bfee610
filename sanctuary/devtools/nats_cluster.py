"""A JetStream cluster of real nats-server processes on loopback: routes between every node,
``sync_interval: always``, and optionally TLS on client, route and leaf connections.

For ``sanctuary run --cluster 3``, the cluster fault tests and the backup drill. A node can be
killed (kill -9), stopped and started again on the same ports and store, as in production.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctuary.devtools.devcerts import TlsFiles
from sanctuary.devtools.nats_server import NatsServer, ScratchRun, free_port


def _tls_block(tls: TlsFiles, verify: bool, indent: str = "  ") -> str:
    lines = [
        "tls {",
        f'  cert_file: "{tls.cert}"',
        f'  key_file: "{tls.key}"',
        f'  ca_file: "{tls.ca}"',
        f"  verify: {'true' if verify else 'false'}",
        "  timeout: 5",
        "}",
    ]
    return "\n".join(indent + line for line in lines)


@dataclass
class NodePorts:
    client: int
    route: int
    monitor: int
    leaf: int


@dataclass
class NatsCluster(ScratchRun):
    """``size`` nodes named n1..nN in cluster ``name``. With ``tls`` (the server's certificate),
    every connection is TLS: routes authenticate each other by certificate, clients must use TLS
    (and present a certificate of the same CA when ``verify_clients``). ``include`` is copied next
    to each node's config and included (the users and accounts)."""

    size: int = 3
    base_dir: Path | None = None
    tls: TlsFiles | None = None
    verify_clients: bool = False
    include: Path | None = None
    leafnodes: bool = False
    name: str = "sanctuary"
    nodes: list[NatsServer] = field(default_factory=list, init=False)
    ports: list[NodePorts] = field(default_factory=list, init=False)

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated (what NATS_URL takes)."""
        return ",".join(self.urls)

    def leaf_url(self, index: int = 0) -> str:
        scheme = "tls" if self.tls else "nats"
        return f"{scheme}://127.0.0.1:{self.ports[index].leaf}"

    def node_name(self, index: int) -> str:
        return f"n{index + 1}"

    def pick_ports(self) -> None:
        """Four free loopback ports per node (client, route, monitor, leaf), no two the same."""
        taken: set[int] = set()
        self.ports = []
        for _ in range(self.size):
            picked: list[int] = []
            while len(picked) < 4:
                port = free_port()
                if port not in taken:
                    taken.add(port)
                    picked.append(port)
            self.ports.append(NodePorts(*picked))

    def _node_config(self, index: int) -> str:
        own = self.ports[index]
        routes = ", ".join(
            f"nats-route://127.0.0.1:{p.route}" for i, p in enumerate(self.ports) if i != index
        )
        lines = [
            f"server_name: {self.node_name(index)}",
            f"http: 127.0.0.1:{own.monitor}",
            "cluster {",
            f"  name: {self.name}",
            f"  listen: 127.0.0.1:{own.route}",
            f"  routes: [{routes}]",
        ]
        if self.tls:
            lines.append(_tls_block(self.tls, verify=True))
        lines.append("}")
        if self.tls:
            lines.append(_tls_block(self.tls, verify=self.verify_clients, indent=""))
        if self.leafnodes:
            lines += ["leafnodes {", f"  listen: 127.0.0.1:{own.leaf}"]
            if self.tls:  # a leaf node presents a certificate of the platform's CA, as in deploy/
                lines.append(_tls_block(self.tls, verify=True))
            lines.append("}")
        if self.include:
            lines.append(f"include ./{self.include.name}")
        return "\n".join(lines)

    def start(self, timeout: float = 60.0) -> NatsCluster:
        if self.base_dir is None:
            self.base_dir = self._make_scratch("sanctuary-cluster-")
        self.pick_ports()
        self.nodes = []
        for index in range(self.size):
            store = self.base_dir / self.node_name(index)
            store.mkdir(parents=True, exist_ok=True)
            if self.include:
                shutil.copy(self.include, store / self.include.name)
            node = NatsServer(
                port=self.ports[index].client,
                store_dir=store,
                sync_interval="always",
                config_extra=self._node_config(index),
                scheme="tls" if self.tls else "nats",
            )
            self.nodes.append(node)
        with self._cleaned_up_if_it_fails():
            for node in self.nodes:
                node.start()
            self.wait_ready(timeout=timeout)
        return self

    def healthy(self, index: int) -> bool:
        """The node's own /healthz: JetStream up, the meta leader known, its streams current."""
        url = f"http://127.0.0.1:{self.ports[index].monitor}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return bool(json.loads(reply.read()).get("status") == "ok")
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def wait_ready(self, indexes: list[int] | None = None, timeout: float = 60.0) -> None:
        """Until every node in ``indexes`` (all by default) says it is healthy. A node that exits
        meanwhile fails at once; either failure says what each node logged last."""
        waiting = list(range(self.size)) if indexes is None else indexes
        deadline = time.monotonic() + timeout
        while waiting:
            waiting = [i for i in waiting if not self.healthy(i)]
            if not waiting:
                return
            gone = [i for i in waiting if self.nodes[i].exited()]
            if gone:
                raise RuntimeError(f"cluster node(s) exited while starting: {self._last_words(gone)}")
            if time.monotonic() > deadline:
                last = self._last_words(waiting)
                raise TimeoutError(f"cluster node(s) not healthy within {timeout:.0f}s: {last}")
            time.sleep(0.2)

    def _last_words(self, indexes: list[int]) -> str:
        return "; ".join(f"{self.node_name(i)}: {self.nodes[i].last_log_line()}" for i in indexes)

    def varz(self, index: int, path: str = "jsz?streams=true&config=true") -> dict[str, Any]:
        """A monitoring endpoint of one node, as JSON."""
        url = f"http://127.0.0.1:{self.ports[index].monitor}/{path}"
        with urllib.request.urlopen(url, timeout=5) as reply:
            data: dict[str, Any] = json.loads(reply.read())
            return data

    def kill(self, index: int) -> None:
        """kill -9 one node: no flush, no goodbye to its routes."""
        self.nodes[index].kill()

    def stop_node(self, index: int) -> None:
        self.nodes[index].stop()

    def restart(self, index: int, timeout: float = 60.0) -> None:
        """Start a stopped or killed node again on its ports and store; waits until it is current."""
        self.nodes[index].start()
        self.wait_ready([index], timeout=timeout)

    def stop(self) -> None:
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.stop()
