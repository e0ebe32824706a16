"""A read-only SPARQL 1.1 Protocol endpoint over an :class:`OxigraphStore` (ASGI).

``GET /sparql?query=…`` and ``POST /sparql`` (``application/x-www-form-urlencoded``
with ``query=``, or an ``application/sparql-query`` body) run a query over the
union of all report graphs; ``default-graph-uri`` / ``named-graph-uri`` are
supported and override the union (and any ``FROM`` in the query). The usual
prefixes (``eli:``, ``lkg:``, ``rdf:``, ``rdfs:``, ``xsd:``, ``dcterms:``,
``prov:``) are predeclared. ``GET /sparql`` without a query returns the
SPARQL 1.1 Service Description (Turtle); ``GET /`` is the query page (:mod:`kg.web`).

Content negotiation: SELECT/ASK → SPARQL JSON (default), XML, CSV, TSV;
CONSTRUCT/DESCRIBE → Turtle (default), N-Triples, JSON-LD, RDF/XML. An
``Accept`` header that allows none of these (and no ``*/*``) gets 406.

Safety:

* SPARQL Update (``update=``, ``application/sparql-update``, or an update
  sent as a query) → 403. ``SERVICE`` (pyoxigraph would fetch remote
  endpoints) and ``LOAD`` → 400. They are found by a small SPARQL tokenizer,
  so the words inside strings, IRIs, prefixed names or comments do not count.
* Malformed query → 400 with the parser's message; query over 256 KiB → 413.
* Time limit: pyoxigraph cannot cancel a running query, so queries run in a
  pool of worker processes, each with its own read-only view of the store; a
  query over its limit gets 503 and its worker is killed and replaced. The
  pool size bounds CPU use; a request waiting longer than ``max_wait`` for a
  free worker also gets 503 (with ``Retry-After``). An in-memory store cannot
  be shared with processes, so it is queried in threads: the 503 is the same,
  but the abandoned query keeps its thread until it ends (the thread pool
  still bounds how many run at once).
* Result limit: SELECT solutions and CONSTRUCT/DESCRIBE triples are cut at
  ``result_limit``; a truncated answer is still 200 but carries the headers
  ``X-SPARQL-Truncated: true`` and ``X-SPARQL-Result-Limit: N``.

The worker processes open the store with ``Store.read_only``: they see the
data as of server start, and no other process may write to the store while
the server runs (Oxigraph calls that undefined behaviour).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .stores.base import StoreError
from .stores.oxigraph import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    OxigraphStore,
    QueryTimeout,
    serialize_results,
)
from .web import routes as page_routes

__all__ = ["create_app", "serve", "inspect_query", "QueryInfo"]

MAX_QUERY_BYTES = 256 * 1024
TRUNCATED_HEADER = "X-SPARQL-Truncated"
LIMIT_HEADER = "X-SPARQL-Result-Limit"


# --- looking at a query without running it --------------------------------

# One SPARQL token at a time, so that keywords are only seen outside strings,
# IRIs, prefixed names, variables and comments. Long strings come first.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>[^\s{}()\[\]<>"'\#,;?$=!&|+*/^@]*:[^\s{}()\[\]<>"'\#,;=!&|+*/^]*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_FORMS = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_REFUSED = {"SERVICE": "SERVICE (federated query) is not allowed on this endpoint",
            "LOAD": "LOAD is not allowed on this endpoint"}


@dataclass
class QueryInfo:
    """What :func:`inspect_query` found: the query form and any reason to refuse it."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, an update keyword, or None
    refused: str | None = None

    @property
    def is_update(self) -> bool:
        return self.form in _UPDATES

    @property
    def kind(self) -> str | None:
        """``"results"`` (SELECT/ASK), ``"graph"`` (CONSTRUCT/DESCRIBE) or None."""
        return _FORMS.get(self.form or "")


