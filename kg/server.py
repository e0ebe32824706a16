"""A read-only SPARQL 1.1 Protocol endpoint over a store on disk (an ASGI app).

``GET /sparql?query=…`` and ``POST /sparql`` (a form with ``query=``, or an
``application/sparql-query`` body) answer a query; ``default-graph-uri`` and
``named-graph-uri`` set the dataset as the protocol says. ``GET /sparql``
without a query gives the service description; ``/`` is the query page
(:mod:`kg.web`).

Queries are parsed and evaluated by sandboxed worker processes
(:mod:`kg.query_pool`): what a query is and whether it may run is decided
there by the store's own parser, and no query can reach the network. What is
refused and every limit: the README's "Safe to expose" section and
docs/security.md.
"""
from __future__ import annotations

import codecs
import contextlib
from urllib.parse import parse_qs

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kg.pages import routes as instrument_routes
from kg.pages.texts import Texts
from kg.query import (
    FORMATS,
    MAX_QUERY_BYTES,
    READ_ONLY,
    Answer,
    QueryJob,
    QueryRefused,
    ResultCache,
    check_query_text,
    media_types,
    negotiate,
)
from kg.query_pool import MB, PoolLimits, QueryPool
from kg.stores.oxigraph import OxigraphStore
from kg.web import CONTENT_SECURITY_POLICY
from kg.web import routes as page_routes

__all__ = ["create_app", "serve", "PoolLimits"]

#: Largest request body read (a form or a query), in bytes.
MAX_BODY_BYTES = MAX_QUERY_BYTES + 16 * 1024
#: Largest answer written, in bytes.
MAX_RESPONSE_BYTES = 16 * MB


def _text(status: int, message: str, **headers) -> Response:
    return Response((message.rstrip("\n") + "\n").encode("utf-8"), status_code=status,
                    media_type="text/plain; charset=utf-8", headers=headers or None)


def _respond(reply: Answer, **headers) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers or None)


# --- reading a protocol request ----------------------------------------------------


class ProtocolRequest:
    """The SPARQL protocol parameters of one request."""

    def __init__(self) -> None:
        self.query: list[str] = []
        self.update: list[str] = []
        self.default_graph: list[str] = []
        self.named_graphs: list[str] = []

    def add(self, params: dict[str, list[str]]) -> None:
        self.query += params.get("query", [])
        self.update += params.get("update", [])
        self.default_graph += params.get("default-graph-uri", [])
        self.named_graphs += params.get("named-graph-uri", [])


