"""Independent per-source work spread over worker processes, results in input order.

Extraction, parsing and lowering of one legacy source need nothing from the others, and parsing is
CPU-bound pure Python: threads would not help, processes do. Small projects stay in one process,
where starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from converter.core import progress

T = TypeVar("T")
R = TypeVar("R")

# Below this much legacy source text one process is faster than starting workers (measured with
# bench/convert.py: about 0.45 s of work per 256 KiB, against ~0.05 s to start two workers).
PARALLEL_MIN_BYTES = 256 * 1024


def auto_jobs(total_bytes: int) -> int:
    """Worker processes for this much source text: one per available CPU (at most 8), or 1."""
    if total_bytes < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(8, _available_cpus()))


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_in_order(
    work: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    describe: Callable[[T], str] = str,
) -> list[R]:
    """`work(item)` for every item, in order. With `jobs` > 1 they run in that many processes;
    `work` must then be a module-level function (or a partial of one) and results picklable.
    Each item is reported as a progress step (`describe(item)`) when its turn comes.

    An exception raised by `work` reaches the caller as the first failing item in order would
    raise it serially; the items not yet started are cancelled."""
    if jobs <= 1 or len(items) <= 1:
        return _serially(work, items, describe)
    try:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=_context())
    except (OSError, NotImplementedError, ImportError):  # no process support (some sandboxes)
        return _serially(work, items, describe)
    try:
        results = []
        for item, result in zip(items, pool.map(work, items)):
            progress.step(describe(item))
            results.append(result)
    except BrokenProcessPool:  # a worker died (killed, out of memory): the same work serially
        pool.shutdown(wait=True, cancel_futures=True)
        return _serially(work, items, describe)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _serially(work: Callable[[T], R], items: Sequence[T], describe: Callable[[T], str]) -> list[R]:
    results = []
    for item in items:
        progress.step(describe(item))
        results.append(work(item))
    return results


def _context() -> multiprocessing.context.BaseContext:
    """fork where the platform has it and this process runs no other thread: workers start at
    once with every module already imported. Forking a threaded process can deadlock the child,
    so then (and off POSIX) a fresh interpreter is started instead."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX
