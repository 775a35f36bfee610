"""Command endpoints on a real nats-server hand commands to the case handler concurrently.

Given a command endpoint whose handler waits until the test lets it answer, when several commands
arrive at once, then they are all being handled together (FastStream's default would take them one
at a time); and a malformed one among them is still refused by field without stopping the others.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import nats
import pytest
from faststream.nats import NatsBroker

from shared.bus import command_endpoint, send_command
from shared.commands import Command, CommandReply
from shared.events import Actor, Role
from shared.handler import Outcome
from shared.settings import Settings
from tests.kernel_events import AddKernelNote

pytestmark = pytest.mark.nats


def note(case_id: str) -> AddKernelNote:
    return AddKernelNote(
        command_id=f"cmd-{uuid.uuid4().hex}",
        case_id=case_id,
        actor=Actor(agency="Test", person="p1", role=Role.COORDINATOR),
        text="hello",
        client_name="Cat Example",
    )


async def test_commands_are_handled_together_and_a_bad_one_is_refused_by_field(settings: Settings) -> None:
    inside: list[str] = []
    release = asyncio.Event()

    async def handle(command: Command) -> Outcome:
        inside.append(command.case_id)
        await release.wait()
        return Outcome(command.case_id, [f"ev-{command.case_id}"], [])

    assert settings.nats_url is not None
    broker = NatsBroker(settings.nats_url)
    command_endpoint(broker, AddKernelNote, handle)
    await broker.start()
    nc = await nats.connect(settings.nats_url)
    try:
        cases = [f"CC-{uuid.uuid4().hex[:8]}" for _ in range(8)]
        sent = [asyncio.create_task(send_command(nc, note(c), timeout=60)) for c in cases]
        for _ in range(600):
            if len(inside) == len(cases):
                break
            await asyncio.sleep(0.05)
        assert sorted(inside) == sorted(cases)
        bad = {"command_id": "cmd-0000001", "case_id": "x", "actor": {"role": "nobody"}, "text": 5}
        reply = await nc.request(AddKernelNote.subject(), json.dumps(bad).encode(), timeout=30)
        refused = CommandReply.model_validate_json(reply.data)
        assert not refused.ok and {"actor.agency", "actor.role", "text"} <= {p.field for p in refused.errors}
        release.set()
        replies = await asyncio.gather(*sent)
        assert [r.event_ids for r in replies] == [[f"ev-{c}"] for c in cases]
    finally:
        await nc.close()
        await broker.stop()
