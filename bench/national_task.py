"""One measured task of bench/national.py, in a process of its own: what `sanctuary rebuild`,
`sanctuary report` and `sanctuary audit verify --all` do, timed without the interpreter's start
and imports; it prints one JSON object with its seconds, CPU and peak memory.

    python bench/national_task.py rebuild|report|verify [FROM TO]   (FROM, TO: the report's dates)

A script of its own, importing little, because a rebuild's and a verify's worker processes are
spawned: each imports the main script again, as each of `sanctuary`'s workers imports only its
command line. Run as bench/national.py, every worker imported the whole bench first (the history
writer, the services' launcher), about a second of each worker's start that `sanctuary rebuild`
does not pay. The settings come from the environment bench/national.py gives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from shared.settings import load_settings

AUDIENCE_ENV = "BENCH_REPORT_AUDIENCE"  # the report task's audience: funder unless it says coordinator
WORKERS_ENV = "BENCH_REBUILD_WORKERS"  # the rebuild task's --workers ("auto": its default)


async def run_task(task: str, date_from: str, date_to: str) -> None:
    """The child side of ``timed_task``: what `sanctuary rebuild`, `sanctuary report` and
    `sanctuary audit verify --all` do, timed without the interpreter's start and imports."""
    from sanctuary.cli_audit import clients
    from sanctuary.cli_report import _rebuild
    from services.reporting.audit.reader import verify_cases
    from services.reporting.monitoring.report.model import Audience
    from services.reporting.monitoring.report.produce import Format, render_report, report_for_period
    from shared.signing import load_verifier

    settings = load_settings()
    started = time.perf_counter()
    cpu_before = time.process_time()
    tree = ProcessTree()
    if task == "rebuild":
        chosen = os.environ.get(WORKERS_ENV, "auto")
        with tree.sampled():
            await _rebuild(settings, None if chosen == "auto" else int(chosen))
    elif task == "report":
        start, end = date.fromisoformat(date_from), date.fromisoformat(date_to)
        audience = Audience(os.environ.get(AUDIENCE_ENV, Audience.FUNDER.value))
        report = report_for_period(settings.database_url, start, end, audience, settings.scheme_config)
        render_report(report, Format.JSON)
    elif task == "verify":
        async with clients() as c:
            # No checkpointer runs here: an anchor bound past the history's age (--anchor-bound).
            verifier = load_verifier(settings.verify_keys_dir)
            results = await verify_cases(c.nc, c.store, verifier, None, bound=timedelta(days=3650))
        broken = [r for r in results if not r.intact]
        if broken:
            raise RuntimeError(f"{len(broken)} of {len(results)} cases do not verify")
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The largest of its own worker processes (verify's signature checks), if it had any, and the
    # CPU each side spent: on a busy machine the seconds say less than where the work went.
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "workers_peak_mb": max(workers.ru_maxrss / 1024, tree.peak_child_mb),
        "cpu_s": own.ru_utime + own.ru_stime - cpu_before,
        # Workers reaped by now are in RUSAGE_CHILDREN (a pool's shutdown reaps them); the sampled
        # figure counts the same workers while they ran, for any not reaped.
        "workers_cpu_s": max(workers.ru_utime + workers.ru_stime, tree.children_cpu_s),
        "all_peak_mb": max(peak_mb, tree.peak_total_mb),
    }
    print(json.dumps(figures))


class ProcessTree:
    """This process's and its children's CPU and memory, sampled from /proc while they run: the
    memory of the processes together (RUSAGE_CHILDREN gives only the largest child's). Linux only:
    elsewhere, 0."""

    PERIOD_S = 0.5

    def __init__(self) -> None:
        self.children_cpu_s = 0.0
        self.peak_child_mb = 0.0
        self.peak_total_mb = 0.0
        self._cpu: dict[int, float] = {}

    @contextlib.contextmanager
    def sampled(self) -> Iterator[None]:
        stop = threading.Event()
        thread = threading.Thread(target=self._sample, args=(stop,), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.children_cpu_s = sum(self._cpu.values())

    def _sample(self, stop: threading.Event) -> None:
        me, tick = os.getpid(), os.sysconf("SC_CLK_TCK")
        page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
        while not stop.wait(self.PERIOD_S):
            total = 0.0
            for pid, stat in _children(me):
                rss = int(stat[21]) * page_mb
                total += rss
                if pid != me:
                    self._cpu[pid] = (int(stat[11]) + int(stat[12])) / tick
                    self.peak_child_mb = max(self.peak_child_mb, rss)
            self.peak_total_mb = max(self.peak_total_mb, total)


def _children(me: int) -> list[tuple[int, list[str]]]:
    """(pid, the /proc/<pid>/stat fields after the command's name: state, ppid, ...) of ``me``
    and its children (each thread's list of the children it started)."""
    pids = {me}
    for listing in Path(f"/proc/{me}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            pids.update(int(pid) for pid in listing.read_text().split())
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            text = Path(f"/proc/{pid}/stat").read_text()
            found.append((pid, text[text.rindex(")") + 2 :].split()))
    return found


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if len(arguments) not in (1, 3) or arguments[0] not in ("rebuild", "report", "verify"):
        raise SystemExit("usage: national_task.py rebuild|report|verify [FROM TO]")
    task, *period = arguments
    asyncio.run(run_task(task, *(period or ("", ""))))