def inspect_query(text: str) -> QueryInfo:
    """Find the query form (first keyword after the prologue) and refused keywords."""
    form = None
    refused = None
    expect = []  # tokens still to skip in a BASE/PREFIX declaration
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        if expect:
            expect.pop()
            continue
        if kind != "word":
            continue
        word = match.group().upper()
        if form is None:
            if word == "PREFIX":
                expect = ["iri", "pname"]
                continue
            if word == "BASE":
                expect = ["iri"]
                continue
            form = word
        if word in _REFUSED and refused is None:
            refused = _REFUSED[word]
    return QueryInfo(form=form, refused=refused)


# --- content negotiation ---------------------------------------------------

_RESULT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/xml": "xml",
}
_GRAPH_MEDIA = {
    "text/turtle": "turtle",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/x-json+ld": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
_DEFAULT = {"results": "json", "graph": "turtle"}


def negotiate(accept: str | None, kind: str) -> str | None:
    """Format name for result ``kind`` that ``accept`` prefers; None if none is acceptable."""
    table = _RESULT_MEDIA if kind == "results" else _GRAPH_MEDIA
    if not accept or not accept.strip():
        return _DEFAULT[kind]
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in item.split(";")]
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, position, media.lower()))
    for _, _, media in sorted(ranges):
        if media in table:
            return table[media]
        if media == "*/*":
            return _DEFAULT[kind]
        if media.endswith("/*"):
            for candidate, name in table.items():
                if candidate.startswith(media[:-1]):
                    return name
    return None


def _media_type(fmt: str, kind: str) -> str:
    media = (RESULT_FORMATS if kind == "results" else GRAPH_FORMATS)[fmt].media_type
    if media.startswith("text/") and "charset" not in media:
        media += "; charset=utf-8"
    return media


# --- running queries -------------------------------------------------------


class Busy(Exception):
    """No query worker became free in time."""


def execute(store: OxigraphStore, job: dict) -> tuple:
    """Run one query job; returns ``("ok", body, kind, truncated)`` or ``(error, message)``.

    Runs where the query is evaluated (worker process or thread): pyoxigraph
    results must be read on the thread that made them, so only bytes leave.
    """
    try:
        result = store.query(
            job["query"], default_graph=job["default_graph"], named_graphs=job["named_graphs"]
        )
        kind = "results" if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)) else "graph"
        body, _, truncated = serialize_results(result, job["formats"][kind], limit=job["limit"])
        return ("ok", body, kind, truncated)
    except SyntaxError as e:
        return ("syntax", str(e))
    except Exception as e:  # reported to the client as a 500
        return ("error", f"{type(e).__name__}: {e}")


def _worker_main(path: str, conn) -> None:
    """Worker process: open the store read-only, then answer jobs until the pipe closes."""
    try:
        store = OxigraphStore.open_read_only(path)
    except StoreError as e:
        conn.send(("error", str(e)))
        return
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute(store, job))


