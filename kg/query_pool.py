"""A pool of sandboxed worker processes that answer SPARQL queries for ``kg serve``.

pyoxigraph cannot cancel a query, so each query runs in a worker process the
server can kill. What keeps the service up under hostile or heavy load:

* every worker denies itself the network (:func:`kg.sandbox.deny_network`)
  and dies with the server;
* a query past its time limit, or using more than its share of memory, costs
  its worker, which is replaced;
* a query still running after ``heavy_after`` seconds is *heavy*: its thread
  drops to the lowest CPU priority, so quick queries on the other workers
  keep the CPU, and at most ``max_heavy`` queries may be heavy at once, so
  the other workers stay free for quick ones;
* the whole pool (workers and server) stays under ``memory_budget``.

Design notes and measurements: docs/security.md.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from dataclasses import dataclass, field

import anyio.to_thread

from kg.query import QUERY_STACK_BYTES, Answer, QueryJob, answer
from kg.sandbox import SandboxUnavailable, deny_network, exit_with_parent
from kg.stores.base import StoreError

__all__ = ["PoolLimits", "QueryPool"]

log = logging.getLogger("kg.serve")
MB = 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class PoolLimits:
    """The limits a :class:`QueryPool` enforces (``kg serve`` options of the same names)."""

    workers: int = field(default_factory=lambda: max(4, 2 * (os.cpu_count() or 1)))
    timeout: float = 10.0          # seconds a query may run
    max_wait: float = 10.0         # seconds a request may wait for a free worker
    heavy_after: float = 0.25      # seconds after which a query counts as heavy
    max_heavy: int | None = None   # heavy queries at once [default: half the workers]
    memory_limit: int = 1024 * MB  # bytes one worker may hold while answering
    memory_budget: int = 4096 * MB  # bytes all workers and the server may hold together

    @property
    def heavy_slots(self) -> int:
        return self.max_heavy if self.max_heavy is not None else max(1, self.workers // 2)


# --- the worker process ------------------------------------------------------------


def sandbox_worker(conn, parent_pid: int) -> bool:
    """Tie this worker to the server and deny it the network; False (and why, sent on ``conn``) if it cannot be."""
    exit_with_parent(parent_pid)
    try:
        deny_network()
    except SandboxUnavailable as e:
        conn.send(("error", f"cannot sandbox query workers: {e}"))
        return False
    return True


def _worker_main(path: str, conn, parent_pid: int, heavy_after: float) -> None:
    """Open the store read-only, then answer jobs until the pipe closes."""
    if not sandbox_worker(conn, parent_pid):
        return
    from kg.stores.oxigraph import OxigraphStore

    try:
        store = OxigraphStore.open_read_only(path)
    except StoreError as e:
        conn.send(("error", str(e)))
        return
    serve_jobs(conn, lambda job: _answer_watching(store, job, conn, heavy_after))


def serve_jobs(conn, handle) -> None:
    """Say "ready", then send ``handle(job)`` for each job received, until the pipe closes."""
    threading.stack_size(QUERY_STACK_BYTES)  # every query thread: deep enough for any accepted query
    import rdflib.plugins.sparql.parser  # noqa: F401 — words refusals; loaded before any query's clock starts
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(("done", handle(job)))


def _answer_watching(store, job: QueryJob, conn, heavy_after: float) -> Answer:
    """Answer ``job`` on a thread of its own; lower that thread's priority once it runs long."""
    box: dict = {}

    def work():
        box["answer"] = answer(store, job)

    thread = threading.Thread(target=work, name="kg-query", daemon=True)
    thread.start()
    thread.join(heavy_after)
    if thread.is_alive():
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, thread.native_id, 19)  # lowest: quick queries come first
        conn.send(("heavy",))
        thread.join()
    return box.get("answer") or Answer.text(500, "query failed in the worker")


# --- the pool (in the server's event loop) -------------------------------------------


class _Worker:
    def __init__(self, ctx, path: str, heavy_after: float, main=_worker_main):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=main, args=(path, child, os.getpid(), heavy_after),
                                   daemon=True, name="kg-sparql")
        self.process.start()
        child.close()
        self.heavy = False
        self.busy = False
        self.killed_for: str | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss(self) -> int:
        """Resident memory in bytes (0 once the process is gone)."""
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as f:
                return int(f.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self, reason: str) -> None:
        if self.killed_for is None:
            self.killed_for = reason
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()

    def reap(self) -> None:
        self.process.join(5)
        self.conn.close()


