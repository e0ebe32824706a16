"""``kg serve`` in front of a remote store (a SPARQL server): the same endpoint, the same limits.

A query cannot be evaluated in a sandboxed worker here: the store is behind
a socket, which the sandbox forbids. So a request goes through two places:

1. a sandboxed worker (:class:`JudgePool`, the workers of
   :class:`~kg.query_pool.QueryPool` running :func:`_judge_main`) parses the
   query with Oxigraph's own parser on an empty store, as the embedded store
   would: what it is (SELECT, ASK, CONSTRUCT, DESCRIBE), or why it is refused
   (an update: 403; malformed: 400; a ``SERVICE`` that evaluating it on the
   empty store reached: 400). Its answer is the text to send;
2. the server process sends that text to the store's server with the
   endpoint's time limit (passed on to the server too), reads at most a
   bounded number of bytes, and writes the result with the row and byte
   limits (:func:`kg.query.serialize_results`).

That no ``SERVICE`` leaves the remote server is the remote server's part:
the scripts start Fuseki with SERVICE refused and the Oxigraph server unable
to connect anywhere. Design notes: docs/security.md.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from kg.query import (
    Answer,
    QueryJob,
    QueryRefused,
    QueryTimeout,
    ResultCache,
    not_acceptable,
    refusal,
    serialize_results,
)
from kg.query_pool import PoolLimits, QueryPool, sandbox_worker, serve_jobs
from kg.stores.base import StoreError
from kg.stores.sparql import ServerRefused, SparqlStore, UnreadableAnswer, prepare_query

__all__ = ["RemotePool", "JudgePool", "NO_CACHE", "ANSWER_BYTES_FACTOR"]

log = logging.getLogger("kg.serve")

#: Whole answers are not kept: another process may write the remote store at any time.
NO_CACHE = ResultCache(max_bytes=0, max_entry=-1)
#: The store server's answer (SPARQL JSON, N-Triples) may be this many times the
#: endpoint's byte limit: past that the result could not be written within it.
ANSWER_BYTES_FACTOR = 8


class Prepared(NamedTuple):
    """A query a judge accepted: its kind and the text to send the store's server."""

    kind: str
    text: str


# --- the judges (sandboxed worker processes) -------------------------------------------


def judge(dry_run, job: QueryJob) -> Prepared | Answer:
    """What ``job``'s query is, or the answer refusing it; evaluated on the empty store ``dry_run``."""
    try:
        return Prepared(*prepare_query(dry_run, job.query, base_iri=job.base_iri))
    except Exception as e:  # noqa: BLE001 — every failure becomes an answer, the worker goes on
        return refusal(e, job.query)


def _judge_main(_location: str, conn, parent_pid: int, _heavy_after: float, /) -> None:
    """A judge: no network, an empty in-memory store; answers jobs until the pipe closes."""
    if not sandbox_worker(conn, parent_pid):
        return
    import pyoxigraph as ox

    dry_run = ox.Store()

    def on_a_deep_stack(job: QueryJob) -> Prepared | Answer:
        box: dict = {}
        thread = threading.Thread(target=lambda: box.setdefault("verdict", judge(dry_run, job)), daemon=True)
        thread.start()
        thread.join()
        return box.get("verdict") or Answer.text(500, "query check failed in the worker")

    serve_jobs(conn, on_a_deep_stack)


class JudgePool(QueryPool):
    """Sandboxed workers that judge queries (:func:`judge`) with the pool's time and memory limits."""

    worker_main = staticmethod(_judge_main)


# --- the pool kg serve uses ------------------------------------------------------------