class _Worker:
    """One worker process and the pipe to it. Its methods block: call them in a thread."""

    BOOT_TIMEOUT = 60.0

    def __init__(self, ctx, path: str):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(path, child), daemon=True, name="kg-sparql")
        self.process.start()
        child.close()
        self.ready = False

    def call(self, job: dict, timeout: float) -> tuple | None:
        """Send ``job``; the reply, or None after ``timeout`` seconds."""
        if not self.ready:  # start-up time does not count against the query
            deadline = time.monotonic() + self.BOOT_TIMEOUT
            while not self.conn.poll(0.1):
                if not self.process.is_alive():
                    # Typically a script that starts the server without an
                    # `if __name__ == "__main__":` guard (multiprocessing's spawn rule).
                    raise RuntimeError(f"query worker exited on start-up (code {self.process.exitcode})")
                if time.monotonic() > deadline:
                    raise RuntimeError("query worker did not start")
            hello = self.conn.recv()
            if hello[0] != "ready":
                raise StoreError(hello[1])
            self.ready = True
        self.conn.send(job)
        if not self.conn.poll(timeout):
            return None
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class _ProcessRunner:
    """A fixed pool of worker processes; a query over its time limit costs its worker."""

    def __init__(self, path: str, size: int, timeout: float, max_wait: float):
        self.path, self.size, self.timeout, self.max_wait = path, size, timeout, max_wait
        self.ctx = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
        self.idle: asyncio.Queue[_Worker] | None = None
        self.workers: set[_Worker] = set()

    def _spawn(self) -> _Worker:
        worker = _Worker(self.ctx, self.path)
        self.workers.add(worker)
        return worker

    async def start(self) -> None:
        self.idle = asyncio.Queue()
        for _ in range(self.size):
            self.idle.put_nowait(self._spawn())

    async def run(self, job: dict) -> tuple:
        try:
            worker = await asyncio.wait_for(self.idle.get(), self.max_wait)
        except asyncio.TimeoutError:
            raise Busy() from None
        reply = crashed = None
        try:
            reply = await anyio.to_thread.run_sync(worker.call, job, self.timeout)
        except (EOFError, OSError, RuntimeError, StoreError) as e:
            crashed = f"query worker failed: {e or type(e).__name__}"
        finally:
            if reply is not None:
                self.idle.put_nowait(worker)
            else:  # timed out, crashed or cancelled mid-query: replace it
                self.workers.discard(worker)
                await anyio.to_thread.run_sync(worker.kill)
                self.idle.put_nowait(await anyio.to_thread.run_sync(self._spawn))
        if crashed:
            return ("error", crashed)
        if reply is None:
            raise QueryTimeout()
        return reply

    async def close(self) -> None:
        for worker in list(self.workers):
            await anyio.to_thread.run_sync(worker.kill)
        self.workers.clear()


class _ThreadRunner:
    """Threads for an in-memory store; a timed-out query keeps its thread until it ends."""

    def __init__(self, store: OxigraphStore, size: int, timeout: float):
        self.store, self.size, self.timeout = store, size, timeout
        self.pool: concurrent.futures.ThreadPoolExecutor | None = None

    async def start(self) -> None:
        self.pool = concurrent.futures.ThreadPoolExecutor(self.size, thread_name_prefix="kg-sparql")

    async def run(self, job: dict) -> tuple:
        future = self.pool.submit(execute, self.store, job)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except asyncio.TimeoutError:
            future.cancel()  # drops it if it has not started yet
            raise QueryTimeout() from None

    async def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


# --- HTTP ------------------------------------------------------------------


def _text(status: int, message: str, **headers) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers or None)


