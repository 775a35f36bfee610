"""docker-compose.cluster.yml has the shape the cluster needs: three NATS nodes, each with its own
config and volume; every service reaches all three over TLS as its own user with its own client
certificate, and makes its streams with three replicas; every secret it needs is in env.example."""

from __future__ import annotations

import re
from typing import Any

import yaml

from shared.settings import REPO_ROOT

SERVICES = ("referral", "assessment", "contractor", "reporting")
NODES = ("nats-1", "nats-2", "nats-3")


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO_ROOT / "docker-compose.cluster.yml").read_text()))


def test_three_nodes_each_with_its_config_and_its_own_store() -> None:
    services = compose()["services"]
    stores = set()
    for n, node in enumerate(NODES, start=1):
        spec = services[node]
        assert spec["command"] == ["-c", f"/etc/nats/cluster/nats-{n}.conf"]
        assert (REPO_ROOT / "deploy" / "cluster" / f"nats-{n}.conf").is_file()
        [store] = [v.split(":")[0] for v in spec["volumes"] if v.endswith(":/data")]
        stores.add(store)
        assert any(v.endswith(":/etc/nats/tls:ro") for v in spec["volumes"])
    assert len(stores) == 3


def test_every_service_reaches_every_node_over_tls_as_itself_with_three_replicas() -> None:
    services = compose()["services"]
    for name in SERVICES:
        env = services[name]["environment"]
        urls = env["NATS_URL"].split(",")
        password = f"${{NATS_{name.upper()}_PASSWORD}}"
        assert urls == [f"tls://{name}:{password}@{node}:4222" for node in NODES], name
        assert env["SANCTUARY_REPLICAS"] == "3"
        assert set(services[name]["depends_on"]) >= set(NODES)
        certs = [v for v in services[name]["volumes"] if "/tls/" in v]
        assert any(v.endswith(f"/{name}.pem:/tls/client.pem:ro") for v in certs), name
        assert any(v.endswith(f"/{name}-key.pem:/tls/client-key.pem:ro") for v in certs), name


def test_every_secret_it_needs_is_in_the_example_env() -> None:
    text = (REPO_ROOT / "docker-compose.cluster.yml").read_text()
    needed = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    example = (REPO_ROOT / "deploy" / "env.example").read_text()
    listed = {line.split("=")[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    assert needed <= listed, needed - listed
