"""A rebuild that reads, decodes and projects in worker processes, and works out the day counts in
them, writes exactly what one that does it all in its own process writes (day counts included),
and logs the same messages left out; a worker killed (SIGKILL) in the middle of a rebuild stops it
with an error and leaves the live tables as they were, with no process left behind; and a worker
whose rebuilding process is killed leaves by itself.

No server: the stream is read from a list (the pipeline tests do the same; tests/reporting/
test_rebuild_nats.py and tests/platform read a real server's); the workers are real processes
reading it, and decoding the real bytes of the hand-built year."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from services.reporting.monitoring import rebuild as rebuild_module
from services.reporting.monitoring.projecting import WorkerPool
from services.reporting.monitoring.readmodel import day_count_upkeep
from services.reporting.monitoring.readmodel.changes import Change
from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.rebuild import _InProcess, _project_from
from shared.directget import Stored
from shared.events import RecordedEvent
from shared.settings import REPO_ROOT
from tests.reporting.crash import table_rows
from tests.reporting.listed import Listed
from tests.reporting.test_public_decode import CASE_KEY, stored
from tests.reporting.test_report_readmodel import PROJECT
from tests.reporting.year import year
from tests.waiting import until

pytestmark = pytest.mark.readmodel

BATCH = 7  # sequences per span: several spans in flight at once, and a part-filled last one


def the_stream() -> list[Stored]:
    """The hand-built year as the stream holds it, with a message the live reader would park (bytes
    that are no record, an event too large) after every tenth event."""
    messages: list[Stored] = []
    for event in year().events:
        subject = f"case.{event.case_id}.{event.type}"
        messages.append((len(messages) + 1, subject, stored(event, CASE_KEY)))
        if len(messages) % 10 == 0:
            messages.append((len(messages) + 1, subject, b"not a record"))
        if len(messages) % 25 == 0:
            messages.append((len(messages) + 1, subject, b"{" + b" " * 2_000_000 + b"}"))
    return messages


@pytest.fixture(autouse=True)
def small_spans(monkeypatch: Any) -> None:
    monkeypatch.setattr(rebuild_module, "BATCH", BATCH)
    monkeypatch.setattr(rebuild_module, "WRITE_EVENTS", 20)  # several transactions
    monkeypatch.setattr(day_count_upkeep, "EVERY_CASE_CHUNK", 2)  # the day counts: several spans


async def rebuilt(store: ReadModelStore, stage: Any, messages: list[Stored]) -> int:
    """The rebuild's steps; with workers, they work out the day counts too, a span of cases each."""
    generation = store.new_generation()
    done, after = await _project_from(store, stage, 1, len(messages), generation, None)
    assert after == len(messages) + 1
    counted = await stage.count_days(store, generation) if isinstance(stage, WorkerPool) else None
    if counted is not None:
        assert len(counted) == len(store.case_spans(generation)) > 1
    store.swap(generation, counted)
    return done


async def test_workers_write_what_one_process_writes_and_leave_out_the_same(
    store: ReadModelStore, other_store: ReadModelStore, captured_logs: io.StringIO
) -> None:
    messages = the_stream()
    alone = await rebuilt(store, _InProcess(PROJECT, Listed(messages)), messages)
    logged_alone = captured_logs.getvalue()
    captured_logs.truncate(0)
    captured_logs.seek(0)
    pool = WorkerPool(2, PROJECT, Listed(messages))
    try:
        with_workers = await rebuilt(other_store, pool, messages)
    finally:
        await pool.close()
    assert with_workers == alone > 0
    assert table_rows(other_store) == table_rows(store)
    assert store.position() == other_store.position() == len(messages)
    left_out = notes(captured_logs.getvalue())
    assert left_out == notes(logged_alone)
    assert {"rebuild left out an undecodable message", "rebuild left out an oversized message"} <= {
        event for event, _, _ in left_out
    }


def notes(logged: str) -> list[tuple[str, int, str]]:
    """The messages left out, as logged: (what, the stream sequence, the error's type)."""
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    return [(n["event"], n["stream_seq"], n.get("error", "")) for n in lines if "left out" in n["event"]]


class KilledAt:
    """The projection, but the worker process projecting the ``at``th event it sees kills itself
    with SIGKILL: as kill -9 from outside would, with no chance to clean up."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.seen = 0
        self.event_types = PROJECT.event_types

    def __call__(self, event: RecordedEvent) -> Sequence[Change]:
        self.seen += 1
        if self.seen == self.at:
            os.kill(os.getpid(), signal.SIGKILL)
        return PROJECT(event)


async def test_a_worker_killed_mid_rebuild_stops_it_and_the_live_tables_stay_as_they_were(
    store: ReadModelStore,
) -> None:
    messages = the_stream()
    await rebuilt(store, _InProcess(PROJECT, Listed(messages)), messages)
    live, generation = table_rows(store), store.active_generation()
    before = asyncio.all_tasks()
    pool = WorkerPool(1, KilledAt(len(messages) // 3), Listed(messages))
    try:
        with pytest.raises(BrokenProcessPool):
            await _project_from(store, pool, 1, len(messages), None, None)
    finally:
        await pool.close()
    assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()
    assert store.active_generation() == generation
    assert table_rows(store) == live
    await until(lambda: not workers_of(os.getpid()), "no worker process is left")


def workers_of(pid: int) -> set[int]:
    """The worker processes ``pid`` spawned that are still running (not its resource tracker)."""
    children: set[int] = set()
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children.update(int(child) for child in listing.read_text().split())
    found = set()
    for child in children:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes() and running(child):
                found.add(child)
    return found


ORPHANED = textwrap.dedent(
    """
    import os, signal
    from shared.worker_processes import worker_pool

    def started() -> None:  # nothing to set up
        return

    if __name__ == "__main__":
        pool = worker_pool(1, started, ())
        print(pool.submit(os.getpid).result(), flush=True)
        signal.pause()  # until killed
    """
)


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has: it waits to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_a_worker_leaves_by_itself_when_its_rebuilding_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(ORPHANED)
    env = dict(os.environ) | {"PYTHONPATH": str(REPO_ROOT)}
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env, text=True)
    worker = 0
    try:
        assert owner.stdout is not None
        worker = int(await asyncio.to_thread(owner.stdout.readline))
        assert worker != owner.pid and running(worker)
        owner.kill()  # SIGKILL: the pool gets no chance to stop its worker
        owner.wait()
        await until(lambda: not running(worker), "the orphaned worker leaves")
    finally:
        for pid in (owner.pid, worker):
            with contextlib.suppress(ProcessLookupError):
                if pid and running(pid):
                    os.kill(pid, signal.SIGKILL)  # whatever the test found, nothing is left running
        owner.wait()