_SD_PREFIXES = {
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


def _service_description(endpoint: str, timeout: float, limit: int) -> str:
    return f"""@prefix sd: <{_SD_PREFIXES['sd']}> .
@prefix formats: <{_SD_PREFIXES['formats']}> .
@prefix rdfs: <{_SD_PREFIXES['rdfs']}> .

<{endpoint}> a sd:Service ;
    rdfs:label "legal-kg SPARQL endpoint" ;
    rdfs:comment "Read-only. Default graph: union of all report graphs. No SERVICE, no LOAD, no updates. Time limit {timeout:g} s per query; results cut at {limit} rows or triples (header {TRUNCATED_HEADER})." ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature sd:UnionDefaultGraph ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,
        formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV,
        formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""


def create_app(
    store: OxigraphStore,
    *,
    query_timeout: float = 10.0,
    result_limit: int = 10000,
    cors: bool = True,
    workers: int | None = None,
    max_wait: float = 30.0,
) -> Starlette:
    """The endpoint as a Starlette app (run it with :func:`serve` or any ASGI server).

    ``workers`` query processes (default: up to 4) evaluate queries; each
    query may run ``query_timeout`` seconds and return ``result_limit``
    solutions or triples.
    """
    size = workers or min(4, os.cpu_count() or 1)
    if store.path is not None:
        runner: Any = _ProcessRunner(str(store.path), size, query_timeout, max_wait)
    else:
        runner = _ThreadRunner(store, size, query_timeout)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await runner.start()
        try:
            yield
        finally:
            await runner.close()

    async def sparql(request: Request) -> Response:
        params = request.query_params
        query = params.getlist("query")
        updates = params.getlist("update")
        default_graph = params.getlist("default-graph-uri")
        named_graphs = params.getlist("named-graph-uri")
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await request.body()
            if len(body) > MAX_QUERY_BYTES:
                return _text(413, f"request body over {MAX_QUERY_BYTES} bytes")
            if content_type == "application/x-www-form-urlencoded":
                form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
                query += form.get("query", [])
                updates += form.get("update", [])
                default_graph += form.get("default-graph-uri", [])
                named_graphs += form.get("named-graph-uri", [])
            elif content_type == "application/sparql-query":
                query.append(body.decode("utf-8", errors="replace"))
            elif content_type == "application/sparql-update":
                updates.append(body.decode("utf-8", errors="replace"))
            else:
                return _text(
                    415,
                    "POST needs Content-Type application/x-www-form-urlencoded or application/sparql-query",
                )
        if updates:
            return _text(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if not query:
            return _describe(request)
        if len(query) > 1:
            return _text(400, "exactly one 'query' parameter is allowed")
        text = query[0]
        if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
            return _text(413, f"query over {MAX_QUERY_BYTES} bytes")

        info = inspect_query(text)
        if info.refused:
            return _text(400, info.refused)
        if info.is_update:
            return _text(403, "this endpoint is read-only: SPARQL Update is not accepted")
        accept = request.headers.get("accept")
        formats = {kind: negotiate(accept, kind) for kind in ("results", "graph")}
        if info.kind and formats[info.kind] is None:
            offered = _RESULT_MEDIA if info.kind == "results" else _GRAPH_MEDIA
            return _text(406, f"cannot produce {accept!r}; available: {', '.join(offered)}")
        formats = {kind: fmt or _DEFAULT[kind] for kind, fmt in formats.items()}

        job = {
            "query": text,
            "formats": formats,
            "limit": result_limit,
            "default_graph": default_graph or None,
            "named_graphs": named_graphs or None,
        }
        try:
            reply = await runner.run(job)
        except QueryTimeout:
            return _text(503, f"query exceeded the {query_timeout:g} s time limit and was stopped")
        except Busy:
            return _text(503, "server busy: no query worker free, try again", **{"Retry-After": "1"})
        if reply[0] == "syntax":
            return _text(400, f"malformed query: {reply[1]}")
        if reply[0] != "ok":
            return _text(500, f"query failed: {reply[1]}")
        _, body, kind, truncated = reply
        headers = {"Vary": "Accept"}
        if truncated:
            headers[TRUNCATED_HEADER] = "true"
            headers[LIMIT_HEADER] = str(result_limit)
        return Response(body, media_type=_media_type(formats[kind], kind), headers=headers)

    def _describe(request: Request) -> Response:
        endpoint = str(request.url.replace(query=""))
        turtle = _service_description(endpoint, query_timeout, result_limit)
        fmt = negotiate(request.headers.get("accept"), "graph") or "turtle"
        if fmt == "turtle":
            return Response(turtle, media_type=_media_type("turtle", "graph"))
        triples = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
        body = ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=_SD_PREFIXES)
        return Response(body, media_type=_media_type(fmt, "graph"))

    middleware = []
    if cors:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["Accept", "Content-Type"],
                expose_headers=[TRUNCATED_HEADER, LIMIT_HEADER],
            )
        )
    return Starlette(
        routes=[*page_routes(), Route("/sparql", sparql, methods=["GET", "POST"])],
        middleware=middleware,
        lifespan=lifespan,
    )


def serve(store: OxigraphStore, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info", **options) -> None:
    """Serve ``store`` at ``http://host:port/sparql`` until interrupted (options: see :func:`create_app`)."""
    import uvicorn

    uvicorn.run(create_app(store, **options), host=host, port=port, log_level=log_level)
