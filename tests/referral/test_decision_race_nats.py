"""Accept and decline sent at the same moment, on a real nats-server: exactly one wins, every time.

Acceptance testing saw both succeed in 5 of 6 tries. The decider now refuses a second decision, and
the event store's expected-sequence check makes the race safe across replicas: two handlers deciding
on the same copy of the case both try to append after the same last event; the server takes one, the
other is told of the conflict, catches up, and is refused."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sanctuary.devtools.nats_server import NatsServer
from services.referral.app import create_app
from services.referral.domain.decide import referral_decider
from shared.bus import send_command
from shared.contracts.referral import AcceptReferral, DeclineReferral, ReferralCommand
from shared.errors import CommandRejected
from shared.handler import CaseHandler, Outcome
from tests.conftest import running_custodian
from tests.referral.scenarios import COORDINATOR, cid, rules, submit
from tests.referral.test_referral_nats import started

pytestmark = pytest.mark.nats

ROUNDS = 25


@pytest.fixture
def nats_server(fresh_nats_server: NatsServer) -> NatsServer:
    """A server of these tests' own: the rounds' few hundred events stay out of the session's stream."""
    return fresh_nats_server


@pytest.fixture
async def key_custodian(nats_server: NatsServer, signing_dir: Path) -> AsyncIterator[None]:
    """The key custodian on this server of the tests' own (the session's runs on the session's)."""
    async with running_custodian(nats_server.url, signing_dir):
        yield


DECISIONS = {"ReferralAccepted", "ReferralDeclined"}


def decisions_for(case_id: str) -> tuple[ReferralCommand, ReferralCommand]:
    accept = AcceptReferral(command_id=cid(), case_id=case_id, actor=COORDINATOR)
    decline = DeclineReferral(command_id=cid(), case_id=case_id, actor=COORDINATOR, reason="Other")
    return accept, decline


async def test_two_replicas_on_the_same_copy_of_the_case_record_one_decision(store_for) -> None:
    decider = referral_decider(rules())
    replicas = [CaseHandler(store_for("referral"), decider), CaseHandler(store_for("referral"), decider)]
    store = store_for("referral")
    for _ in range(ROUNDS):
        case_id = f"race-{uuid.uuid4().hex[:12]}"
        await replicas[0].handle(submit(case_id=case_id))
        # Both replicas hold the case as submitted, so both decide "awaiting a decision": only the
        # expected-sequence check on the server can stop the second decision.
        for replica in replicas:
            await replica.state_of(case_id)
        random.shuffle(replicas)
        accept, decline = decisions_for(case_id)
        results = await asyncio.gather(
            replicas[0].handle(accept), replicas[1].handle(decline), return_exceptions=True
        )
        won = [r for r in results if isinstance(r, Outcome)]
        refused = [r for r in results if isinstance(r, CommandRejected)]
        assert len(won) == 1 and len(refused) == 1, results
        assert [p.field for p in refused[0].problems] == ["case_id"]
        assert "already" in refused[0].problems[0].problem
        stored = [e.type for e in await store.load(case_id) if e.type in DECISIONS]
        assert len(stored) == 1


async def test_accept_and_decline_sent_together_over_the_bus_one_wins_every_time(
    settings: Any, nc: Any, store_for: Any
) -> None:
    # Two instances of the service share the command queue group, as replicas do.
    apps = [create_app(settings)[0], create_app(settings)[0]]
    for app in apps:
        await started(nc, app)
    store = store_for("referral")
    try:
        for _ in range(ROUNDS):
            case_id = f"race-{uuid.uuid4().hex[:12]}"
            submitted = await send_command(nc, submit(case_id=case_id))
            assert submitted.ok, submitted.errors
            accept, decline = decisions_for(case_id)
            pair = [accept, decline]
            random.shuffle(pair)
            replies = await asyncio.gather(*(send_command(nc, c) for c in pair))
            assert sorted(r.ok for r in replies) == [False, True], replies
            [loser] = [r for r in replies if not r.ok]
            assert [e.field for e in loser.errors] == ["case_id"]
            stored = [e.type for e in await store.load(case_id) if e.type in DECISIONS]
            assert len(stored) == 1
    finally:
        for app in apps:
            await app.stop()
