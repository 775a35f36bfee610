"""The retention rule against a real nats-server of its own (it erases every due case in the
stream, so it must not see other tests' cases): cases closed six years ago are erased with basis
"retention", the others are left alone, and a second run the same day changes nothing."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date

import nats
import pytest

from services.reporting.audit.recorder import AuditRecorder
from services.reporting.audit.retention import find_due_cases, run_retention
from services.reporting.audit.wiring import AuditCommands, Retention
from shared.case_keys import CaseKeyClient
from shared.codec import CasePosition
from shared.contracts import referral as R
from shared.contracts.audit import CasePersonalDataErased, ErasureBasis
from shared.contracts.referral import CaseClosed, ReferralSubmitted
from shared.crypto import KeyStore
from shared.decider import Decider
from shared.events import SYSTEM_ACTOR, RecordedEvent
from shared.eventstore import EventStore, ensure_stream
from shared.personal import ERASED
from shared.scheme import load_scheme
from shared.service import Kernel, create_service_app
from shared.settings import CONFIG_DIR, load_settings
from shared.sharing import load_sharing_policy
from shared.signing import load_or_create_signer
from tests.conftest import TEST_KEK, running_custodian
from tests.reporting.on_nats import append_history
from tests.reporting.year import year
from tests.waiting import until

pytestmark = pytest.mark.nats
YEARS = load_scheme(CONFIG_DIR / "schemes" / "standing-together.yaml").retention.years_after_closure


async def test_retention_erases_the_cases_closed_long_enough_ago_and_only_those(
    fresh_nats_server, signing_dir
):
    assert YEARS == 6
    nc = await nats.connect(fresh_nats_server.url)
    await ensure_stream(nc.jetstream())
    keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
    await keys.start()
    custodian = running_custodian(fresh_nats_server.url, signing_dir)
    await custodian.__aenter__()

    def store_for(owner: str) -> EventStore:
        return EventStore(nc, keys, owner, load_or_create_signer(signing_dir, owner))

    try:
        prefix = f"RT{uuid.uuid4().hex[:6]}-"
        recorded = await append_history(store_for, year(prefix))
        # Three cases, closed on 2024-05-10, 2024-08-01 and 2024-10-09.
        closed = {e.case_id: e.payload.closed_on for e in recorded if isinstance(e.payload, CaseClosed)}
        assert sorted(closed.values()) == [date(2024, 5, 10), date(2024, 8, 1), date(2024, 10, 9)]
        reporting = store_for("reporting")
        recorder = AuditRecorder(
            reporting,
            load_sharing_policy(CONFIG_DIR / "sharing-policy.yaml").auditor,
            CaseKeyClient(nc, "reporting"),
        )

        as_of = date(2030, 8, 1)  # six years after the second closure, to the day
        done = await run_retention(nc, recorder.erase_case, YEARS, as_of)
        erased = {due.case_id for due, reply in done if reply.ok}
        assert erased == {c for c, day in closed.items() if day <= date(2024, 8, 1)}
        assert await run_retention(nc, recorder.erase_case, YEARS, as_of) == []

        for case_id in {e.case_id for e in recorded}:
            events = await reporting.load(case_id)
            marks = [e.payload for e in events if isinstance(e.payload, CasePersonalDataErased)]
            if case_id in erased:
                assert len(marks) == 1 and marks[0].basis is ErasureBasis.RETENTION
                assert marks[0].retention_years == YEARS
                assert marks[0].closed_at is not None and marks[0].closed_at.date() == closed[case_id]
                submitted = next(e.payload for e in events if isinstance(e.payload, ReferralSubmitted))
                assert submitted.form.client.full_name == ERASED
            else:
                assert not marks and not events[0].erased

        later = await find_due_cases(nc, YEARS, date(2030, 10, 9))
        assert [d.case_id for d in later] == [c for c, day in closed.items() if day == date(2024, 10, 9)]
    finally:
        await custodian.__aexit__(None, None, None)
        await keys.stop()
        await nc.close()


@dataclass(frozen=True)
class AuditWithRetention:
    commands: AuditCommands
    retention: Retention


def audit_with_retention(kernel: Kernel) -> AuditWithRetention:
    commands = AuditCommands(kernel)
    return AuditWithRetention(commands, Retention(kernel, commands, YEARS, interval_s=0.2))


async def test_the_reporting_service_runs_the_retention_rule_on_its_schedule(fresh_nats_server, signing_dir):
    settings = load_settings(NATS_URL=fresh_nats_server.url, SANCTUARY_SIGNING_KEYS=str(signing_dir))
    app, service = create_service_app(
        settings,
        "reporting",
        Decider(initial=dict, decide=lambda c, s: [], evolve=lambda s, e: s),
        commands=[],
        parts=audit_with_retention,
    )
    custodian = running_custodian(fresh_nats_server.url, signing_dir)
    await custodian.__aenter__()
    await app.start()
    try:
        store = service.runtime.event_store
        assert service.runtime.nc is not None
        referral = EventStore(
            service.runtime.nc,
            CaseKeyClient(service.runtime.nc, "referral"),
            "referral",
            load_or_create_signer(signing_dir, "referral"),
        )
        old = R.CaseClosed(
            reason=R.ClosureReason.WORKS_COMPLETED,
            safety_outcome=R.SafetyOutcome.FEELS_SAFER,
            closed_on=date(2019, 1, 7),
        )
        case_id = f"SCHED-{uuid.uuid4().hex[:6]}"
        await referral.append(
            case_id, [old], expected=CasePosition(), actor=SYSTEM_ACTOR, command_id=f"c-{uuid.uuid4().hex}"
        )

        async def erased() -> list[RecordedEvent]:
            loaded = await store.load(case_id)
            return loaded if any(isinstance(e.payload, CasePersonalDataErased) for e in loaded) else []

        events = await until(erased, "the scheduled erasure is recorded")
        marks = [e for e in events if isinstance(e.payload, CasePersonalDataErased)]
        assert len(marks) == 1 and marks[0].actor == SYSTEM_ACTOR
    finally:
        await app.stop()
        await custodian.__aexit__(None, None, None)
