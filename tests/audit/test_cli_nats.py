"""The operator's commands end to end: `sanctuary audit case`, `audit export`, `disclosures` and
`erase`, run as a separate process against the reporting service's audit endpoints on a real
nats-server. Personal fields only reach a role the sharing policy allows, and every read is recorded."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from shared.codec import CasePosition
from shared.contracts.reporting import DisclosureRecorded, Recipient
from shared.events import Actor, Role
from shared.personal import ERASED
from tests.audit.checks import check
from tests.audit.test_verify_nats import run_cli
from tests.conftest import TEST_KEK
from tests.reporting.on_nats import append_history
from tests.reporting.year import year

pytestmark = pytest.mark.nats
NAME, ADDRESS, TELEPHONE = "Alice Example", "1 Test Road, Testtown", "07700 900123"
STAFF = ("--agency", "Internal Audit", "--person", "aud-4")


async def sanctuary(settings, *args: str) -> tuple[int, str]:
    env = {
        "NATS_URL": str(settings.nats_url),
        "SANCTUARY_KEK": TEST_KEK,
        "SANCTUARY_SIGNING_KEYS": str(settings.signing_keys_dir),
        "COLUMNS": "250",
    }
    return await run_cli(*args, env=env)


# Nine runs of the tool, each a Python process started afresh: on a busy machine that alone may take
# most of the suite's usual two minutes. The limit is there for a hang, not as a budget.
@pytest.mark.timeout(600)
async def test_audit_case_export_disclosures_and_erase(audit_service, settings, store_for, tmp_path: Path):
    prefix = f"CL{uuid.uuid4().hex[:6]}-"
    recorded = await append_history(store_for, year(prefix))
    case_id = f"{prefix}RA"
    last = [e for e in recorded if e.case_id == case_id][-1]
    reporting = store_for("reporting")
    await reporting.append(
        case_id,
        [
            DisclosureRecorded(
                recipient=Recipient.CONTRACTOR,
                subject=f"view.contractor.{case_id}",
                source_event_ids=[last.event_id],
                event_types=["WorksOrderReceived"],
                fields=["WorksOrderReceived.client_name", "WorksOrderReceived.client_address"],
                basis_kind="consent",
                basis="installation+information_sharing",
                policy_version="2025.1",
            )
        ],
        expected=CasePosition(last.seq, last.hash),
        actor=Actor(agency="sanctuary", person="system", role=Role.SYSTEM),
        command_id=f"d-{uuid.uuid4().hex}",
    )
    history = [e for e in recorded if e.case_id == case_id]
    closing = next(i for i, e in enumerate(history) if e.type == "CaseClosed")
    # Recorded just before the closure: the point in time to look back to.
    before_close = history[closing - 1].recorded_at.isoformat()

    # An auditor reads the whole history, without the personal fields (the policy says so).
    code, out = await sanctuary(
        settings, "audit", "case", case_id, *STAFF, "--role", "auditor", "--reason", "internal audit",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    body = json.loads(out)
    assert body["history_intact"] and not body["personal_data_shown"]
    assert body["timeline"][0]["event"] == "ReferralSubmitted"
    assert body["state"]["sections"]["ReferralSubmitted"]["form"]["client"]["full_name"] == "[withheld]"
    check(not [s for s in (NAME, ADDRESS, TELEPHONE) if s in out], "the auditor saw personal data")

    # The coordinator sees them, and the state as recorded before the closure has no closure.
    code, out = await sanctuary(
        settings, "audit", "case", case_id, *STAFF, "--role", "coordinator", "--reason", "case review",
        "--format", "json", "--as-of", before_close,
    )  # fmt: skip
    body = json.loads(out)
    assert code == 0 and body["personal_data_shown"]
    check(body["state"]["sections"]["ReferralSubmitted"]["form"]["client"]["full_name"] == NAME, "name shown")
    assert "CaseClosed" not in body["state"]["sections"] and body["state"]["events"] == closing
    assert all(e["event"] != "CaseClosed" for e in body["timeline"])

    code, out = await sanctuary(
        settings, "audit", "case", case_id, *STAFF, "--role", "auditor", "--reason", "internal audit"
    )
    assert code == 0 and f"Case {case_id}: timeline" in out and "ReferralSubmitted" in out
    check(NAME not in out, "the auditor's table shows the name")

    # An installer is refused, and the refusal is on the record.
    code, out = await sanctuary(
        settings, "audit", "case", case_id, *STAFF, "--role", "installer", "--reason", "curious"
    )
    assert code == 3 and "--role" in out
    check(NAME not in out, "a refused reader saw the name")

    code, out = await sanctuary(
        settings,
        "disclosures",
        case_id,
        *STAFF,
        "--role",
        "auditor",
        "--reason",
        "ico query",
        "--format",
        "json",
    )
    assert code == 0, out
    [line] = json.loads(out)
    assert line["recipient"] == "contractor" and line["basis_kind"] == "consent"

    code, out = await sanctuary(
        settings, "audit", "export", case_id, *STAFF, "--role", "coordinator", "--reason",
        "subject access request", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, out
    export = json.loads((tmp_path / f"{case_id}.json").read_text())
    held = {(p["event"], p["field"]): p["value"] for p in export["personal_data"]}
    check(held[("ReferralSubmitted", "form.client.full_name")] == NAME, "export holds the name")
    check(held[("ReferralSubmitted", "form.client.telephone")] == TELEPHONE, "export holds the telephone")
    check(NAME in (tmp_path / f"{case_id}.html").read_text(), "the HTML export holds the name")
    code, out = await sanctuary(
        settings, "audit", "export", case_id, *STAFF, "--role", "auditor", "--reason", "not for auditors"
    )
    assert code == 3

    code, out = await sanctuary(
        settings, "erase", case_id, "--reason", "right to erasure request", *STAFF, "--role", "coordinator",
        "--yes",
    )  # fmt: skip
    assert code == 0 and "personal data erased" in out
    code, out = await sanctuary(
        settings, "audit", "case", case_id, *STAFF, "--role", "coordinator", "--reason", "after erasure",
        "--format", "json",
    )  # fmt: skip
    body = json.loads(out)
    assert body["state"]["sections"]["ReferralSubmitted"]["form"]["client"]["full_name"] == ERASED
    assert body["state"]["sections"]["ReferralSubmitted"]["age_band"]  # the monitoring category stays

    reads = [e for e in await reporting.load(case_id) if e.type == "AuditReadRecorded"]
    outcomes = [(e.actor.role.value, e.payload.view.value, e.payload.outcome.value) for e in reads]
    assert outcomes == [
        ("auditor", "timeline", "granted, personal data withheld"),
        ("coordinator", "timeline", "granted, personal data shown"),
        ("auditor", "timeline", "granted, personal data withheld"),
        ("installer", "timeline", "refused"),
        ("auditor", "disclosures", "granted, personal data withheld"),
        ("coordinator", "subject access export", "granted, personal data shown"),
        ("auditor", "subject access export", "refused"),
        ("coordinator", "timeline", "granted, personal data shown"),
    ]
    assert reads[1].payload.as_of is not None and reads[0].payload.reason == "internal audit"
