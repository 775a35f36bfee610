"""Erasure from the command line is guarded, against a real nats-server: ``erase`` shows the case
and asks, and a "no", no answer at all, or Ctrl-C at the question erase nothing;
``retention run`` without --apply lists what it would erase and erases nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from shared.codec import CasePosition
from shared.contracts.audit import CasePersonalDataErased
from shared.contracts.referral import CaseClosed, ClosureReason, SafetyOutcome
from shared.crypto import KEY_BUCKET
from shared.events import SYSTEM_ACTOR
from tests.cli.run import SANCTUARY, sanctuary
from tests.conftest import TEST_KEK

pytestmark = pytest.mark.nats
ERASE = ("--reason", "client asked", "--agency", "Council", "--person", "co-1")


@pytest.fixture
async def closed_case(store_for) -> str:
    """A case closed in 2019: past the scheme's six years, so due for erasure by retention."""
    case_id = f"EG-{uuid.uuid4().hex[:10]}"
    closed = CaseClosed(
        reason=ClosureReason.WORKS_COMPLETED,
        safety_outcome=SafetyOutcome.FEELS_SAFER,
        closed_on=date(2019, 1, 10),
    )
    await store_for("referral").append(
        case_id, [closed], expected=CasePosition(), actor=SYSTEM_ACTOR, command_id=f"c-{uuid.uuid4().hex}"
    )
    return case_id


def _env(settings) -> dict[str, str]:
    return {"NATS_URL": str(settings.nats_url), "SANCTUARY_KEK": TEST_KEK}


async def _erased(nc, case_id: str) -> bool:
    info = await nc.jetstream().stream_info("CASES", subjects_filter=f"case.{case_id}.>")
    return any(s.endswith(CasePersonalDataErased.type_name()) for s in info.state.subjects or {})


async def _has_key(nc, case_id: str) -> bool:
    info = await nc.jetstream().stream_info(f"KV_{KEY_BUCKET}", subjects_filter=f"$KV.{KEY_BUCKET}.{case_id}")
    return bool(info.state.subjects)


async def test_erase_shows_the_case_and_a_no_erases_nothing(
    closed_case, settings, nc, tmp_path: Path
) -> None:
    result = sanctuary("erase", closed_case, *ERASE, cwd=tmp_path, env=_env(settings), stdin="n\n")
    assert result.code == 1 and "nothing erased" in result.one_line_error()
    assert f"Case {closed_case}: 1 events" in result.out and "What stays" in result.out
    assert await _has_key(nc, closed_case) and not await _erased(nc, closed_case)


async def test_erase_with_no_answer_asks_for_yes_and_erases_nothing(
    closed_case, settings, nc, tmp_path
) -> None:
    result = sanctuary("erase", closed_case, *ERASE, cwd=tmp_path, env=_env(settings), stdin="")
    assert result.code == 2 and "--yes" in result.one_line_error()
    assert await _has_key(nc, closed_case)


async def test_erase_of_a_case_not_in_the_store_is_refused(settings, tmp_path: Path) -> None:
    result = sanctuary("erase", "NO-SUCH-CASE-1", *ERASE, "--yes", cwd=tmp_path, env=_env(settings))
    assert result.code == 1 and "no case" in result.one_line_error()


def _ctrl_c_as_at_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def test_ctrl_c_at_the_question_exits_130_and_erases_nothing(
    closed_case, settings, nc, tmp_path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "SANCTUARY_KEK")} | _env(settings)
    env["PYTHONFAULTHANDLER"] = "1"
    proc = subprocess.Popen(
        [*SANCTUARY, "erase", closed_case, *ERASE], cwd=tmp_path, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As at a terminal: a run started in the background by a shell inherits Ctrl-C ignored.
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + 120
    while "What stays" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    assert "What stays" in seen
    proc.send_signal(signal.SIGINT)
    # Ctrl-C alone ends it: stdin stays open until it has (closed, it would be an answer of its own,
    # and a first Ctrl-C the question never saw used to leave it waiting for one).
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        # Where it waits, for whoever reads the failure: faulthandler writes every thread's stack.
        proc.send_signal(signal.SIGABRT)
        _, stacks = proc.communicate(timeout=60)
        raise AssertionError(f"Ctrl-C did not end the erase; its threads:\n{stacks[-4000:]}") from None
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    assert await _has_key(nc, closed_case) and not await _erased(nc, closed_case)


async def test_retention_without_apply_lists_and_erases_nothing(closed_case, settings, nc, tmp_path) -> None:
    result = sanctuary("retention", "run", cwd=tmp_path, env=_env(settings))
    assert result.code == 0, result.err
    assert f"{closed_case}: closed 2019-01-10: would be erased" in result.out
    assert "--apply" in result.out
    assert await _has_key(nc, closed_case) and not await _erased(nc, closed_case)


async def test_erase_with_no_reporting_service_running_says_so_and_erases_nothing(
    closed_case, settings, nc, tmp_path: Path
) -> None:
    result = sanctuary("erase", closed_case, *ERASE, "--yes", cwd=tmp_path, env=_env(settings))
    assert result.code == 1 and "sanctuary status" in result.one_line_error()
    assert await _has_key(nc, closed_case) and not await _erased(nc, closed_case)
