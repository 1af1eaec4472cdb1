"""The hand-made fork pool that triage.pdf.pool (pebble) replaced, kept only so bench/pdf.py can measure both side by side."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from triage.pdf.pool import (
    MAX_JOBS_PER_WORKER,
    RenderFailed,
    RenderTimeout,
    _die_with_parent,
    _forget_parent_signals,
    _limit_memory,
)

log = logging.getLogger("bench.pdf_handmade_pool")


def _serve(conn: Connection, parent_end: Connection, parent: int, headroom_mb: int, warmup: Callable[[], object] | None) -> None:
    """Worker loop: receive (function, argument), reply ('ok', value) or ('error', message)."""
    # Holding the parent's end open would hide the parent's exit (recv would never see EOF).
    parent_end.close()
    _forget_parent_signals()
    _die_with_parent(parent)
    _limit_memory(headroom_mb)
    if warmup is not None and not conn.poll(0):  # warm up only while idle: never delay a job already waiting
        try:
            warmup()
        except Exception:  # noqa: BLE001 - a failed warm-up only costs the first job some time
            log.exception("PDF worker warm-up failed")
    while True:
        try:
            func, arg = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", func(arg)))
        except MemoryError:
            conn.send(("error", "the memory limit was reached"))
            return
        except Exception as error:  # noqa: BLE001 - every failure goes back to the parent as a message
            conn.send(("error", f"{type(error).__name__}: {error}"))


class _Worker:
    """One forked worker and the parent's end of its pipe."""

    def __init__(self, headroom_mb: int, warmup: Callable[[], object] | None):
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, self.conn, os.getpid(), headroom_mb, warmup), daemon=True, name="triage-pdf-worker"
        )
        self.process.start()
        child.close()
        self.jobs = 0

    def run(self, func: Callable[[Any], Any], arg: Any, timeout: float) -> Any:
        try:
            self.conn.send((func, arg))
        except OSError as error:
            raise RenderFailed("the worker process had died") from error
        if not self.conn.poll(timeout):
            raise RenderTimeout(f"no result within {timeout:g} s")
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError) as error:
            raise RenderFailed("the worker process died") from error
        self.jobs += 1
        if status != "ok":
            raise RenderFailed(str(value))
        return value

    def kill(self) -> None:
        self.process.kill()
        self.process.join(2)
        self.conn.close()


class WorkerPool:
    """Up to `size` persistent workers; a worker that times out or fails is killed and replaced on demand."""

    def __init__(self, size: int, headroom_mb: int, warmup: Callable[[], object] | None = None):
        self.size = max(1, size)
        self.headroom_mb = headroom_mb
        self.warmup = warmup
        self._idle: list[_Worker] = []
        self._live = 0
        self._pid = os.getpid()
        self._cond = threading.Condition()

    def _checkout(self, timeout: float) -> _Worker:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._live < self.size:
                    self._live += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._cond.wait(remaining):
                    raise RenderTimeout("every PDF worker stayed busy")
        try:
            return _Worker(self.headroom_mb, self.warmup)
        except BaseException:
            self._discard(None)
            raise

    def _discard(self, worker: _Worker | None) -> None:
        if worker is not None:
            worker.kill()
        with self._cond:
            self._live -= 1
            self._cond.notify()

    def _return(self, worker: _Worker) -> None:
        if worker.jobs >= MAX_JOBS_PER_WORKER or not worker.process.is_alive():
            self._discard(worker)
            return
        with self._cond:
            self._idle.append(worker)
            self._cond.notify()

    def call(self, func: Callable[[Any], Any], arg: Any, timeout: float) -> Any:
        """Run func(arg) in a worker (func must be importable by name); raises RenderTimeout or RenderFailed."""
        started = time.monotonic()
        worker = self._checkout(timeout)
        try:
            value = worker.run(func, arg, max(0.01, timeout - (time.monotonic() - started)))
        except RenderTimeout:
            log.warning("PDF worker %s timed out after %.1f s and was killed", worker.process.pid, timeout)
            self._discard(worker)
            raise
        except RenderFailed as error:
            log.warning("PDF worker %s failed: %s", worker.process.pid, error)
            self._discard(worker)
            raise
        except BaseException:
            self._discard(worker)
            raise
        self._return(worker)
        return value

    def warm(self) -> None:
        """Start one worker now (e.g. at app start), so the first download pays no fork."""
        worker = self._checkout(5)
        self._return(worker)

    def pids(self) -> list[int]:
        """The process ids of the idle workers."""
        with self._cond:
            return [w.process.pid for w in self._idle if w.process.pid is not None]

    def close(self) -> None:
        """Stop every idle worker."""
        with self._cond:
            idle, self._idle = self._idle, []
        for worker in idle:
            self._discard(worker)


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
