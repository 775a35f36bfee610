"""The demo's commands sent as the agency systems that would send them: one connection per agency
account (coordinator, referrer, CPO, fire service, contractor office), each command through the one
whose roles include the command's actor. What the secured server allows them is what runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from sanctuary.agency_access import AGENCY_USERS
from shared.events import Role
from shared.runtime import inbox_prefix


@dataclass
class AgencyConnections:
    """Quacks like a NATS connection's ``request`` (all the demo driver uses), routing by role."""

    by_role: dict[Role, NATS] = field(default_factory=dict)
    clients: list[NATS] = field(default_factory=list)

    @classmethod
    async def connect(cls, urls: dict[str, str]) -> AgencyConnections:
        """``urls``: each agency user's URL (credentials in it)."""
        self = cls()
        for user, roles in AGENCY_USERS.items():
            nc = await nats.connect(
                urls[user], name=f"sanctuary-demo-{user}", inbox_prefix=inbox_prefix(user)
            )
            self.clients.append(nc)
            self.by_role.update(dict.fromkeys(roles, nc))
        return self

    async def request(self, subject: str, payload: bytes = b"", timeout: float = 10.0, **options: Any) -> Msg:
        role = Role(json.loads(payload)["actor"]["role"])
        client = self.by_role.get(role)
        if client is None:
            raise LookupError(f"no agency system sends commands for the role {role.value}")
        return await client.request(subject, payload, timeout=timeout, **options)

    async def close(self) -> None:
        for nc in self.clients:
            await nc.close()