async def _body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused (413) on its declared length or as soon as it grows past ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise QueryRefused(400, "invalid Content-Length")
        if int(declared) > limit:
            raise QueryRefused(413, f"request body of {int(declared):,} bytes is over the limit of {limit:,}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise QueryRefused(413, f"request body is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _charset(content_type: str) -> str:
    """The ``charset`` parameter of a Content-Type (default UTF-8); 415 for one Python cannot decode."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or "utf-8"
            try:
                return codecs.lookup(charset).name
            except LookupError:
                raise QueryRefused(415, f"unknown charset {charset!r}") from None
    return "utf-8"


async def read_request(request: Request) -> ProtocolRequest:
    """Query, update and dataset parameters from the URL and, for POST, the body."""
    params = ProtocolRequest()
    params.add({k: request.query_params.getlist(k) for k in request.query_params.keys()})
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media not in ("application/x-www-form-urlencoded", "application/sparql-query",
                         "application/sparql-update"):
            raise QueryRefused(415, "POST needs Content-Type application/x-www-form-urlencoded "
                                    "or application/sparql-query")
        charset = _charset(content_type)
        body = await _body(request)
        if media == "application/x-www-form-urlencoded":
            params.add(parse_qs(body.decode("ascii", errors="replace"), keep_blank_values=True,
                                encoding=charset, errors="replace"))
        else:
            text = body.decode(charset, errors="replace")
            (params.query if media == "application/sparql-query" else params.update).append(text)
    return params


def _graph_iris(values: list[str], name: str) -> list[str] | None:
    """Dataset IRIs from the protocol, checked; 400 for one that is not an absolute IRI."""
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise QueryRefused(400, f"invalid {name}: {value!r} is not an absolute IRI") from None
    return values or None


# --- the service description ---------------------------------------------------------

_SD_PREFIXES = {
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


def _service_description(endpoint: str, limits: PoolLimits, result_limit: int) -> str:
    return f"""@prefix sd: <{_SD_PREFIXES['sd']}> .
@prefix formats: <{_SD_PREFIXES['formats']}> .
@prefix rdfs: <{_SD_PREFIXES['rdfs']}> .

<{endpoint}> a sd:Service ;
    rdfs:label "legal-kg SPARQL endpoint" ;
    rdfs:comment "Read-only. Default graph: the RDF merge of all report graphs. No SERVICE, no updates. Each query may run {limits.timeout:g} s and return {result_limit} rows or triples and {MAX_RESPONSE_BYTES // MB} MB; a larger result is refused with 400, never cut short." ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature sd:UnionDefaultGraph ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,
        formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV,
        formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML, formats:N-Quads, formats:TriG ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""


# --- the app ---------------------------------------------------------------------


def create_app(
    store: OxigraphStore,
    *,
    limits: PoolLimits | None = None,
    result_limit: int = 10000,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
    cors: bool = True,
    base: str | None = None,
    texts: list[str] | None = None,
    **pool_options,
) -> Starlette:
    """The endpoint over the store on disk that ``store`` opened, as a Starlette app.

    ``store`` may also be a :class:`~kg.stores.sparql.SparqlStore`: queries are
    then checked in sandboxed workers and answered by its server, within the
    same limits (:mod:`kg.remote_pool`), and no answer is cached.

    ``limits`` (or its fields as keywords: ``workers``, ``timeout``,
    ``max_wait``, ``heavy_after``, ``max_heavy``, ``memory_limit``,
    ``memory_budget``) bound the query workers; a result may hold
    ``result_limit`` rows or triples and ``max_response_bytes`` bytes.
    ``base`` is the server's public URL, under which it answers the IRIs of
    instruments and reports (:mod:`kg.pages`; None: the address each request came to);
    ``texts`` the folders the ingested files are read from again to show them
    (None: the current directory).
    """
    remote = _is_remote(store)
    if not remote and store.path is None:
        raise ValueError("kg serve needs a store on disk: query workers open it read-only")
    if "query_timeout" in pool_options:  # the name before limits were grouped
        pool_options["timeout"] = pool_options.pop("query_timeout")
    limits = limits or PoolLimits(**{k: v for k, v in pool_options.items() if v is not None})
    if remote:  # a store behind a SPARQL server: kg.remote_pool
        from kg.remote_pool import NO_CACHE, RemotePool

        pool, answers = RemotePool(store, limits), NO_CACHE
    else:
        pool = QueryPool(str(store.path), limits)
        answers = ResultCache()  # sound: nothing may write the store while it is served (its lock)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    async def sparql(request: Request) -> Response:
        try:
            params = await read_request(request)
            if params.update:
                return _text(403, READ_ONLY)
            if not params.query:
                return _describe(request)
            if len(params.query) > 1:
                return _text(400, "exactly one 'query' parameter is allowed")
            text = params.query[0]
            check_query_text(text)
            default_graph = _graph_iris(params.default_graph, "default-graph-uri")
            named_graphs = _graph_iris(params.named_graphs, "named-graph-uri")
        except QueryRefused as e:
            return _text(e.status, e.message)
        accept = request.headers.get("accept")
        formats = {kind: negotiate(accept, kind) for kind in FORMATS}
        if not any(formats.values()):
            offered = dict.fromkeys(media_types("solutions") + media_types("graph"))
            return _text(406, f"cannot produce {accept!r}; available: {', '.join(offered)}")
        job = QueryJob(text, formats, row_limit=result_limit, max_bytes=max_response_bytes,
                       default_graph=default_graph, named_graphs=named_graphs, base_iri=_endpoint(request))
        key = (text, tuple(formats.values()), tuple(default_graph or ()), tuple(named_graphs or ()), job.base_iri)
        reply = answers.get(key)
        if reply is None:
            reply = await pool.run(job)
            if reply.status == 200:
                answers.put(key, reply, len(reply.body))
        headers = {"Vary": "Accept"}
        if reply.status == 503:
            headers["Retry-After"] = "1"
        return _respond(reply, **headers)

    async def run_for_pages(job: QueryJob) -> Answer:
        """The instrument and report pages' way into the store: the same pool, limits and cache."""
        key = ("pages", job.query, tuple(job.formats.items()))
        reply = answers.get(key)
        if reply is None:
            reply = await pool.run(job)
            if reply.status == 200:
                answers.put(key, reply, len(reply.body))
        return reply

    def _describe(request: Request) -> Response:
        turtle = _service_description(_endpoint(request), limits, result_limit)
        fmt = negotiate(request.headers.get("accept"), "graph") or "turtle"
        if fmt == "turtle":
            return Response(turtle, media_type=FORMATS["graph"]["turtle"].media_type)
        triples = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
        body = ox.serialize(triples, format=FORMATS["graph"][fmt].oxigraph, prefixes=_SD_PREFIXES)
        return Response(body, media_type=FORMATS["graph"][fmt].media_type)

    async def trailing_slash(request: Request) -> Response:
        url = request.url.replace(path=request.url.path.rstrip("/"))
        return RedirectResponse(str(url), status_code=308)  # 308: a POST stays a POST

    middleware = [Middleware(SecurityHeaders)]
    if cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                                     allow_headers=["Accept", "Content-Type"]))
    return Starlette(
        routes=[
            *page_routes(),
            *instrument_routes(run_for_pages, base=base, row_limit=result_limit, max_bytes=max_response_bytes,
                               texts=Texts(texts or ["."])),
            Route("/sparql", sparql, methods=["GET", "POST"]),
            Route("/sparql/", trailing_slash, methods=["GET", "POST"]),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )


def _is_remote(store) -> bool:
    from kg.stores.sparql import SparqlStore

    return isinstance(store, SparqlStore)


def _endpoint(request: Request) -> str:
    """The endpoint's own URL: the service's IRI and the base of relative IRIs in queries."""
    return str(request.url.replace(query="", fragment=""))


class SecurityHeaders:
    """ASGI middleware: ``nosniff`` on every response, a Content-Security-Policy on HTML."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def serve(store: OxigraphStore, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info",
          **options) -> None:
    """Serve ``store`` at ``http://host:port/sparql`` until interrupted (options: see :func:`create_app`)."""
    import uvicorn

    uvicorn.run(create_app(store, **options), host=host, port=port, log_level=log_level)