class RemotePool:
    """Answers jobs for ``kg serve`` from ``store``'s server, within ``limits`` (see :class:`PoolLimits`).

    ``workers`` queries may be sent at once (a request waits ``max_wait`` for
    its turn, then 503); one still running after ``heavy_after`` is heavy,
    and one more heavy query than ``max_heavy`` is stopped (503); past
    ``timeout`` a query is stopped (503). A stopped query's request is
    abandoned; the server stops it by the same time limit, which it is sent.
    """

    def __init__(self, store: SparqlStore, limits: PoolLimits = PoolLimits()):
        self.store = store
        self.limits = limits
        self.judges = JudgePool(store.url, limits)
        self._senders = ThreadPoolExecutor(2 * limits.workers + limits.heavy_slots, thread_name_prefix="kg-remote")
        self._slots = asyncio.Semaphore(limits.workers)  # start() makes a fresh one in the serving loop
        self._heavy = 0

    async def start(self) -> None:
        self._slots = asyncio.Semaphore(self.limits.workers)
        await self.judges.start()

    async def close(self) -> None:
        await self.judges.close()
        self._senders.shutdown(wait=False, cancel_futures=True)

    async def run(self, job: QueryJob) -> Answer:
        """The answer to ``job``; 503 when the store's server is busy, gone, or a limit stopped the query."""
        t0 = time.monotonic()
        verdict = await self.judges.run(job)
        if isinstance(verdict, Answer):
            return verdict
        fmt = job.formats.get(verdict.kind)
        if fmt is None:
            return not_acceptable(verdict.kind)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.limits.max_wait)
        except TimeoutError:
            return Answer.text(503, "server busy: too many queries at once, try again later")
        try:
            left = self.limits.timeout - (time.monotonic() - t0)
            task = asyncio.get_running_loop().run_in_executor(self._senders, self._send, job, verdict, fmt, left)
            return await self._within_limits(asyncio.ensure_future(task), left)
        finally:
            self._slots.release()

    async def _within_limits(self, task: asyncio.Future, left: float) -> Answer:
        done, _ = await asyncio.wait({task}, timeout=min(self.limits.heavy_after, max(left, 0)))
        if done:
            return task.result()
        self._heavy += 1
        try:
            if self._heavy > self.limits.heavy_slots:
                task.cancel()
                return Answer.text(503, f"too many long-running queries at once (limit {self.limits.heavy_slots}); "
                                        "this one was stopped: try again later")
            done, _ = await asyncio.wait({task}, timeout=max(left - self.limits.heavy_after, 0))
            if done:
                return task.result()
            task.cancel()
            return _timed_out(self.limits.timeout)
        finally:
            self._heavy -= 1

    def _send(self, job: QueryJob, query: Prepared, fmt: str, timeout: float) -> Answer:
        """Send the query, read the answer within the limits and write it (on a thread of :attr:`_senders`)."""
        if timeout <= 0:
            return _timed_out(self.limits.timeout)
        try:
            result = self.store.send_query(
                query.kind, query.text, default_graph=job.default_graph, named_graphs=job.named_graphs,
                timeout=timeout, max_bytes=None if job.max_bytes is None else job.max_bytes * ANSWER_BYTES_FACTOR)
            body, media_type = serialize_results(result, fmt, limit=job.row_limit, max_bytes=job.max_bytes)
            return Answer(200, body, media_type)
        except QueryRefused as e:  # too large
            return Answer.text(e.status, e.message)
        except (UnreadableAnswer, SyntaxError, ValueError) as e:  # a server that fails mid-answer leaves it unreadable
            log.warning("%s: unreadable answer: %s", self.store.url, str(e))  # not e: its frames hold the result
            return Answer.text(502, "the store's SPARQL server did not finish its answer "
                                    "(it failed while evaluating the query)")
        except QueryTimeout:
            return _timed_out(self.limits.timeout)
        except ServerRefused as e:  # the store's URL is not the client's business: the server's words only
            log.warning("%s", str(e))
            if 400 <= e.status < 500:
                return Answer.text(400, f"the store's SPARQL server refused the query: {e.detail}")
            return Answer.text(502, f"the store's SPARQL server failed to answer (HTTP {e.status})")
        except StoreError as e:
            log.warning("%s", str(e))
            return Answer.text(503, "the store's SPARQL server cannot be reached: try again later")


def _timed_out(limit: float) -> Answer:
    return Answer.text(503, f"query exceeded the {limit:g} s time limit and was stopped")

