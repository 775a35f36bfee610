"""Compose asks each of the four services whether it is ready, on the port the service serves."""

from __future__ import annotations

import yaml

from shared.settings import REPO_ROOT

SERVICES = ("referral", "assessment", "contractor", "reporting")


def test_every_service_has_a_healthcheck_on_its_readiness_endpoint() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    for name in SERVICES:
        service = compose["services"][name]
        port = service["environment"]["SANCTUARY_HTTP_PORT"]
        check = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/health/ready" in check, name
        assert service["environment"]["SANCTUARY_HTTP_HOST"] == "0.0.0.0", name  # scrapeable
