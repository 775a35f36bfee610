"""Erasure keeps the statistics: a year of synthetic cases is reported, every case is erased, and the
monitoring report of those closed quarters is identical after erasure and after a full rebuild from
the stream; meanwhile no personal value of those cases is left readable in the stream, the read
models or the logs."""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.reporting.audit.recorder import AuditRecorder
from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.rebuild import rebuild
from services.reporting.monitoring.report.model import Audience
from shared.case_keys import CaseKeyClient
from shared.catalogue import load_catalogue
from shared.contracts.audit import EraseCase, ErasureBasis
from shared.events import RecordedEvent
from shared.personal import ERASED, split_personal
from shared.settings import CONFIG_DIR
from shared.sharing import load_sharing_policy
from tests.kernel_events import COORD
from tests.reporting.on_nats import append_history, report_of_cases
from tests.reporting.test_report_readmodel import PERIOD
from tests.reporting.year import year

pytestmark = [pytest.mark.nats, pytest.mark.readmodel]


def personal_values(events: list[RecordedEvent]) -> set[str]:
    """Every personal text the history holds (names, addresses, telephones, free text)."""
    found: set[str] = set()
    for event in events:
        for value in split_personal(
            type(event.payload), event.payload.model_dump(mode="json", warnings=False)
        ).values():
            found |= {v for v in _texts(value) if len(v) >= 6 and v != ERASED}
    return found


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def read_model_text(store: ReadModelStore) -> list[str]:
    with store.engine.connect() as conn:
        tables = store.active(conn)
        return [str(v) for t in tables.all() for row in conn.execute(t.select()) for v in row]


@dataclass
class Erased:
    """A year of cases reported, then every case erased and the read models rebuilt."""

    before: dict[Audience, Any]
    after_erasure: dict[Audience, Any]
    after_rebuild: dict[Audience, Any]
    leaks: list[str]


async def report_erase_rebuild(nc, store_for, tmp_path: Path, logs: io.StringIO) -> Erased:
    prefix = f"AE{uuid.uuid4().hex[:8]}-"
    history = year(prefix)
    secrets = personal_values(history.events)
    assert len(secrets) >= 3  # the history does hold names, addresses and telephones
    project = MonitoringProjection(load_catalogue())
    url = os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'read.db'}")
    store = ReadModelStore(make_engine(url), base=f"t{uuid.uuid4().hex[:10]}_")
    store.ensure()
    reporting = store_for("reporting")
    try:
        recorded = await append_history(store_for, history)
        for event in recorded:
            store.apply(event, project)
        before = {a: report_of_cases(store, prefix, PERIOD, a).as_json() for a in Audience}

        recorder = AuditRecorder(
            reporting,
            load_sharing_policy(CONFIG_DIR / "sharing-policy.yaml").auditor,
            CaseKeyClient(nc, "reporting"),
        )
        case_ids = sorted({e.case_id for e in recorded})
        erasures: list[RecordedEvent] = []
        for case_id in case_ids:
            command = EraseCase(
                command_id=f"erase-{uuid.uuid4().hex}",
                case_id=case_id,
                actor=COORD,
                basis=ErasureBasis.DATA_SUBJECT_REQUEST,
                reason="right to erasure request received",
            )
            assert (await recorder.erase_case(command)).ok
            erasures += [e for e in await reporting.load(case_id) if e.type == "CasePersonalDataErased"]
        for event in sorted(erasures, key=lambda e: e.seq):
            store.apply(event, project)
        after = {a: report_of_cases(store, prefix, PERIOD, a).as_json() for a in Audience}
        await rebuild(nc, store, project)
        rebuilt = {a: report_of_cases(store, prefix, PERIOD, a).as_json() for a in Audience}

        # Nothing personal of these cases is readable any more: not in the stream as stored, not
        # as decoded with the key store, not in the rebuilt read models, not in the logs.
        leaks: list[str] = []
        for case_id in case_ids:
            raw = b"".join(data for _, _, data in await reporting.read_raw(case_id)).decode()
            leaks += [f"{case_id}: stream" for s in secrets if s in raw]
            leaks += [f"{case_id}: decoded" for _ in personal_values(await reporting.load(case_id))]
        stored = read_model_text(store)
        leaks += ["read model" for s in secrets if any(s in v for v in stored)]
        leaks += ["logs" for s in secrets if s in logs.getvalue()]
        return Erased(before, after, rebuilt, leaks)
    finally:
        store.drop_everything()
        store.engine.dispose()


async def test_after_erasure_no_personal_value_is_readable_anywhere(
    nc, store_for, tmp_path, captured_logs, key_custodian
):
    outcome = await report_erase_rebuild(nc, store_for, tmp_path, captured_logs)
    assert not outcome.leaks, "personal data readable after erasure"
    # Projected live, the erasure changes no figure.
    assert outcome.after_erasure == outcome.before


async def test_the_closed_quarters_report_is_identical_after_erasure_and_rebuild(
    nc, store_for, tmp_path, captured_logs, key_custodian
):
    outcome = await report_erase_rebuild(nc, store_for, tmp_path, captured_logs)
    assert outcome.after_rebuild == outcome.before
