"""The PDF worker pool on pebble.ProcessPool: a wall-clock limit that kills the worker, a memory limit, warm workers."""

from __future__ import annotations

import atexit
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from pebble import ProcessExpired, ProcessPool

log = logging.getLogger("triage.pdf.summary")

MAX_JOBS_PER_WORKER = 200  # pebble replaces a worker after this many jobs (caches and fragmentation only grow)
MEMORY_EXIT = 86  # the exit code of a worker that hit its memory limit
BACKSTOP_SECONDS = 1.0  # pebble's own time limit is ours plus this: ours, counted from the call, fires first
WARMUP_PATIENCE_SECONDS = 30.0  # how long a new worker waits for a busy pool to go idle before it warms up anyway
PR_SET_PDEATHSIG = 1


class RenderTimeout(RuntimeError):
    """The job did not finish within its time limit; its worker was killed."""


class RenderFailed(RuntimeError):
    """The job raised, ran out of memory, or its worker died."""


def _address_space_bytes() -> int:
    """This process's current virtual size (Linux /proc), or 0 when unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(headroom_mb: int) -> None:
    """Cap this process's address space at its current size plus the headroom (RLIMIT_AS)."""
    import resource

    limit = _address_space_bytes() + headroom_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the process that forked it dies (Linux only), however it dies."""
    # A gunicorn worker killed after its graceful timeout runs no atexit handlers; this still stops its workers.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def _forget_parent_signals() -> None:
    """Give a forked worker default signal handling; SIGINT is left to the parent, which stops its workers itself."""
    # The fork copies the app's Python handlers: gunicorn's SIGTERM handler only sets a flag in the
    # (copied) worker object, so the PDF worker ignored SIGTERM and its parent hung at exit joining it.
    try:
        signal.set_wakeup_fd(-1)  # and must not write into the parent's wake-up pipe
    except ValueError:
        log.debug("not the main thread: the wake-up fd stays")
    for signum in signal.valid_signals():
        try:
            handler = signal.getsignal(signum)
            if callable(handler):
                signal.signal(signum, signal.SIG_DFL)
        except (OSError, ValueError):
            continue
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# Shared with the workers (set in each by _start_worker): jobs queued but not started, and jobs running.
_queued: Synchronized[int] | None = None
_running: Synchronized[int] | None = None


def _add(counter: Synchronized[int] | None, step: int) -> None:
    if counter is not None:
        with counter.get_lock():
            counter.value = max(0, counter.value + step)


def _start_worker(
    parent: int, headroom_mb: int, warmup: Callable[[], object] | None, queued: Synchronized[int], running: Synchronized[int]
) -> None:
    """Pebble's initializer: default signals, die with the parent, cap memory, warm up only while the pool is idle."""
    global _queued, _running
    _queued, _running = queued, running
    _forget_parent_signals()
    _die_with_parent(parent)
    _limit_memory(headroom_mb)
    if warmup is None:
        return
    # On a small machine a warm-up beside a real render slows it down: wait for the others to finish,
    # and skip the warm-up altogether when a job is waiting for this worker.
    patience = time.monotonic() + WARMUP_PATIENCE_SECONDS  # bounded: a job whose worker was killed may stay counted
    while running.value > 0 and time.monotonic() < patience:
        if queued.value > 0:
            return
        time.sleep(0.05)
    if queued.value > 0:
        return
    try:
        warmup()
    except Exception:  # noqa: BLE001 - a failed warm-up only costs the first job some time
        log.exception("PDF worker warm-up failed")


def _job(func: Callable[[Any], Any], arg: Any) -> tuple[str, Any]:
    """Runs in the worker: ('ok', value) or ('error', message); a worker out of memory exits (pebble replaces it)."""
    _add(_running, 1)  # before leaving the queue: a starting worker must never see both counts at zero mid-way
    _add(_queued, -1)
    try:
        return "ok", func(arg)
    except MemoryError:
        os._exit(MEMORY_EXIT)  # the parent counts this job as ended
    except Exception as error:  # noqa: BLE001 - every failure goes back to the parent as a message
        return "error", f"{type(error).__name__}: {error}"
    finally:
        _add(_running, -1)


class _PoolBroke(RenderFailed):
    """The pebble pool as a whole stopped working; the job may be retried on a new one."""