class QueryPool:
    """Worker processes over the store at ``path``; :meth:`run` answers one job."""

    BOOT_TIMEOUT = 60.0
    #: What each worker process runs: ``(path, conn, parent_pid, heavy_after)`` (kg.remote_pool has another).
    worker_main = staticmethod(_worker_main)

    def __init__(self, path: str, limits: PoolLimits = PoolLimits()):
        self.path = path
        self.limits = limits
        self.ctx = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
        self.idle: asyncio.Queue[_Worker] | None = None
        self.workers: set[_Worker] = set()
        self._watch: asyncio.Task | None = None
        self._closing = False

    # -- life cycle --

    async def start(self) -> None:
        """Start every worker and wait until each has opened the store (StoreError if one cannot)."""
        self.idle = asyncio.Queue()
        workers = await asyncio.gather(*(self._boot() for _ in range(self.limits.workers)))
        for worker in workers:
            self.idle.put_nowait(worker)
        self._watch = asyncio.create_task(self._watch_memory())

    async def close(self) -> None:
        self._closing = True
        if self._watch is not None:
            self._watch.cancel()
        for worker in list(self.workers):
            worker.kill("shutdown")
            await anyio.to_thread.run_sync(worker.reap)
        self.workers.clear()

    async def _boot(self) -> _Worker:
        # Spawned from the event loop's thread, never a pool thread: the kernel's
        # parent-death signal fires when the *thread* that started the child exits.
        worker = self._spawn()
        hello = await self._receive(worker, self.BOOT_TIMEOUT)
        if hello is None or hello[0] != "ready":
            self.workers.discard(worker)
            worker.kill("boot")
            await anyio.to_thread.run_sync(worker.reap)
            why = hello[1] if hello else f"exited on start-up (code {worker.process.exitcode})"
            raise StoreError(f"query worker for {self.path}: {why}")
        return worker

    def _spawn(self) -> _Worker:
        worker = _Worker(self.ctx, self.path, self.limits.heavy_after, self.worker_main)
        self.workers.add(worker)
        return worker

    async def _replace(self, worker: _Worker) -> None:
        """Retire ``worker`` and put a fresh one in the idle queue (retrying if the store is gone)."""
        self.workers.discard(worker)
        worker.kill("retired")
        await anyio.to_thread.run_sync(worker.reap)
        delay = 0.5
        while not self._closing:
            try:
                self.idle.put_nowait(await self._boot())
                return
            except StoreError as e:
                if self._closing:
                    return
                log.error("%s; retrying in %.1f s", e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    # -- answering --

    async def run(self, job: QueryJob) -> Answer:
        """The answer to ``job``; 503 when no worker is free in time or a limit stopped the query."""
        try:
            worker = await asyncio.wait_for(self.idle.get(), self.limits.max_wait)
        except asyncio.TimeoutError:
            return Answer.text(503, "server busy: no query worker free, try again later")
        worker.busy, worker.heavy = True, False
        reply = None
        try:
            worker.conn.send(job)
            reply = await self._receive(worker, self.limits.timeout, on_heavy=self._on_heavy)
        except (OSError, ValueError, EOFError):
            reply = None
        finally:
            worker.busy = False
            if reply is not None and reply[0] == "done":
                self.idle.put_nowait(worker)
            else:  # timed out, killed, crashed or cancelled: never reuse it
                if reply is None and worker.killed_for is None and worker.process.is_alive():
                    worker.kill("timeout")
                asyncio.create_task(self._replace(worker))
        if reply is not None and reply[0] == "done":
            return reply[1]
        return self._failure(worker)

    def _failure(self, worker: _Worker) -> Answer:
        reason = worker.killed_for
        if reason == "timeout":
            return Answer.text(503, f"query exceeded the {self.limits.timeout:g} s time limit and was stopped")
        if reason == "memory":
            return Answer.text(503, f"query needed more than {self.limits.memory_limit // MB:,} MB of memory "
                                    "(or the server's memory budget) and was stopped")
        if reason == "heavy":
            return Answer.text(503, f"too many long-running queries at once (limit {self.limits.heavy_slots}); "
                                    "this one was stopped: try again later")
        return Answer.text(500, f"query worker failed (exit code {worker.process.exitcode})")

    def _on_heavy(self, worker: _Worker) -> None:
        worker.heavy = True
        heavy = sum(1 for w in self.workers if w.busy and w.heavy)
        if heavy > self.limits.heavy_slots:
            worker.kill("heavy")

    async def _receive(self, worker: _Worker, timeout: float, on_heavy=None):
        """The worker's next message other than "heavy"; None if it died or ``timeout`` passed."""
        loop = asyncio.get_running_loop()
        reply: asyncio.Future = loop.create_future()
        fd = worker.conn.fileno()

        def readable() -> None:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                message = None
            if message is not None and message[0] == "heavy":
                if on_heavy is not None:
                    on_heavy(worker)
                return
            loop.remove_reader(fd)
            if not reply.done():
                reply.set_result(message)

        loop.add_reader(fd, readable)
        try:
            return await asyncio.wait_for(reply, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            loop.remove_reader(fd)

    # -- memory --

    async def _watch_memory(self, every: float = 0.05) -> None:
        own = _own_rss
        while True:
            await asyncio.sleep(every)
            busy = [w for w in self.workers if w.busy and w.killed_for is None]
            if not busy:
                continue
            sizes = {w: w.rss() for w in self.workers}
            for w in busy:
                if sizes[w] > self.limits.memory_limit:
                    w.kill("memory")
            if sum(sizes.values()) + own() > self.limits.memory_budget:
                alive = [w for w in busy if w.killed_for is None]
                if alive:
                    max(alive, key=sizes.__getitem__).kill("memory")


def _own_rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0

