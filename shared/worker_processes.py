"""Worker processes for CPU-bound work beside an event loop (an audit's signature checks, a rebuild's
decoding and projecting): one interpreter lock per process, so the work uses more than one core.

Spawned, not forked: a worker shares nothing with this process's connection, loop or threads. Each
worker leaves by itself once the process that started it is gone (kill -9 included), rather than
waiting for ever for work that will never come.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.queues import SimpleQueue
from typing import Any

ORPHAN_CHECK_S = 1.0  # how often a worker looks whether the process it works for is still there
Numbers = SimpleQueue[int]  # a pool's worker numbers, each taken by one worker as it starts


def worker_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    """``workers`` spawned processes, each started with ``initializer(*initargs)`` (both picklable)."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(initializer, initargs),
    )


def numbered(workers: int) -> Numbers:
    """The numbers 1..``workers``, for a pool's initializer (in its initargs) to give each worker
    one of its own: what is one worker's alone (a consumer's name) is named by it."""
    numbers: Numbers = multiprocessing.get_context("spawn").SimpleQueue()
    for number in range(1, workers + 1):
        numbers.put(number)
    return numbers


def _start(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    threading.Thread(target=_leave_when_orphaned, args=(os.getppid(),), daemon=True).start()
    initializer(*initargs)


def _leave_when_orphaned(owner: int) -> None:
    """Exit once ``owner`` (this worker's parent) is gone: the worker is then adopted by another."""
    while not threading.Event().wait(ORPHAN_CHECK_S):
        if os.getppid() != owner:
            os._exit(1)
