"""KEK rotation on a real nats-server: interrupted midway and resumed, every case still readable
throughout, an erased case still erased, commands served while it runs, and ``sanctuary kek
rotate`` refusing to start while the running custodian does not hold the new KEK."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections import Counter
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS

from sanctuary.cli_kek import RotationRefused, check_custodian, custodian_kek
from services.keys.rotation import RotationReport, left_behind, rotate
from shared.case_keys import CaseKeyClient, DestroyRequest
from shared.codec import CasePosition
from shared.crypto import CaseErased, KeyRing, KeyStore, Rewrap, kek_id, wrapped_parts
from shared.eventstore import EventStore, ensure_stream
from shared.personal import ERASED
from shared.signing import load_or_create_signer
from tests.audit.test_verify_nats import run_cli
from tests.conftest import running_custodian
from tests.kernel_events import COORD, KernelNoteAdded
from tests.waiting import until

pytestmark = pytest.mark.nats
OLD = base64.b64encode(os.urandom(32)).decode()
NEW = base64.b64encode(os.urandom(32)).decode()
CASES = 60


async def submit(nc: NATS, signing_dir, case_id: str, name: str) -> None:
    """A referral-side append with a personal field: the key is created through the custodian."""
    store = EventStore(
        nc, CaseKeyClient(nc, "referral"), "referral", load_or_create_signer(signing_dir, "referral")
    )
    await store.append(
        case_id,
        [KernelNoteAdded(text="referred", client_name=name)],
        expected=CasePosition(),
        actor=COORD,
        command_id=f"c-{uuid.uuid4().hex}",
    )


async def read_name(nc: NATS, case_id: str) -> str:
    """The client name as a service that never cached the key reads it now."""
    event, *_ = await EventStore(nc, CaseKeyClient(nc, "assessment"), "assessment").load(case_id)
    assert isinstance(event.payload, KernelNoteAdded)
    return event.payload.client_name


async def answer(nc: NATS) -> dict[str, Any] | None:
    """What the running custodian says about its KEKs; None while none answers."""
    try:
        return await custodian_kek(nc)
    except RotationRefused:
        return None


async def kek_ids(keys: KeyStore, case_ids: list[str]) -> Counter[str | None]:
    ids: Counter[str | None] = Counter()
    for case_id in case_ids:
        wrapped = await keys.wrapped(case_id)
        ids[wrapped_parts(wrapped)[0] if wrapped else None] += 1
    return ids


async def test_rotation_interrupted_then_resumed_never_leaves_a_case_unreadable(
    fresh_nats_server, signing_dir
):
    url = fresh_nats_server.url
    nc = await nats.connect(url)
    await ensure_stream(nc.jetstream())
    cases = [f"R-{i}-{uuid.uuid4().hex[:8]}" for i in range(CASES)]
    names = {case_id: f"Client {i}" for i, case_id in enumerate(cases)}
    erased = cases[:3]
    ring = KeyRing(base64.b64decode(NEW), [base64.b64decode(OLD)])
    rotator = KeyStore(nc.jetstream(), ring)
    try:
        # Before: every key wrapped under the old KEK; three cases erased.
        async with running_custodian(url, signing_dir, kek=OLD):
            for case_id in cases:
                await submit(nc, signing_dir, case_id, names[case_id])
            for case_id in erased:
                request = DestroyRequest(
                    command_id=f"e-{case_id}", reason="request from the data subject", actor=COORD
                )
                assert await CaseKeyClient(nc, "reporting").destroy(case_id, request)
        # Step 1: the custodian restarts with the new KEK, the old one still held.
        async with running_custodian(url, signing_dir, kek=NEW, previous=OLD) as custodian:
            # What `kek rotate` checks first. The first request to a restarted service can meet "no
            # responders" although its subscription is flushed (seen only just after another
            # instance stopped), so the check waits for an answer.
            check_custodian(ring, await until(lambda: answer(nc), "the restarted custodian answering"))
            await rotator.start()
            old_id = kek_id(base64.b64decode(OLD))
            assert await kek_ids(rotator, cases) == Counter({old_id: CASES - 3, None: 3})

            # Step 2: rotation, interrupted midway (cancelled at an await, as a crash would stop it),
            # as soon as a third is done: with at most _CONCURRENCY more under way, some are left.
            running: list[asyncio.Task[RotationReport]] = []

            def progress(report: RotationReport) -> None:
                if report.outcomes[Rewrap.REWRAPPED] >= CASES // 3:
                    running[0].cancel()

            running.append(asyncio.create_task(rotate(rotator, progress)))
            with pytest.raises(asyncio.CancelledError):
                await running[0]
            split = await kek_ids(rotator, cases)
            assert split[ring.current_id] >= CASES // 3 and split[old_id] > 0, split
            # Mid-rotation, every case reads, under whichever KEK its key is.
            for case_id in cases[3:]:
                assert await read_name(nc, case_id) == names[case_id]

            # Step 3: resumed, while commands go on: a new case, reads, and one more erasure.
            late = f"R-late-{uuid.uuid4().hex[:8]}"
            more_erased = cases[3]
            resumed = asyncio.create_task(rotate(rotator))
            await submit(nc, signing_dir, late, "Late Client")
            request = DestroyRequest(command_id=f"e-{more_erased}", reason="recorded in error", actor=COORD)
            await CaseKeyClient(nc, "reporting").destroy(more_erased, request)
            for case_id in cases[4:10]:
                assert await read_name(nc, case_id) == names[case_id]
            report = await resumed
            # Every live key the resumed run met was moved by it or already moved (a re-wrap cut
            # short may still have landed after the keys were counted above, so it is not
            # counted against ``split``).
            assert report.outcomes[Rewrap.REWRAPPED] > 0
            assert report.outcomes[Rewrap.REWRAPPED] + report.outcomes[Rewrap.CURRENT] >= CASES - 4
            assert await left_behind(rotator) == 0
            # A rerun finds nothing left to do.
            again = await rotate(rotator)
            assert again.outcomes[Rewrap.REWRAPPED] == 0
            assert again.outcomes[Rewrap.CURRENT] == CASES - 4 + 1
            assert custodian.parts.custodian.custodian.keys.ring.current_id == ring.current_id

        # Step 4: the old KEK retired. Every live case reads with the new KEK alone; erased stay erased.
        async with running_custodian(url, signing_dir, kek=NEW):
            for case_id in [*cases[4:], late]:
                assert await read_name(nc, case_id) == names.get(case_id, "Late Client")
            for case_id in [*erased, more_erased]:
                assert await read_name(nc, case_id) == ERASED
                with pytest.raises(CaseErased):
                    await CaseKeyClient(nc, "referral").key_for_writing(case_id)
    finally:
        await rotator.stop()
        await nc.close()


# Five runs of the tool, each a Python process started afresh: on a busy machine that alone may take
# most of the suite's usual two minutes. The limit is there for a hang, not as a budget.
@pytest.mark.timeout(600)
async def test_the_rotate_command_refuses_until_the_custodian_holds_the_new_kek(
    fresh_nats_server, signing_dir
):
    url = fresh_nats_server.url
    nc = await nats.connect(url)
    await ensure_stream(nc.jetstream())
    env = {"NATS_URL": url, "SANCTUARY_KEK": NEW, "SANCTUARY_KEK_PREVIOUS": OLD}
    case_id = f"R-cli-{uuid.uuid4().hex[:8]}"
    try:
        code, out = await run_cli("kek", "rotate", env=env)
        assert code == 3 and "no key custodian answered" in out, out
        async with running_custodian(url, signing_dir, kek=OLD):
            await submit(nc, signing_dir, case_id, "Cli Client")
            ring = KeyRing(base64.b64decode(NEW), [base64.b64decode(OLD)])
            with pytest.raises(RotationRefused, match="not the new one"):
                check_custodian(ring, await custodian_kek(nc))
            code, out = await run_cli("kek", "rotate", env=env)
            assert code == 3 and "Not rotated" in out and "not the new one" in out, out
            assert NEW not in out and OLD not in out  # ids only, never a key
        async with running_custodian(url, signing_dir, kek=NEW, previous=OLD):
            code, out = await run_cli("kek", "rotate", env=env)
            assert code == 0 and "1 rewrapped" in out and "Every case key is under KEK" in out, out
            code, out = await run_cli("kek", "rotate", env=env)
            assert code == 0 and "0 rewrapped, 1 already under the current KEK" in out, out
            assert await read_name(nc, case_id) == "Cli Client"
        code, out = await run_cli("kek", "rotate", env={"NATS_URL": url})
        assert code == 2 and "SANCTUARY_KEK: " in out, out
    finally:
        await nc.close()
