"""The worker pool: one function over many documents, in order, on every core.

Parsing, checking and rendering a document is independent of every other document and is most of
a large build's time; below ``PARALLEL_MIN_JOBS`` documents a pool costs more than it saves, and
the jobs run in this process. Workers are forked, so what the function needs besides its job (the
actor registry, the corpus index) is handed over as ``context`` once, not pickled per job.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

PARALLEL_MIN_JOBS = 200
CHUNK = 16  # documents per task: enough to amortise the round trip, small enough to keep order cheap
MAX_WORKERS = 4

# What forked workers read their context from; set only while a pool is running.
_context: Any = None


def ordered_map(func: Callable[[Any, Job], Result], jobs: Sequence[Job], context: Any) -> Iterator[Result]:
    """``func(context, job)`` for every job, results in job order."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or len(jobs) < PARALLEL_MIN_JOBS:
        for job in jobs:
            yield func(context, job)
        return
    global _context
    _context = context
    try:
        chunks = _chunked(iter(jobs))
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
        ) as pool:
            # A bounded window of chunks in flight: results never pile up in memory.
            pending = collections.deque(pool.submit(_run_chunk, func, c) for c in itertools.islice(chunks, 4 * workers))
            while pending:
                yield from pending.popleft().result()
                following = next(chunks, None)
                if following is not None:
                    pending.append(pool.submit(_run_chunk, func, following))
    finally:
        _context = None


def _chunked(jobs: Iterator[Job]) -> Iterator[list[Job]]:
    while chunk := list(itertools.islice(jobs, CHUNK)):
        yield chunk


def _run_chunk(func: Callable[[Any, Job], Result], jobs: list[Job]) -> list[Result]:
    return [func(_context, job) for job in jobs]


def _worker_start() -> None:
    gc.freeze()  # what the fork inherited: never scanned again
    gc.set_threshold(*GC_THRESHOLDS)


# A build makes many short-lived objects per document (YAML, validation, rendering) and keeps a
# growing index, few of them cyclic: collecting the youngest generation every 50,000 allocations
# rather than 700, and the older ones less often, saves ~10% of a build's CPU.
GC_THRESHOLDS = (50_000, 20, 20)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """This process collects garbage as seldom as a build's workers do, for the block."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