class WorkerPool:
    """Up to `size` persistent pebble workers; a job past its time limit has its worker killed and replaced."""

    def __init__(self, size: int, headroom_mb: int, warmup: Callable[[], object] | None = None):
        self.size = max(1, size)
        self.headroom_mb = headroom_mb
        self.warmup = warmup
        self._context = multiprocessing.get_context("fork")
        self._queued: Synchronized[int] = self._context.Value("i", 0)
        self._running: Synchronized[int] = self._context.Value("i", 0)
        self._lock = threading.Lock()
        self._pool: ProcessPool | None = None

    def _executor(self) -> ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                if self._pool is not None:  # it broke (a worker died while idle): the counts start afresh too
                    _stop(self._pool)
                    self._queued.value = self._running.value = 0
                self._pool = ProcessPool(
                    self.size,
                    MAX_JOBS_PER_WORKER,
                    _start_worker,
                    (os.getpid(), self.headroom_mb, self.warmup, self._queued, self._running),
                    self._context,
                )
            return self._pool

    def call(self, func: Callable[[Any], Any], arg: Any, timeout: float) -> Any:
        """Run func(arg) in a worker (func must be importable by name); raises RenderTimeout or RenderFailed."""
        deadline = time.monotonic() + timeout
        try:
            return self._attempt(func, arg, timeout)
        except _PoolBroke as error:
            # pebble gives up the whole pool when a worker dies while idle (e.g. killed from outside): a new one runs the job.
            log.warning("PDF pool failed (%s); retrying on a new one", error)
            return self._attempt(func, arg, max(0.01, deadline - time.monotonic()))

    def _attempt(self, func: Callable[[Any], Any], arg: Any, timeout: float) -> Any:
        _add(self._queued, 1)
        try:
            # pebble's own limit (counted from the job's start) is only a backstop: ours counts from now and fires first.
            future = self._executor().schedule(_job, (func, arg), timeout=timeout + BACKSTOP_SECONDS)
        except RuntimeError as error:  # the pool was stopped or broke between our check and the schedule
            _add(self._queued, -1)
            raise _PoolBroke(f"the worker pool failed: {error}") from error
        try:
            status, value = future.result(timeout=timeout)
        except TimeoutError as error:
            started = future.running()
            if future.cancel():  # pebble kills the worker of a cancelled running job
                _add(self._running if started else self._queued, -1)
            log.warning("PDF job timed out after %.1f s; its worker is killed", timeout)
            raise RenderTimeout(f"no result within {timeout:g} s" if started else "every PDF worker stayed busy") from error
        except ProcessExpired as error:
            _add(self._running, -1)
            log.warning("PDF worker %s died with exit code %s", error.pid, error.exitcode)
            if error.exitcode == MEMORY_EXIT:
                raise RenderFailed("the memory limit was reached") from error
            raise RenderFailed("the worker process died") from error
        except (BrokenProcessPool, CancelledError, RuntimeError) as error:
            raise _PoolBroke(f"the worker pool failed: {error}") from error
        if status != "ok":
            raise RenderFailed(str(value))
        return value

    def warm(self) -> None:
        """Start the workers now (e.g. at app start), so the first download pays no fork."""
        if not self._executor().active:  # pebble forks its workers when first asked about its state
            log.warning("the PDF worker pool did not start")

    def pids(self) -> list[int]:
        """The process ids of this pool's live workers."""
        with self._lock:
            found = self._pool
        # pebble has no public list of its workers; its worker manager's table (pid -> process) is the one source.
        workers = getattr(getattr(getattr(found, "_pool_manager", None), "worker_manager", None), "workers", {})
        return [pid for pid, process in dict(workers).items() if process.is_alive()]

    def close(self) -> None:
        """Stop every worker and wait for it to exit."""
        with self._lock:
            found, self._pool = self._pool, None
        if found is not None:
            _stop(found)


def _stop(executor: ProcessPool) -> None:
    executor.stop()  # pebble leaves it unannotated
    executor.join(timeout=2)


_POOLS: dict[tuple[int, int, int], WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def pool(size: int, headroom_mb: int, warmup: Callable[[], object] | None = None) -> WorkerPool:
    """The process-wide pool for these limits (a new one after a fork, e.g. in a gunicorn worker)."""
    key = (os.getpid(), size, headroom_mb)
    with _POOLS_LOCK:
        found = _POOLS.get(key)
        if found is None:
            found = _POOLS[key] = WorkerPool(size, headroom_mb, warmup)
        return found


@atexit.register
def close_pools() -> None:
    """Stop this process's workers (a gunicorn worker runs this when SIGTERM ends its loop)."""
    with _POOLS_LOCK:
        mine = [found for key, found in _POOLS.items() if key[0] == os.getpid()]
    for found in mine:
        found.close()
